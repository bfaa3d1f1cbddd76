/**
 * The plain interval-set model the conformance kit checks plugins against: a sorted list of
 * disjoint mapped ranges in 4 KiB frames, with map (refused on overlap) and unmap (returns the
 * pages that were mapped). Deliberately simple so that it is obviously right.
 */
export interface ReferenceRange {
  /** First IOVA frame (iova / 4096). */
  start: number;
  /** One past the last IOVA frame. */
  end: number;
  /** PA frame of `start`. */
  pa: number;
  prot: number;
  attrs: number;
}

export class IntervalReference {
  ranges: ReferenceRange[] = [];

  overlaps(start: number, end: number): boolean {
    return this.ranges.some((r) => r.start < end && start < r.end);
  }

  /** Returns false (and changes nothing) when the range overlaps a mapped one. */
  map(start: number, end: number, pa: number, prot: number, attrs: number): boolean {
    if (this.overlaps(start, end)) return false;
    this.ranges.push({ start, end, pa, prot, attrs });
    this.ranges.sort((a, b) => a.start - b.start);
    return true;
  }

  /** Removes [start, end); returns the number of frames that were mapped there. */
  unmap(start: number, end: number): number {
    const kept: ReferenceRange[] = [];
    let removed = 0;
    for (const r of this.ranges) {
      if (r.end <= start || r.start >= end) {
        kept.push(r);
        continue;
      }
      removed += Math.min(r.end, end) - Math.max(r.start, start);
      if (r.start < start) kept.push({ ...r, end: start });
      if (r.end > end) kept.push({ ...r, start: end, pa: r.pa + (end - r.start) });
    }
    this.ranges = kept.sort((a, b) => a.start - b.start);
    return removed;
  }

  /** The range holding frame `pfn`, if any. */
  find(pfn: number): ReferenceRange | undefined {
    return this.ranges.find((r) => r.start <= pfn && pfn < r.end);
  }
}

/** Merge touching ranges with contiguous PA and equal rights, for comparing with leaves(). */
export function coalesce(ranges: readonly ReferenceRange[]): ReferenceRange[] {
  const out: ReferenceRange[] = [];
  for (const r of [...ranges].sort((a, b) => a.start - b.start)) {
    const last = out.at(-1);
    if (
      last &&
      last.end === r.start &&
      last.pa + (last.end - last.start) === r.pa &&
      last.prot === r.prot &&
      last.attrs === r.attrs
    ) {
      last.end = r.end;
    } else {
      out.push({ ...r });
    }
  }
  return out;
}
