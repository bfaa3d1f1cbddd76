import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MappingError,
  PhysicalMemory,
  PoolAllocator,
  PROT_READ,
  PROT_WRITE,
  type PluginParams,
  type TableContext,
} from "../../src/plugin-api/index.js";
import direct from "./index.js";

const G = 1n << 30n;

function setup(params: PluginParams, aperture = { base: 0n, size: 1n << 64n }) {
  const memory = new PhysicalMemory();
  const pool = new PoolAllocator("p", 0x8000_0000n, 0x10_0000n);
  const handle = direct.create(memory, pool, { params, name: "d", domainId: 1, aperture });
  const context: TableContext = {
    params,
    root: handle.root,
    registers: direct.registers(handle),
    aperture,
  };
  return { memory, pool, handle, context };
}

describe("direct", () => {
  it("creates no tables and writes no memory", () => {
    const { memory, pool, handle, context } = setup({ offset: 0n, "dma-bits": 64n });
    expect(handle.root).toBe(0n);
    expect(pool.usedBytes).toBe(0);
    direct.map(handle, 0x1000n, 0x1000n, 4096n, 4, PROT_READ, 0);
    expect(memory.frameCount).toBe(0);
    let tables = 0;
    direct.tables(memory, context, () => tables++);
    expect(tables).toBe(0);
    expect(direct.capabilities({ offset: 0n, "dma-bits": 64n }).levels).toBe(0);
  });

  it("translates identity when offset is 0, at k x 1G + 42", () => {
    const { memory, context } = setup({ offset: 0n, "dma-bits": 64n });
    for (const k of [0n, 1n, 2n, 3n]) {
      const r = direct.walk(memory, context, k * G + 42n);
      expect(r.ok && r.pa).toBe(k * G + 42n);
    }
  });

  it("adds the bus offset: pa = bus + offset", () => {
    const { memory, context } = setup({ offset: 0x8000_0000n, "dma-bits": 32n });
    const r = direct.walk(memory, context, 0x1234n);
    expect(r.ok && r.pa).toBe(0x8000_1234n);
  });

  it("faults above the DMA mask", () => {
    const { memory, context } = setup({ offset: 0n, "dma-bits": 32n });
    expect(direct.walk(memory, context, 0xffff_ffffn).ok).toBe(true);
    const r = direct.walk(memory, context, 0x1_0000_0000n);
    expect(r.ok).toBe(false);
    expect(direct.walk(memory, context, 4n * G + 42n).ok).toBe(false);
  });

  it("faults where pa would be negative (negative offset)", () => {
    const { memory, context } = setup({ offset: -0x1000_0000n, "dma-bits": 32n });
    expect(direct.walk(memory, context, 0x0fff_f000n).ok).toBe(false);
    const r = direct.walk(memory, context, 0x1000_0042n);
    expect(r.ok && r.pa).toBe(0x42n);
  });

  it("refuses a map the fixed window cannot provide", () => {
    const { handle } = setup({ offset: 0x1000n, "dma-bits": 32n });
    expect(() => direct.map(handle, 0n, 0n, 4096n, 1, PROT_READ, 0)).toThrow(MappingError);
    expect(() => direct.map(handle, 0n, 0x1000n, 4096n, 1, 0, 0)).toThrow(/read or write/);
    expect(() => direct.map(handle, 0xffff_f000n, 0x1_0000_0000n, 4096n, 2, PROT_READ, 0)).toThrow(
      /outside/,
    );
    expect(() => direct.map(handle, 0n, 0x1000n, 65536n, 1, PROT_READ, 0)).toThrow(/4K/);
    direct.map(handle, 0x2000n, 0x3000n, 4096n, 1, PROT_READ | PROT_WRITE, 0);
  });

  it("unmap revokes nothing", () => {
    const { memory, handle, context } = setup({ offset: 0n, "dma-bits": 64n });
    expect(direct.unmap(handle, 0n, 4096n)).toBe(0n);
    expect(direct.walk(memory, context, 42n).ok).toBe(true);
  });

  it("leaves report exactly the window walk translates", () => {
    const aperture = { base: 0x1000_0000n, size: 0x2000_0000n };
    const { memory, context } = setup({ offset: 0x4000_0000n, "dma-bits": 32n }, aperture);
    const runs: number[][] = [];
    direct.leaves(memory, context, (...a) => runs.push(a));
    expect(runs).toEqual([[0x10000, 0x50000, 0x20000, PROT_READ | PROT_WRITE, 0, 12]]);
    expect(direct.walk(memory, context, 0x0fff_ffffn).ok).toBe(false);
    expect(direct.walk(memory, context, 0x3000_0000n).ok).toBe(false);
    expect(direct.describe(memory, context)).toContain("0x10000000");
  });

  it("validates the offset", () => {
    expect(direct.validate!({ offset: 0x123n, "dma-bits": 32n })).toHaveLength(1);
    expect(direct.validate!({ offset: 0x1000n, "dma-bits": 32n })).toHaveLength(0);
  });
});

describe("direct: walk and leaves agree (property)", () => {
  it("for random offsets, masks, apertures and addresses", () => {
    const runs = Number(process.env["FUZZ_RUNS"] ?? 200);
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(1n << 40n), max: 1n << 40n }).map((o) => o & ~0xfffn),
        fc.integer({ min: 12, max: 64 }),
        fc.bigInt({ min: 0n, max: (1n << 44n) - 1n }).map((b) => b & ~0xfffn),
        fc.bigInt({ min: 1n, max: 1n << 44n }).map((s) => (s + 0xfffn) & ~0xfffn),
        fc.array(fc.bigInt({ min: 0n, max: (1n << 45n) - 1n }), { minLength: 1, maxLength: 8 }),
        (offset, bits, base, size, probes) => {
          const { memory, context } = setup({ offset, "dma-bits": BigInt(bits) }, { base, size });
          const runsSeen: { iova: bigint; end: bigint; pa: bigint }[] = [];
          direct.leaves(memory, context, (iovaPfn, paPfn, count) => {
            runsSeen.push({
              iova: BigInt(iovaPfn) << 12n,
              end: BigInt(iovaPfn + count) << 12n,
              pa: BigInt(paPfn) << 12n,
            });
          });
          expect(runsSeen.length).toBeLessThanOrEqual(1);
          for (const p of [...probes, base, base + size - 1n, base + size]) {
            const r = direct.walk(memory, context, p);
            const run = runsSeen.find((x) => p >= x.iova && p < x.end);
            expect(r.ok).toBe(run !== undefined);
            if (r.ok && run) {
              expect(r.pa).toBe(run.pa + (p - run.iova));
              expect(r.pa).toBe(p + offset);
              expect(p < 1n << BigInt(bits)).toBe(true);
            }
          }
        },
      ),
      { numRuns: runs },
    );
  });
});
