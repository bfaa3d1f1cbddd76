/**
 * The Linux io-pgtable self-test cases (arm_lpae_run_tests spirit), written once against the
 * public plugin API so x86-64, intel-vtd and amd-v1 run the same checks on their own geometry,
 * plus random map/unmap against a plain interval list. Test-only: imported from *.test.ts files.
 */
import { expect, it } from "vitest";
import {
  ATTR_CACHEABLE,
  MappingError,
  PhysicalMemory,
  PoolAllocator,
  PROT_READ,
  PROT_WRITE,
  type CreateOptions,
  type TableContext,
  type TableHandle,
  type VcmPlugin,
} from "../../src/plugin-api/index.js";

export interface SelftestSetup {
  plugin: VcmPlugin;
  options: CreateOptions;
  /** Input address bits (the top of the input space is 2^inputBits). */
  inputBits: number;
  /** Page sizes to exercise, ascending. */
  pageSizes: readonly bigint[];
  /** Page sizes for the random test (small enough to keep it fast). */
  randomSizes: readonly bigint[];
}

interface Live {
  memory: PhysicalMemory;
  pool: PoolAllocator;
  handle: TableHandle;
  context: TableContext;
  translate: (iova: bigint) => bigint | undefined;
}

const POOL_BASE = 0x10_0000_0000n;
const POOL_SIZE = 0x1000_0000n;
const G = 1n << 30n;
const RW = PROT_READ | PROT_WRITE;

function open(s: SelftestSetup): Live {
  const memory = new PhysicalMemory();
  memory.allowWrites(POOL_BASE, POOL_SIZE);
  const pool = new PoolAllocator("tables", POOL_BASE, POOL_SIZE);
  const handle = s.plugin.create(memory, pool, s.options);
  const context: TableContext = {
    params: s.options.params,
    root: handle.root,
    registers: s.plugin.registers(handle),
    aperture: s.options.aperture,
  };
  const translate = (iova: bigint): bigint | undefined => {
    const r = s.plugin.walk(memory, context, iova);
    return r.ok ? r.pa : undefined;
  };
  return { memory, pool, handle, context, translate };
}

function leafPages(s: SelftestSetup, live: Live): number {
  let n = 0;
  s.plugin.leaves(live.memory, live.context, (_i, _p, count) => {
    n += count;
  });
  return n;
}

function expectMappingError(f: () => unknown, code: MappingError["code"]): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MappingError);
    expect((e as MappingError).code).toBe(code);
    return;
  }
  expect.fail(`expected MappingError ${code}`);
}

