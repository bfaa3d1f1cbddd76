/**
 * The radix engine's fast paths against an entry-by-entry reader: map's frame-at-a-time fill
 * (little- and big-endian, 4- and 8-byte descriptors, replicated pages, hook-encoded addresses)
 * must write what decoding each entry gives back, and leaves()'s coalescing scans must report
 * exactly that. Random maps straddle frame and table boundaries and carries of the address into
 * the high word (pa across 4G). Also: reading a mostly empty table skips the frames never written.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  DESC_LEAF,
  DESC_TABLE,
  MappingError,
  PhysicalMemory,
  PoolAllocator,
  PROT_READ,
  PROT_WRITE,
  asRadixTable,
  decodedDescriptor,
  descriptorWords,
  readDescriptor,
  type PluginParams,
  type RadixFormat,
  type TableContext,
  type VcmPlugin,
} from "../../src/plugin-api/index.js";
import {
  IntervalReference,
  coalesce,
  type ReferenceRange,
} from "../../src/plugin-api/conformance/index.js";
import { expectedRights, rightsMask } from "../../src/plugin-api/conformance/self-tests.js";
import amd from "../../plugins/amd-v1/index.js";
import armLpae from "../../plugins/arm-lpae/index.js";
import armV7s from "../../plugins/arm-v7s/index.js";
import spaprTce from "../../plugins/spapr-tce/index.js";
import { toy } from "./toy-format.js";

const RUNS = Number(process.env["FUZZ_RUNS"] ?? 30);
const G4 = 2 ** 20; // 4 GiB in 4K frames

/** Every leaf entry decoded on its own (no coalescing shortcuts), as 4K-frame ranges. */
function entryByEntry(
  memory: PhysicalMemory,
  format: RadixFormat,
  rootPa: number,
): ReferenceRange[] {
  const g = format.geometry;
  const w = descriptorWords();
  const d = decodedDescriptor();
  const out: ReferenceRange[] = [];
  const visit = (tablePa: number, l: number, basePfn: number): void => {
    const lvl = g.levels[l]!;
    const unit = 2 ** (lvl.shift - 12);
    for (let i = 0; i < 2 ** lvl.bits; i++) {
      readDescriptor(memory, tablePa + i * g.entryBytes, g.entryBytes, g.bigEndian, w);
      if (w.lo === 0 && w.hi === 0) continue;
      format.decode(l, w.lo, w.hi, d);
      if (d.kind === DESC_TABLE) visit(d.tablePa, l + 1, basePfn + i * unit);
      else if (d.kind === DESC_LEAF) {
        const copy = i % 2 ** (d.pageShift - lvl.shift);
        const start = basePfn + i * unit;
        out.push({ start, end: start + unit, pa: d.paPfn + copy * unit, prot: d.prot, attrs: 0 });
      }
    }
  };
  visit(rootPa, 0, Number((g.iovaBase ?? 0n) >> 12n));
  return coalesce(out);
}

interface Case {
  name: string;
  plugin: VcmPlugin;
  params: PluginParams;
  aperture: { base: bigint; size: bigint };
  window?: { base: bigint; size: bigint; pageSize: bigint; levels: number };
  /** Largest page size to use (keeps the entry-by-entry reader fast). */
  maxPage: bigint;
}

const cases: Case[] = [
  {
    name: "arm-lpae (8-byte little-endian)",
    plugin: armLpae,
    params: { stage: 1n, granule: 4096n, ias: 40n, oas: 40n },
    aperture: { base: 0n, size: 1n << 40n },
    maxPage: 1n << 30n,
  },
  {
    name: "spapr-tce 4K (8-byte big-endian, 2 levels)",
    plugin: spaprTce,
    params: {},
    aperture: { base: 1n << 59n, size: 1n << 32n },
    window: { base: 1n << 59n, size: 1n << 32n, pageSize: 0x1000n, levels: 2 },
    maxPage: 0x1000n,
  },
  {
    name: "spapr-tce 64K (8-byte big-endian, flat)",
    plugin: spaprTce,
    params: {},
    aperture: { base: 0n, size: 1n << 30n },
    window: { base: 0n, size: 1n << 30n, pageSize: 0x1_0000n, levels: 1 },
    maxPage: 0x1_0000n,
  },
  {
    name: "arm-v7s (4-byte little-endian, replicated 64K/16M)",
    plugin: armV7s,
    params: {},
    aperture: { base: 0n, size: 1n << 32n },
    maxPage: 1n << 24n,
  },
  {
    name: "toy (4-byte big-endian, replicated 64K/16M)",
    plugin: toy,
    params: {},
    aperture: { base: 0n, size: 1n << 32n },
    maxPage: 1n << 24n,
  },
  {
    name: "amd-v1 (address encoded by a hook, replicated NextLevel-7 pages)",
    plugin: amd,
    params: { levels: 3n },
    aperture: { base: 0n, size: 1n << 39n },
    maxPage: 1n << 23n,
  },
];

const op = fc.record({
  unmap: fc.boolean(),
  sizeIndex: fc.nat(),
  slot: fc.nat(),
  count: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 200, max: 1300 })),
  /** 0: pa straddling 4G (8-byte) or ending at the top of the output space; else arbitrary. */
  paChoice: fc.nat({ max: 3 }),
  paSlot: fc.nat(),
  write: fc.boolean(),
});

