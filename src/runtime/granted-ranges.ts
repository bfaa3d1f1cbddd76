/**
 * The physical pages an endpoint reaches with one right, indexed for `expect` lines: a
 * scatter-gather buffer of n chunks asks n questions of the same reach, so each question is a
 * binary search (n log n in all), never a scan of every run (n^2; issue 17).
 */
import type { RunList } from "./run-list.js";

/** A reachable stretch of physical pages and the IOVA page of its first page. */
export interface GrantedRun {
  pa: number;
  end: number;
  iova: number;
}

export class GrantedRanges {
  /** The runs granting the right, sorted by physical page (ties in reach order). */
  private readonly pa: Float64Array;
  private readonly end: Float64Array;
  private readonly iova: Float64Array;
  /** `maxEnd[k]`: the largest `end` among runs 0..k (runs may alias, so ends are not sorted). */
  private readonly maxEnd: Float64Array;
  /** The union of the runs, touching runs joined: disjoint, sorted, with gaps between. */
  private readonly unionStart: Float64Array;
  private readonly unionEnd: Float64Array;

  constructor(reach: RunList, right: number) {
    const order: number[] = [];
    for (let i = 0; i < reach.length; i++) if ((reach.prot[i]! & right) !== 0) order.push(i);
    order.sort((a, b) => reach.pa[a]! - reach.pa[b]! || a - b);
    const n = order.length;
    this.pa = new Float64Array(n);
    this.end = new Float64Array(n);
    this.iova = new Float64Array(n);
    this.maxEnd = new Float64Array(n);
    const starts: number[] = [];
    const ends: number[] = [];
    let max = -Infinity;
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      const pa = reach.pa[i]!;
      const end = pa + reach.count[i]!;
      this.pa[k] = pa;
      this.end[k] = end;
      this.iova[k] = reach.iova[i]!;
      if (pa <= max) {
        if (end > max) ends[ends.length - 1] = end;
      } else {
        starts.push(pa);
        ends.push(end);
      }
      max = Math.max(max, end);
      this.maxEnd[k] = max;
    }
    this.unionStart = Float64Array.from(starts);
    this.unionEnd = Float64Array.from(ends);
  }

  /**
   * The end of the reachable stretch that begins at `first`: `first` itself when that page is
   * not reached, else the first page after it that is not.
   */
  coveredFrom(first: number): number {
    // The last stretch starting at or before `first`.
    let lo = 0;
    let hi = this.unionStart.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.unionStart[mid]! <= first) lo = mid + 1;
      else hi = mid;
    }
    const k = lo - 1;
    return k >= 0 && this.unionEnd[k]! > first ? this.unionEnd[k]! : first;
  }

  /**
   * The first run, by physical page, overlapping pages [first, end) (for an empty range, one
   * covering `first` strictly inside), or undefined when none does.
   */
  firstOverlap(first: number, end: number): GrantedRun | undefined {
    // The first run whose end passes `first`: maxEnd is sorted, so search it.
    let lo = 0;
    let hi = this.maxEnd.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.maxEnd[mid]! > first) hi = mid;
      else lo = mid + 1;
    }
    if (lo === this.maxEnd.length || this.pa[lo]! >= end) return undefined;
    return { pa: this.pa[lo]!, end: this.end[lo]!, iova: this.iova[lo]! };
  }
}
