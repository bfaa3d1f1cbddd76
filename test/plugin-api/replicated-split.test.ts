/**
 * Regression: a partial unmap of a replicated leaf splits it like any block (found by the
 * conformance kit on amd-v1: "cannot split the replicated leaf at iova 0x0"). AMD v1 maps 2^40 at
 * level 4 as two NextLevel-7 copies and has no 2^39 page, so each copy must become a level-3
 * table; ARMv7s 16M/64K groups are rewritten in place as 1M/4K entries.
 */
import { describe, expect, test } from "vitest";
import {
  PhysicalMemory,
  PoolAllocator,
  PROT_READ,
  PROT_WRITE,
  PoolExhaustedError,
  type TableContext,
  type TableHandle,
  type VcmPlugin,
} from "../../src/plugin-api/index.js";
import { replaySequence, type ConformanceCommand } from "../../src/plugin-api/conformance/index.js";
import amd from "../../plugins/amd-v1/index.js";
import armV7s from "../../plugins/arm-v7s/index.js";

const T1 = { base: 0n, size: 1n << 40n };
const RW = PROT_READ | PROT_WRITE;

function setup(
  plugin: VcmPlugin,
  params: Record<string, bigint>,
  aperture = T1,
  poolSize = 64n << 20n,
) {
  const memory = new PhysicalMemory();
  const pool = new PoolAllocator("p", 0x8000_0000n, poolSize);
  memory.allowWrites(0x8000_0000n, poolSize);
  const handle = plugin.create(memory, pool, { params, name: "t", domainId: 1, aperture });
  const ctx: TableContext = {
    params,
    root: handle.root,
    registers: plugin.registers(handle),
    aperture,
  };
  /** leaves() merged across page sizes: what memory is reachable, not how it is encoded. */
  const leaves = (): [number, number, number][] => {
    const out: [number, number, number][] = [];
    plugin.leaves(memory, ctx, (iova, pa, count) => {
      const last = out.at(-1);
      if (last && last[0] + last[2] === iova && last[1] + last[2] === pa) last[2] += count;
      else out.push([iova, pa, count]);
    });
    return out;
  };
  const tables = (): number => {
    let n = 0;
    plugin.tables(memory, ctx, () => n++);
    return n;
  };
  return { memory, pool, handle, ctx, leaves, tables };
}

/** The sequence the kit reported, with the page size it picked (2^40 for amd-v1 4/6 levels). */
const failing: ConformanceCommand[] = [
  { kind: "map", slot: 0, sizeIndex: 27, count: 1 },
  { kind: "unmap", start: 0, length: 1 },
];

describe("partial unmap of a replicated leaf", () => {
  for (const levels of [4n, 6n]) {
    test(`amd-v1 levels ${levels}: the kit's failing sequence replays clean`, () => {
      expect(amd.capabilities({ levels }).pageSizes[27]).toBe(1n << 40n);
      expect(replaySequence(amd, { params: { levels }, aperture: T1 }, failing)).toEqual([]);
    });
  }

  test("amd-v1: splitting a 2^40 page leaves the rest mapped and the neighbours untouched", () => {
    const G = 1n << 30n;
    // Neighbours on both sides of the 2^40 page at 1T..2T (in a 2T aperture).
    const wide = setup(amd, { levels: 4n }, { base: 0n, size: 1n << 42n });
    const h: TableHandle = wide.handle;
    amd.map(h, (1n << 40n) - G, 0x1_0000_0000n, G, 1, RW, 0);
    amd.map(h, 1n << 40n, 1n << 41n, 1n << 40n, 1, RW, 0);
    amd.map(h, 2n << 40n, 0x2_0000_0000n, G, 1, PROT_READ, 0);
    const before = wide.leaves();
    expect(amd.unmap(h, (1n << 40n) + 0x5000n, 0x1000n)).toBe(0x1000n);
    const walk = (iova: bigint) => amd.walk(wide.memory, wide.ctx, iova);
    const w0 = walk((1n << 40n) + 42n);
    // Halved in place down to the 16K page below the hole, which the 4K pages then replace.
    expect(w0.ok && [w0.pa, w0.pageSize]).toEqual([(1n << 41n) + 42n, 0x4000n]);
    const w4 = walk((1n << 40n) + 0x4000n);
    expect(w4.ok && [w4.pa, w4.pageSize]).toEqual([(1n << 41n) + 0x4000n, 0x1000n]);
    expect(walk((1n << 40n) + 0x5000n).ok).toBe(false);
    const wHigh = walk((1n << 40n) + (1n << 39n) + 42n);
    // The second copy became a table of 2^38 pages: still one translation, no hole.
    expect(wHigh.ok && [wHigh.pa, wHigh.pageSize]).toEqual([
      (1n << 41n) + (1n << 39n) + 42n,
      1n << 38n,
    ]);
    const after = wide.leaves();
    // Neighbours unchanged; the big page now reads as two runs around the hole.
    expect(after[0]).toEqual(before[0]);
    expect(after.at(-1)).toEqual(before.at(-1));
    const big = after.slice(1, -1);
    expect(big).toEqual([
      [2 ** 28, 2 ** 29, 5],
      [2 ** 28 + 6, 2 ** 29 + 6, 2 ** 28 - 6],
    ]);
    // Unmapping everything frees every table but the root.
    expect(amd.unmap(h, 0n, 1n << 42n)).toBe((1n << 40n) + 2n * G - 0x1000n);
    expect(wide.leaves()).toEqual([]);
    expect(wide.tables()).toBe(1);
  });

  test("amd-v1: if the pool cannot supply the split tables the page stays whole", () => {
    // The root and one more table: the second copy's table cannot be had, so the first one's
    // is given back.
    const t = setup(amd, { levels: 4n }, T1, 0x2000n);
    amd.map(t.handle, 0n, 0n, 1n << 40n, 1, RW, 0);
    const before = t.leaves();
    expect(() => amd.unmap(t.handle, 0n, 0x1000n)).toThrow(PoolExhaustedError);
    expect(t.leaves()).toEqual(before);
    expect(t.pool.usedBytes).toBe(0x1000);
  });

  for (const [size, sizeIndex] of [
    [1n << 24n, 3],
    [1n << 16n, 1],
  ] as const) {
    test(`arm-v7s: a 0x${size.toString(16)} page with its first 4K unmapped`, () => {
      const params = { "page-sizes": [0x1000n, 0x1_0000n, 0x10_0000n, 0x100_0000n] };
      const opts = { params, aperture: { base: 0n, size: 1n << 32n } };
      expect(
        replaySequence(armV7s, opts, [
          { kind: "map", slot: 0, sizeIndex, count: 1 },
          { kind: "unmap", start: 0, length: 1 },
        ]),
      ).toEqual([]);
      const t = setup(armV7s, {}, opts.aperture);
      armV7s.map(t.handle, size, 0x4000_0000n, size, 1, RW, 0);
      armV7s.map(t.handle, 2n * size, 0x5000_0000n, size, 1, RW, 0);
      expect(armV7s.unmap(t.handle, size, 0x1000n)).toBe(0x1000n);
      const p = Number(size >> 12n);
      expect(t.leaves()).toEqual([
        [p + 1, 0x40001, p - 1],
        [2 * p, 0x50000, p],
      ]);
    });
  }
});
