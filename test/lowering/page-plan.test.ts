import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { leafCountsOf, planPages, type PageRun } from "../../src/lowering/page-plan.js";

const RUNS = Number(process.env["FUZZ_RUNS"] ?? 300);
const UNIT = 4096n;

/** Fewest pages tiling [iova, iova+size) -> [pa, ...) with each page aligned in both spaces. */
function optimum(iova: bigint, pa: bigint, size: bigint, sizes: readonly bigint[]): number {
  const n = Number(size / UNIT);
  const best = new Array<number>(n + 1).fill(Infinity);
  best[n] = 0;
  for (let i = n - 1; i >= 0; i--) {
    const off = BigInt(i) * UNIT;
    for (const s of sizes) {
      const units = Number(s / UNIT);
      if (i + units > n) continue;
      if ((iova + off) % s !== 0n || (pa + off) % s !== 0n) continue;
      best[i] = Math.min(best[i]!, best[i + units]! + 1);
    }
  }
  return best[0]!;
}

function checkTiling(runs: PageRun[], iova: bigint, pa: bigint, size: bigint): void {
  let v = iova;
  let p = pa;
  for (const r of runs) {
    expect(r.iova).toBe(v);
    expect(r.pa).toBe(p);
    expect(r.count).toBeGreaterThan(0);
    expect(r.iova % r.pageSize).toBe(0n);
    expect(r.pa % r.pageSize).toBe(0n);
    v += r.pageSize * BigInt(r.count);
    p += r.pageSize * BigInt(r.count);
  }
  expect(v - iova).toBe(size);
}

describe("planPages", () => {
  it("uses the fewest leaves possible (against a DP optimum)", () => {
    const sizeSets = [
      [4096n, 16384n, 65536n],
      [4096n, 65536n, 1n << 20n],
      [4096n, 8192n, 32768n, 1n << 18n],
      [4096n, 1n << 21n],
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: sizeSets.length - 1 }),
        fc.integer({ min: 0, max: 1 << 12 }),
        fc.integer({ min: 0, max: 1 << 12 }),
        fc.integer({ min: 1, max: 1500 }),
        fc.bigInt({ min: 0n, max: 1n << 30n }),
        (set, iovaUnits, paUnits, sizeUnits, high) => {
          const sizes = sizeSets[set]!;
          const iova = (high << 22n) + BigInt(iovaUnits) * UNIT;
          const pa = BigInt(paUnits) * UNIT + 0x8000_0000n;
          const size = BigInt(sizeUnits) * UNIT;
          const runs = planPages(iova, pa, size, sizes);
          if (!Array.isArray(runs)) throw new Error("unexpected problem");
          checkTiling(runs, iova, pa, size);
          let leaves = 0;
          for (const n of leafCountsOf(runs).values()) leaves += n;
          expect(leaves).toBe(optimum(iova, pa, size, sizes));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("maps a 2M-aligned 5M region as 4K + 2M + 2M + ... with one run per size change", () => {
    const sizes = [4096n, 1n << 21n, 1n << 30n];
    const runs = planPages(0x1ff000n, 0x801ff000n, 0x400000n + 0x2000n, sizes);
    expect(runs).toEqual([
      { iova: 0x1ff000n, pa: 0x801ff000n, pageSize: 4096n, count: 1 },
      { iova: 0x200000n, pa: 0x80200000n, pageSize: 1n << 21n, count: 2 },
      { iova: 0x600000n, pa: 0x80600000n, pageSize: 4096n, count: 1 },
    ]);
  });

  it("forces one page size and groups the whole range into one run", () => {
    const runs = planPages(0n, 0x8000_0000n, 64n << 30n, [4096n, 1n << 21n, 1n << 30n], 4096n);
    expect(runs).toEqual([{ iova: 0n, pa: 0x8000_0000n, pageSize: 4096n, count: 16_777_216 }]);
  });

  it("never uses a page larger than the IOVA-PA offset allows", () => {
    const runs = planPages(0x1000n, 0x40_0000n, 8n << 20n, [4096n, 1n << 21n]);
    if (!Array.isArray(runs)) throw new Error("unexpected problem");
    expect(runs.every((r) => r.pageSize === 4096n)).toBe(true);
    expect(runs).toHaveLength(1);
  });

  it("reports unaligned requests and unsupported forced sizes", () => {
    expect(planPages(0x800n, 0n, 4096n, [4096n])).toEqual({ kind: "unaligned", smallest: 4096n });
    expect(planPages(0n, 0n, 0x10000n, [4096n], 65536n)).toEqual({
      kind: "unsupported-size",
      pageSize: 65536n,
    });
    expect(planPages(0x1000n, 0n, 0x10000n, [4096n, 65536n], 65536n)).toEqual({
      kind: "unaligned",
      smallest: 65536n,
    });
  });
});
