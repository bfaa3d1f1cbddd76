/**
 * The Linux io-pgtable self-test cases (arm_v7s_do_selftests / arm_lpae_run_tests), written once
 * against the public plugin API so each of this folder's sibling plugins (arm-v7s, spapr-tce,
 * gart) runs the same checks on its own geometry. Test-only: imported from *.test.ts files.
 */
import { expect, it } from "vitest";
import {
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
  /** Start and size of the translated input range (window / aperture / 0..2^ias). */
  inputBase: bigint;
  inputSize: bigint;
  /** Page sizes to exercise, ascending. */
  pageSizes: readonly bigint[];
  /** Physical pool for the tables (kept away from the addresses the tests map). */
  pool: { base: bigint; size: bigint };
  /** Whether a block (page above the smallest) splits on partial unmap. */
  splits: boolean;
  /** prot a walk reports for a mapping made with `prot` (formats that widen rights). */
  expectedProt?: (prot: number) => number;
}

export interface Live {
  memory: PhysicalMemory;
  pool: PoolAllocator;
  handle: TableHandle;
  context: () => TableContext;
  translate: (iova: bigint) => bigint | undefined;
}

export function openTable(s: SelftestSetup): Live {
  const memory = new PhysicalMemory();
  memory.allowWrites(s.pool.base, s.pool.size);
  const pool = new PoolAllocator("tables", s.pool.base, s.pool.size);
  const handle = s.plugin.create(memory, pool, s.options);
  const context = (): TableContext => ({
    params: s.options.params,
    root: handle.root,
    registers: s.plugin.registers(handle),
    aperture: s.options.aperture,
    ...(s.options.window ? { window: s.options.window } : {}),
  });
  const translate = (iova: bigint): bigint | undefined => {
    const r = s.plugin.walk(memory, context(), iova);
    return r.ok ? r.pa : undefined;
  };
  return { memory, pool, handle, context, translate };
}

/** Count valid leaf pages (4K units) read from bytes. */
export function mappedPages(s: SelftestSetup, live: Live): number {
  let n = 0;
  s.plugin.leaves(live.memory, live.context(), (_i, _p, count) => {
    n += count;
  });
  return n;
}

const G = 1n << 30n;
const RW = PROT_READ | PROT_WRITE;

