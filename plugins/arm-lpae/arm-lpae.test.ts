/**
 * arm-lpae behaviour, in the spirit of Linux's io-pgtable-arm self-tests: the shared self-test
 * cases (with 1,000 random operations against the interval reference) per granule and stage, the
 * configuration matrix, 52-bit output, block splitting at known addresses, freeing tables.
 */
import { describe, expect, test } from "vitest";
import {
  ATTR_CACHEABLE,
  PhysicalMemory,
  PROT_READ,
  PROT_WRITE,
  RadixTable,
  type PluginParams,
} from "../../src/plugin-api/index.js";
import { runSelfTests } from "../../src/plugin-api/conformance/self-tests.js";
import { ioPgtableSelfTests } from "../../src/plugin-api/conformance/vitest-selftests.js";
import { Fixture } from "../../src/plugin-api/conformance/index.js";
import plugin from "./index.js";

const RW = PROT_READ | PROT_WRITE;

function setup(params: PluginParams) {
  return new Fixture(plugin, { params, poolBase: 0x8000_0000n, poolSize: 64n << 20n });
}

for (const [stage, granule, ias, oas] of [
  [1n, 4096n, 48n, 48n],
  [2n, 4096n, 40n, 40n],
  [1n, 16384n, 48n, 48n],
  [2n, 16384n, 48n, 48n],
  [1n, 65536n, 48n, 52n],
  [2n, 65536n, 42n, 48n],
]) {
  describe(`arm-lpae stage ${stage} granule ${granule} ias ${ias} oas ${oas}: io-pgtable self-test`, () => {
    ioPgtableSelfTests(plugin, { params: { stage, granule, ias, oas }, attrs: ATTR_CACHEABLE });
  });
}

describe("arm-lpae configuration matrix", () => {
  const widths = [32n, 36n, 40n, 42n, 44n, 48n];
  for (const granule of [4096n, 16384n, 65536n]) {
    for (const stage of [1n, 2n]) {
      for (const ias of widths) {
        for (const oas of widths.filter((o) => o >= ias)) {
          test(`granule ${granule} stage ${stage} ias ${ias} oas ${oas}`, () => {
            const params = { stage, granule, ias, oas };
            expect(plugin.validate!(params)).toEqual([]);
            expect(runSelfTests(plugin, { params })).toEqual([]);
          });
        }
      }
    }
  }
  test("52-bit output with the 64K granule, both stages", () => {
    for (const stage of [1n, 2n]) {
      const params = { stage, granule: 65536n, ias: 48n, oas: 52n };
      expect(plugin.validate!(params)).toEqual([]);
      expect(runSelfTests(plugin, { params })).toEqual([]);
      const { memory, handle, context } = setup(params);
      plugin.map(handle, 0x2000_0000n, 0xa_bcde_2000_0000n, 512n << 20n, 1, RW, 0);
      const w = plugin.walk(memory, context(), 0x2000_0000n + 42n);
      expect(w.ok && w.pa).toBe(0xa_bcde_2000_0000n + 42n);
    }
  });
  test("validate refuses 52-bit output without 64K, ias > oas at stage 2, alias conflicts", () => {
    expect(plugin.validate!({ granule: 4096n, oas: 52n })).toHaveLength(1);
    expect(plugin.validate!({ stage: 2n, ias: 48n, oas: 40n })).toHaveLength(1);
    expect(plugin.validate!({ ias: 40n, "va-bits": 44n })).toHaveLength(1);
    expect(plugin.validate!({ granule: 16384n, "page-sizes": [2097152n] })).not.toEqual([]);
  });
  test("stage 2 concatenates level-1 tables instead of a tiny level-0 table", () => {
    expect(plugin.capabilities({ stage: 2n, ias: 40n, oas: 40n }).levels).toBe(3);
    expect(plugin.capabilities({ stage: 1n, ias: 40n, oas: 40n }).levels).toBe(4);
    expect(plugin.capabilities({ stage: 2n, ias: 48n, oas: 48n }).levels).toBe(4);
  });
});

