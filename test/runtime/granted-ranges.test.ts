/**
 * The index behind `expect ... reads/writes/cannot ...` answers as the scan it replaced (every
 * chunk against every run, n^2 for a scatter-gather buffer of n chunks): the same covered page
 * and the same first overlapping run, on random reaches with aliases, touching and nested runs.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GrantedRanges, type GrantedRun } from "../../src/runtime/granted-ranges.js";
import { RunList } from "../../src/runtime/run-list.js";

/** The scan of the former `accessExpect`, kept here as the reference. */
function scan(reach: RunList, right: number): GrantedRun[] {
  const granted: GrantedRun[] = [];
  for (let i = 0; i < reach.length; i++) {
    if ((reach.prot[i]! & right) === 0) continue;
    granted.push({ pa: reach.pa[i]!, end: reach.pa[i]! + reach.count[i]!, iova: reach.iova[i]! });
  }
  return granted.sort((a, b) => a.pa - b.pa);
}

function coveredByScan(granted: GrantedRun[], first: number, end: number): number {
  let covered = first;
  for (const g of granted) {
    if (g.end <= covered) continue;
    if (g.pa > covered) break;
    covered = g.end;
    if (covered >= end) break;
  }
  return covered;
}

function overlapByScan(granted: GrantedRun[], first: number, end: number) {
  return granted.find((g) => !(g.pa >= end || g.end <= first));
}

function reachOf(runs: readonly [number, number, number][]): RunList {
  const reach = new RunList();
  let iova = 0;
  for (const [pa, count, prot] of runs) {
    reach.push(iova, pa, count, prot);
    iova += count + 1; // never contiguous in IOVA: every run stays a run
  }
  return reach;
}

describe("granted ranges", () => {
  it("the covered stretch and the first overlap are those of the scan", () => {
    const run = fc.tuple(
      fc.nat(200),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 0, max: 3 }),
    );
    const question = fc.tuple(fc.nat(260), fc.nat(30));
    fc.assert(
      fc.property(
        fc.array(run, { maxLength: 30 }),
        fc.array(question, { maxLength: 20 }),
        (runs, qs) => {
          const reach = reachOf(runs);
          for (const right of [1, 2]) {
            const index = new GrantedRanges(reach, right);
            const granted = scan(reach, right);
            for (const [first, length] of qs) {
              const end = first + length;
              const covered = coveredByScan(granted, first, end);
              // The scan stops once the chunk is covered; only a shortfall is reported.
              if (covered < end) expect(index.coveredFrom(first)).toBe(covered);
              else expect(index.coveredFrom(first)).toBeGreaterThanOrEqual(end);
              expect(index.firstOverlap(first, end)).toEqual(overlapByScan(granted, first, end));
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("an alias reaching back over a gap joins the stretch; a gap of one page does not", () => {
    // pa 10..20 and 30..40, and a run 15..35 covering the gap: 10..40 is one stretch.
    const joined = new GrantedRanges(
      reachOf([
        [10, 10, 1],
        [30, 10, 1],
        [15, 20, 1],
      ]),
      1,
    );
    expect(joined.coveredFrom(12)).toBe(40);
    const apart = new GrantedRanges(
      reachOf([
        [10, 10, 1],
        [21, 10, 1],
      ]),
      1,
    );
    expect(apart.coveredFrom(12)).toBe(20);
    expect(apart.coveredFrom(20)).toBe(20);
    expect(apart.firstOverlap(20, 21)).toBeUndefined();
    expect(apart.firstOverlap(20, 22)).toEqual({ pa: 21, end: 31, iova: 11 });
  });

  it("runs without the right are left out", () => {
    const index = new GrantedRanges(reachOf([[10, 10, 2]]), 1);
    expect(index.coveredFrom(10)).toBe(10);
    expect(index.firstOverlap(0, 100)).toBeUndefined();
  });
});