/** Registers the self-test cases as vitest `it` blocks. */
export function ioPgtableSelftest(s: SelftestSetup): void {
  const protOf = s.expectedProt ?? ((p: number) => p);
  const top = s.inputBase + s.inputSize;
  // Spots k x step + 42 as far as the input range allows (1G steps like the kernel when it can).
  const step = s.inputSize >= G * BigInt(s.pageSizes.length) ? G : s.inputSize / 4n;

  it("an empty table faults at 42, 1G+42, 2G+42 (where in range)", () => {
    const live = openTable(s);
    for (const off of [42n, G + 42n, 2n * G + 42n]) {
      if (off >= s.inputSize) continue;
      const r = s.plugin.walk(live.memory, live.context(), s.inputBase + off);
      expect(r.ok).toBe(false);
    }
    expect(mappedPages(s, live)).toBe(0);
  });

  it("maps each page size at k x step and translates +42; overlaps are refused intact", () => {
    const live = openTable(s);
    s.pageSizes.forEach((size, k) => {
      const iova = s.inputBase + BigInt(k) * step;
      const pa = BigInt(k) * step; // identity relative to the input base
      s.plugin.map(live.handle, iova, pa, size, 1, RW, 0);
      // Mapping over a live entry is refused and leaves the old one intact.
      expect(() => s.plugin.map(live.handle, iova, pa + size, size, 1, PROT_READ, 0)).toThrow(
        MappingError,
      );
      const r = s.plugin.walk(live.memory, live.context(), iova + 42n);
      expect(r.ok && r.pa).toBe(pa + 42n);
      expect(r.ok && r.prot).toBe(protOf(RW));
      expect(r.ok && r.pageSize).toBe(size);
    });
  });

  it("refuses a mapping with neither read nor write", () => {
    const live = openTable(s);
    expect(() => s.plugin.map(live.handle, s.inputBase, 0n, s.pageSizes[0]!, 1, 0, 0)).toThrow(
      /read or write/,
    );
    expect(mappedPages(s, live)).toBe(0);
  });

  it("a full unmap returns its size and faults; a remap with other rights works", () => {
    const live = openTable(s);
    s.pageSizes.forEach((size, k) => {
      const iova = s.inputBase + BigInt(k) * step;
      const pa = BigInt(k) * step;
      s.plugin.map(live.handle, iova, pa, size, 1, RW, 0);
      expect(s.plugin.unmap(live.handle, iova, size)).toBe(size);
      expect(live.translate(iova + 42n)).toBeUndefined();
      s.plugin.map(live.handle, iova, pa, size, 1, PROT_WRITE, 0);
      const r = s.plugin.walk(live.memory, live.context(), iova + 42n);
      expect(r.ok && r.pa).toBe(pa + 42n);
      expect(r.ok && r.prot).toBe(protOf(PROT_WRITE));
      s.plugin.unmap(live.handle, iova, size);
      s.plugin.map(live.handle, iova, pa, size, 1, PROT_READ, 0);
      const r2 = s.plugin.walk(live.memory, live.context(), iova + 42n);
      expect(r2.ok && r2.prot).toBe(protOf(PROT_READ));
    });
  });

  it("maps and unmaps the largest page at the very top of the input range", () => {
    const live = openTable(s);
    const size = s.pageSizes.at(-1)!;
    const iova = top - size;
    s.plugin.map(live.handle, iova, 0n, size, 1, RW, 0);
    expect(live.translate(top - 1n)).toBe(size - 1n);
    expect(s.plugin.unmap(live.handle, iova, size)).toBe(size);
    expect(live.translate(top - 1n)).toBeUndefined();
    expect(mappedPages(s, live)).toBe(0);
  });

  if (s.splits && s.pageSizes.length > 1) {
    it("partial unmap splits a block without touching the neighbouring block", () => {
      const live = openTable(s);
      for (const size of s.pageSizes.slice(1)) {
        const iova = s.inputBase;
        const small = s.pageSizes[0]!;
        const pa = 8n * size;
        s.plugin.map(live.handle, iova, pa, size, 2, RW, 0);
        const neighbour = s.plugin.walk(live.memory, live.context(), iova + size + 42n);
        expect(s.plugin.unmap(live.handle, iova + small, small)).toBe(small);
        expect(live.translate(iova + small + 42n)).toBeUndefined();
        expect(live.translate(iova + 42n)).toBe(pa + 42n);
        expect(live.translate(iova + size - 1n)).toBe(pa + size - 1n);
        const after = s.plugin.walk(live.memory, live.context(), iova + size + 42n);
        expect(after.ok && after.pageSize).toBe(size);
        expect(after.ok && after.steps.at(-1)!.descriptor).toBe(
          neighbour.ok && neighbour.steps.at(-1)!.descriptor,
        );
        expect(mappedPages(s, live)).toBe(Number((2n * size - small) / 4096n));
        // Remap the hole (the kernel's "remap of partial unmap").
        s.plugin.map(live.handle, iova + small, small, small, 1, PROT_READ, 0);
        expect(live.translate(iova + small + 42n)).toBe(small + 42n);
        expect(s.plugin.unmap(live.handle, iova, 2n * size)).toBe(2n * size);
      }
    });
  }

  it("map then unmap everything leaves no valid entry and frees every table page", () => {
    const live = openTable(s);
    const rootBytes = live.pool.usedBytes;
    s.pageSizes.forEach((size, k) => {
      s.plugin.map(live.handle, s.inputBase + BigInt(k) * step, 0n, size, 3, RW, 0);
    });
    expect(mappedPages(s, live)).toBeGreaterThan(0);
    s.pageSizes.forEach((size, k) => {
      expect(s.plugin.unmap(live.handle, s.inputBase + BigInt(k) * step, 3n * size)).toBe(
        3n * size,
      );
    });
    expect(mappedPages(s, live)).toBe(0);
    expect(live.pool.usedBytes).toBe(rootBytes);
    let tables = 0;
    s.plugin.tables(live.memory, live.context(), () => tables++);
    expect(tables).toBe(1);
  });
}