describe("arm-lpae map and unmap", () => {
  test("partial unmap of a block splits it and never touches the neighbouring block", () => {
    const { memory, handle, context } = setup({ stage: 1n });
    const block = 2n << 20n;
    plugin.map(handle, 0x4000_0000n, 0x9000_0000n, block, 2, RW, ATTR_CACHEABLE);
    const neighbour = memory.read64(0x8000_2000n + 8n); // L2[1], the second block
    expect(plugin.unmap(handle, 0x4000_0000n + 0x3000n, 0x2000n)).toBe(0x2000n);
    expect(memory.read64(0x8000_2000n + 8n)).toBe(neighbour);
    const ctx = context();
    for (let off = 0n; off < block; off += 0x1000n) {
      const w = plugin.walk(memory, ctx, 0x4000_0000n + off);
      if (off === 0x3000n || off === 0x4000n) {
        expect(w.ok).toBe(false);
      } else {
        expect(w.ok && w.pa).toBe(0x9000_0000n + off);
        expect(w.ok && w.attrs & ATTR_CACHEABLE).toBe(ATTR_CACHEABLE);
        expect(w.ok && w.pageSize).toBe(4096n);
      }
    }
    const w = plugin.walk(memory, ctx, 0x4020_0000n);
    expect(w.ok && w.pageSize).toBe(block);
  });

  test("splitting a 1G block goes through 2M blocks", () => {
    const { memory, handle, context } = setup({ stage: 2n, ias: 40n, oas: 40n });
    plugin.map(handle, 0x4000_0000n, 0x4000_0000n, 1n << 30n, 1, RW, 0);
    expect(plugin.unmap(handle, 0x4000_0000n + (5n << 20n), 4096n)).toBe(4096n);
    const ctx = context();
    expect(plugin.walk(memory, ctx, 0x4000_0000n + (5n << 20n)).ok).toBe(false);
    const far = plugin.walk(memory, ctx, 0x4000_0000n + (700n << 20n));
    expect(far.ok && far.pageSize).toBe(2n << 20n);
    const near = plugin.walk(memory, ctx, 0x4000_0000n + (4n << 20n) + 0x1000n);
    expect(near.ok && near.pageSize).toBe(4096n);
  });

  test("map then unmap everything leaves zero valid entries and only the root", () => {
    const { memory, pool, handle, context } = setup({});
    const rootBytes = pool.usedBytes;
    plugin.map(handle, 0x10_0000_0000n, 0x1000_0000n, 4096n, 3000, RW, 0);
    plugin.map(handle, 0x20_0000_0000n, 0x4000_0000n, 2n << 20n, 5, PROT_READ, 0);
    plugin.map(handle, 0x80_0000_0000n, 0x8000_0000n, 1n << 30n, 2, RW, 0);
    expect((handle as RadixTable).tables).toBeGreaterThan(1);
    plugin.unmap(handle, 0n, 1n << 48n);
    expect((handle as RadixTable).validEntries()).toBe(0);
    expect((handle as RadixTable).tables).toBe(1);
    expect(pool.usedBytes).toBe(rootBytes);
    const tables: bigint[] = [];
    plugin.tables(memory, context(), (pa) => tables.push(pa));
    expect(tables).toEqual([handle.root]);
    // Every written frame is zero again: no stale descriptors anywhere.
    for (const pfn of memory.framePfns()) expect(memory.peek(pfn).every((w) => w === 0)).toBe(true);
  });

  test("pool exhaustion leaves the table as it was", () => {
    const { memory, pool, handle, context } = new Fixture(plugin, {
      params: {},
      poolBase: 0x8000_0000n,
      poolSize: 3n * 4096n,
    });
    plugin.map(handle, 0n, 0n, 2n << 20n, 1, RW, 0); // root + L1 + L2: pool full
    expect(() => plugin.map(handle, 1n << 30n, 0n, 4096n, 1, RW, 0)).toThrow(/exhausted/);
    expect(() => plugin.unmap(handle, 0x1000n, 0x1000n)).toThrow(/exhausted/);
    const w = plugin.walk(memory, context(), 0x1000n);
    expect(w.ok && w.pageSize).toBe(2n << 20n);
    expect(pool.usedBytes).toBe(3 * 4096);
  });

  test("describe and walk read only the bytes (a copied memory image gives the same answers)", () => {
    const { memory, handle, context } = setup({});
    plugin.map(handle, 0x4000_0000n, 0x1234_0000n, 4096n, 16, RW, 0);
    const copy = new PhysicalMemory();
    for (const pfn of memory.framePfns())
      copy.writeBytes(BigInt(pfn) * 4096n, memory.readBytes(BigInt(pfn) * 4096n, 4096));
    expect(plugin.describe(copy, context())).toBe(plugin.describe(memory, context()));
    expect(plugin.describe(copy, context())).toContain("page pa=0x12340000");
    const w = plugin.walk(copy, context(), 0x4000_5042n);
    expect(w.ok && w.pa).toBe(0x1234_5042n);
    expect(w.steps.map((s) => s.level)).toEqual([0, 1, 2, 3]);
  });
});
