/**
 * The radix engine on a toy ARMv7s-like format exercising what arm-lpae does not: 4-byte
 * big-endian descriptors, sub-page (1K) tables sharing frames, and replicated leaves (64K = 16 x 4K
 * entries, 16M = 16 x 1M entries), including their splits. The format: level 0 shift 20 (4096
 * entries), level 1 shift 12 (256 entries); bits[1:0] 01 = table (address [31:10]), 10 = leaf;
 * bit 2 = writable; bit 3 = large (replicated) leaf; leaf address at its natural position.
 */
import { describe, expect, test } from "vitest";
import {
  PhysicalMemory,
  PoolAllocator,
  PROT_READ,
  PROT_WRITE,
  RadixTable,
} from "../../src/plugin-api/index.js";
import { runConformance } from "../../src/plugin-api/conformance/index.js";
import { toy } from "./toy-format.js";

describe("radix engine on a 4-byte big-endian format with replicated leaves", () => {
  test("passes the conformance kit", async () => {
    expect(await runConformance(toy, { params: {} })).toEqual([]);
  });

  test("stores descriptors big-endian, replicates large pages, shares frames between 1K tables", () => {
    const memory = new PhysicalMemory();
    const pool = new PoolAllocator("p", 0x8000_0000n, 1n << 20n);
    const aperture = { base: 0n, size: 1n << 32n };
    const h = toy.create(memory, pool, {
      params: {},
      name: "t",
      domainId: 1,
      aperture,
    }) as RadixTable;
    toy.map(h, 0x10_0000n, 0x4567_0000n, 65536n, 1, PROT_READ | PROT_WRITE, 0);
    toy.map(h, 0x20_0000n, 0x1234_5000n, 4096n, 1, PROT_READ, 0);
    // Root entry 1 -> 1K table at 0x80004000 (first fit after the 16K root), in big-endian bytes.
    expect([...memory.readBytes(0x8000_0004n, 4)]).toEqual([0x80, 0x00, 0x40, 0x01]);
    // Second 1K table shares the same frame.
    expect([...memory.readBytes(0x8000_0008n, 4)]).toEqual([0x80, 0x00, 0x44, 0x01]);
    for (let i = 0; i < 16; i++) {
      expect([...memory.readBytes(0x8000_4000n + BigInt(4 * i), 4)]).toEqual([
        0x45, 0x67, 0x00, 0x0e,
      ]);
    }
    // Unmapping 4K inside the 64K page rewrites it as 15 small pages in place.
    expect(toy.unmap(h, 0x10_3000n, 4096n)).toBe(4096n);
    const ctx = { params: {}, root: h.root, registers: toy.registers(h), aperture };
    const w = toy.walk(memory, ctx, 0x10_4042n);
    expect(w.ok && w.pa).toBe(0x4567_4042n);
    expect(w.ok && w.pageSize).toBe(4096n);
    expect(toy.walk(memory, ctx, 0x10_3000n).ok).toBe(false);
    // A zero entry below the root is an invalid descriptor there (the descriptor decoded at the
    // level above, a table pointer, must not be taken for it: that read as a loop).
    expect(toy.walk(memory, ctx, 0x20_1000n)).toMatchObject({
      ok: false,
      level: 2,
      reason: "invalid descriptor at level 2",
    });
    expect(h.validEntries()).toBe(2 + 15 + 1);
  });

  test("splitting a 16M supersection goes through 1M sections, 64K and 4K pages", () => {
    const memory = new PhysicalMemory();
    const pool = new PoolAllocator("p", 0x8000_0000n, 1n << 20n);
    const aperture = { base: 0n, size: 1n << 32n };
    const h = toy.create(memory, pool, { params: {}, name: "t", domainId: 1, aperture });
    toy.map(h, 0x100_0000n, 0x300_0000n, 1n << 24n, 1, PROT_READ, 0);
    expect(toy.unmap(h, 0x150_2000n, 0x1000n)).toBe(0x1000n);
    const ctx = { params: {}, root: h.root, registers: toy.registers(h), aperture };
    const sizes = [0x100_0000n, 0x150_0000n, 0x150_1000n, 0x151_0000n].map((a) => {
      const w = toy.walk(memory, ctx, a);
      return w.ok ? [w.pa, w.pageSize] : null;
    });
    expect(sizes).toEqual([
      [0x300_0000n, 1n << 20n],
      // The 64K page holding the hole was itself rewritten as 4K pages.
      [0x350_0000n, 1n << 12n],
      [0x350_1000n, 1n << 12n],
      [0x351_0000n, 1n << 16n],
    ]);
    expect(toy.walk(memory, ctx, 0x150_2000n).ok).toBe(false);
  });
});