/** A tiny deterministic PRNG (mulberry32), so a failing random run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Registers the self-test cases as vitest `it` blocks. */
export function ioPgtableSelftest(s: SelftestSetup): void {
  const top = 1n << BigInt(s.inputBits);

  it("an empty table faults at 42, 1G+42 and 2G+42", () => {
    const live = open(s);
    for (const a of [42n, G + 42n, 2n * G + 42n]) {
      if (a < top) expect(live.translate(a)).toBeUndefined();
    }
    expect(leafPages(s, live)).toBe(0);
  });

  it("maps each page size identity at k x 1G and translates +42", () => {
    const live = open(s);
    s.pageSizes.forEach((size, k) => {
      const iova = BigInt(k + 1) * (size > G ? size : G);
      s.plugin.map(live.handle, iova, iova, size, 1, RW, ATTR_CACHEABLE);
      const r = s.plugin.walk(live.memory, live.context, iova + 42n);
      expect(r.ok).toBe(true);
      if (r.ok) {
        expect(r.pa).toBe(iova + 42n);
        expect(r.pageSize).toBe(size);
        expect(r.prot).toBe(RW);
        expect(r.attrs).toBe(ATTR_CACHEABLE);
      }
      expect(live.translate(iova + size)).toBeUndefined();
    });
  });

  it("refuses a map over a live entry and leaves the old one intact", () => {
    const live = open(s);
    for (const size of s.pageSizes) {
      const a = size > G ? size : G;
      s.plugin.map(live.handle, a, a, size, 1, RW, ATTR_CACHEABLE);
      expectMappingError(
        () => s.plugin.map(live.handle, a, 2n * a, size, 1, PROT_READ, ATTR_CACHEABLE),
        "exists",
      );
      // Also a smaller page inside it.
      expectMappingError(
        () => s.plugin.map(live.handle, a, 2n * a, s.pageSizes[0]!, 1, RW, ATTR_CACHEABLE),
        "exists",
      );
      expect(live.translate(a + 42n)).toBe(a + 42n);
      expect(s.plugin.unmap(live.handle, a, size)).toBe(size);
    }
  });

  it("refuses a mapping with neither r nor w", () => {
    const live = open(s);
    expectMappingError(
      () => s.plugin.map(live.handle, G, G, s.pageSizes[0]!, 1, 0, ATTR_CACHEABLE),
      "no-permission",
    );
    expect(leafPages(s, live)).toBe(0);
  });

  it("unmaps exactly the size, then faults; a remap with other rights works", () => {
    const live = open(s);
    for (const size of s.pageSizes) {
      const a = size > G ? size : G;
      s.plugin.map(live.handle, a, a, size, 1, RW, ATTR_CACHEABLE);
      expect(s.plugin.unmap(live.handle, a, size)).toBe(size);
      expect(live.translate(a + 42n)).toBeUndefined();
      s.plugin.map(live.handle, a, 2n * a, size, 1, PROT_READ, ATTR_CACHEABLE);
      const r = s.plugin.walk(live.memory, live.context, a + 42n);
      expect(r.ok && r.pa).toBe(2n * a + 42n);
      expect(r.ok && r.prot).toBe(PROT_READ);
      expect(s.plugin.unmap(live.handle, a, size)).toBe(size);
    }
  });

  it("maps and unmaps the largest page at the very top of the input space", () => {
    const live = open(s);
    const size = s.pageSizes.at(-1)!;
    const iova = top - size;
    s.plugin.map(live.handle, iova, size, size, 1, RW, ATTR_CACHEABLE);
    expect(live.translate(iova + 42n)).toBe(size + 42n);
    expect(live.translate(top - 1n)).toBe(2n * size - 1n);
    expect(s.plugin.unmap(live.handle, iova, size)).toBe(size);
    expect(live.translate(iova + 42n)).toBeUndefined();
  });

  it("partial unmap of a block splits it and leaves the neighbouring block alone", () => {
    const live = open(s);
    for (const size of s.pageSizes.slice(1)) {
      const base = 4n * (size > G ? size : G);
      s.plugin.map(live.handle, base, base, size, 2, RW, ATTR_CACHEABLE);
      const small = s.pageSizes[0]!;
      expect(s.plugin.unmap(live.handle, base + small, small)).toBe(small);
      expect(live.translate(base + small + 42n)).toBeUndefined();
      expect(live.translate(base + 42n)).toBe(base + 42n);
      if (size > 2n * small) {
        expect(live.translate(base + 2n * small + 42n)).toBe(base + 2n * small + 42n);
        expect(live.translate(base + size - 1n)).toBe(base + size - 1n);
      }
      // The second block is still one leaf of the original size.
      const r = s.plugin.walk(live.memory, live.context, base + size + 42n);
      expect(r.ok && r.pageSize).toBe(size);
      expect(r.ok && r.prot).toBe(RW);
      expect(s.plugin.unmap(live.handle, base, 2n * size)).toBe(2n * size - small);
    }
  });

  it("map then unmap everything leaves no valid entry and frees the tables", () => {
    const live = open(s);
    const rootBytes = live.pool.usedBytes;
    s.pageSizes.forEach((size, k) => {
      const iova = BigInt(k + 1) * (size > G ? size : G);
      s.plugin.map(live.handle, iova, iova, size, 3, RW, ATTR_CACHEABLE);
    });
    expect(live.pool.usedBytes).toBeGreaterThan(rootBytes);
    s.pageSizes.forEach((size, k) => {
      const iova = BigInt(k + 1) * (size > G ? size : G);
      expect(s.plugin.unmap(live.handle, iova, 3n * size)).toBe(3n * size);
    });
    expect(leafPages(s, live)).toBe(0);
    let tables = 0;
    s.plugin.tables(live.memory, live.context, () => tables++);
    expect(tables).toBe(1);
    expect(live.pool.usedBytes).toBe(rootBytes);
  });

  it("random map/unmap agrees with a plain interval list", () => {
    const runs = Number(process.env["FUZZ_RUNS"] ?? "1000");
    const rand = prng(0x5eed);
    const live = open(s);
    // Reference: disjoint [start, end) intervals of 4K frames with their pa frame.
    let ref: { start: number; end: number; pa: number }[] = [];
    const spanPfns = 8 * 2 ** 18; // 8G of input space
    for (let op = 0; op < runs; op++) {
      const size = s.randomSizes[Math.floor(rand() * s.randomSizes.length)]!;
      const pages = Number(size >> 12n);
      const slot = Math.floor((rand() * spanPfns) / pages);
      const start = slot * pages;
      if (rand() < 0.6) {
        const count = 1 + Math.floor(rand() * 3);
        const end = start + pages * count;
        if (end > spanPfns) continue;
        const pa = pages * Math.floor(rand() * 1024) + 0x100 * 2 ** 18;
        const clash = ref.some((r) => r.start < end && start < r.end);
        const call = (): void =>
          s.plugin.map(
            live.handle,
            BigInt(start) << 12n,
            BigInt(pa) << 12n,
            size,
            count,
            RW,
            ATTR_CACHEABLE,
          );
        if (clash) expectMappingError(call, "exists");
        else {
          call();
          ref.push({ start, end, pa });
        }
      } else {
        const len = pages * (1 + Math.floor(rand() * 2)) - (rand() < 0.3 ? 1 : 0);
        const end = Math.min(start + Math.max(1, len), spanPfns);
        let expected = 0;
        const next: typeof ref = [];
        for (const r of ref) {
          const lo = Math.max(r.start, start);
          const hi = Math.min(r.end, end);
          if (lo >= hi) {
            next.push(r);
            continue;
          }
          expected += hi - lo;
          if (r.start < lo) next.push({ start: r.start, end: lo, pa: r.pa });
          if (hi < r.end) next.push({ start: hi, end: r.end, pa: r.pa + (hi - r.start) });
        }
        ref = next;
        const got = s.plugin.unmap(live.handle, BigInt(start) << 12n, BigInt(end - start) << 12n);
        expect(got).toBe(BigInt(expected) << 12n);
      }
    }
    // Every leaf run read from bytes lies in the reference (adjacent intervals that continue in
    // pa may come back as one run), and the totals agree.
    const merged: typeof ref = [];
    for (const r of [...ref].sort((a, b) => a.start - b.start)) {
      const last = merged.at(-1);
      if (last && last.end === r.start && last.pa + (last.end - last.start) === r.pa) {
        last.end = r.end;
      } else merged.push({ ...r });
    }
    let total = 0;
    s.plugin.leaves(live.memory, live.context, (iovaPfn, paPfn, count) => {
      total += count;
      const r = merged.find((x) => x.start <= iovaPfn && iovaPfn + count <= x.end);
      expect(r, `leaf at pfn 0x${iovaPfn.toString(16)}`).toBeDefined();
      expect(paPfn).toBe(r!.pa + (iovaPfn - r!.start));
    });
    expect(total).toBe(ref.reduce((n, r) => n + r.end - r.start, 0));
  });
}