describe("radix fast paths agree with an entry-by-entry reader", () => {
  for (const c of cases) {
    test(c.name, () => {
      fc.assert(
        fc.property(fc.array(op, { minLength: 1, maxLength: 12 }), (ops) => {
          const memory = new PhysicalMemory();
          const pool = new PoolAllocator("p", 0x8000_0000n, 64n << 20n);
          memory.allowWrites(0x8000_0000n, 64n << 20n);
          const window = c.window ? { window: c.window } : {};
          const handle = c.plugin.create(memory, pool, {
            params: c.params,
            name: "t",
            domainId: 1,
            aperture: c.aperture,
            ...window,
          });
          const format = asRadixTable(handle, c.plugin.name).format;
          const ctx: TableContext = {
            params: c.params,
            root: handle.root,
            registers: c.plugin.registers(handle),
            aperture: c.aperture,
            ...window,
          };
          const caps = c.plugin.capabilities(c.params);
          const mask = rightsMask(caps);
          const sizes = (c.window ? [c.window.pageSize] : caps.pageSizes).filter(
            (s) => s <= c.maxPage,
          );
          const outPages = Math.min(2 ** (caps.outputBits - 12), 2 ** 40);
          const basePfn = Number(c.aperture.base >> 12n);
          // Room for the longest run of the smallest page, and a few of the largest.
          const regionPages = Math.min(
            Number(c.aperture.size >> 12n),
            Math.max(4 * Number(sizes.at(-1)! >> 12n), 4096 * Number(sizes[0]! >> 12n)),
          );
          const ref = new IntervalReference();
          for (const o of ops) {
            const size = sizes[o.sizeIndex % sizes.length]!;
            const pages = Number(size >> 12n);
            const count = pages > 1 ? Math.min(o.count, 3) : o.count;
            const slots = Math.floor(regionPages / pages) - count + 1;
            if (slots < 1) continue;
            const start = (o.slot % slots) * pages;
            if (o.unmap) {
              const len = count * pages;
              const got = c.plugin.unmap(
                handle,
                BigInt(basePfn + start) << 12n,
                BigInt(len) << 12n,
              );
              expect(got).toBe(BigInt(ref.unmap(start, start + len)) << 12n);
              continue;
            }
            const span = count * pages;
            const paTop = Math.floor(outPages / pages) * pages;
            let pa =
              o.paChoice === 0
                ? outPages > G4
                  ? G4 - pages * Math.ceil(count / 2)
                  : paTop - span
                : (o.paSlot % Math.floor(outPages / pages)) * pages;
            if (pa + span > outPages) pa = paTop - span;
            const prot = o.write ? PROT_READ | PROT_WRITE : PROT_READ;
            try {
              c.plugin.map(
                handle,
                BigInt(basePfn + start) << 12n,
                BigInt(pa) << 12n,
                size,
                count,
                prot,
                0,
              );
              expect(ref.map(start, start + span, pa, expectedRights(caps, prot), 0)).toBe(true);
            } catch (e) {
              if (!(e instanceof MappingError) || e.code !== "exists") throw e;
              expect(ref.overlaps(start, start + span)).toBe(true);
            }
          }
          const want = coalesce(
            ref.ranges.map((r) => ({ ...r, start: r.start + basePfn, end: r.end + basePfn })),
          );
          const slow = entryByEntry(memory, format, Number(handle.root)).map((r) => ({
            ...r,
            prot: r.prot & mask,
          }));
          const fast: ReferenceRange[] = [];
          c.plugin.leaves(memory, ctx, (iova, pa, count, prot) =>
            fast.push({ start: iova, end: iova + count, pa, prot: prot & mask, attrs: 0 }),
          );
          expect(coalesce(slow)).toEqual(want);
          expect(coalesce(fast)).toEqual(want);
        }),
        { numRuns: RUNS },
      );
    });
  }
});

/** Counts frame reads, to see which frames a reader touches. */
class CountingMemory extends PhysicalMemory {
  peeks = 0;
  override peek(pfn: number): Uint32Array {
    this.peeks++;
    return super.peek(pfn);
  }
}

describe("readers skip frames that were never written", () => {
  test("a 2G default TCE window (4 MB flat table) holding one page", () => {
    const memory = new CountingMemory();
    const pool = new PoolAllocator("p", 0x1_0000_0000n, 64n << 20n);
    const aperture = { base: 0n, size: 1n << 31n };
    const handle = spaprTce.create(memory, pool, { params: {}, name: "t", domainId: 1, aperture });
    spaprTce.map(handle, 0x1000_0000n, 0x4000_0000n, 4096n, 3, PROT_READ, 0);
    const ctx: TableContext = {
      params: {},
      root: handle.root,
      registers: spaprTce.registers(handle),
      aperture,
    };
    // 2^19 TCEs of 8 bytes: 1024 frames, one of them written.
    memory.peeks = 0;
    const runs: number[][] = [];
    spaprTce.leaves(memory, ctx, (...a) => runs.push(a));
    expect(runs).toEqual([[0x1_0000, 0x4_0000, 3, PROT_READ, 0, 12]]);
    expect(memory.peeks).toBeLessThanOrEqual(2);
    memory.peeks = 0;
    let tables = 0;
    spaprTce.tables(memory, ctx, () => tables++);
    expect(tables).toBe(1);
    expect(memory.peeks).toBeLessThanOrEqual(2);
    memory.peeks = 0;
    const text = spaprTce.describe(memory, ctx);
    expect(text).toContain("(x3, contiguous)");
    // One frame's 512 entries, read one descriptor at a time.
    expect(memory.peeks).toBeLessThanOrEqual(520);
  });
});
