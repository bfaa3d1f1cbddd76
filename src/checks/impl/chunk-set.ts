/**
 * A set of physical chunks that answers "does this range overlap any of them?" in O(log n), so
 * a check comparing n mappings against an object of n chunks (a `buffer frame[N]` mapped with
 * `[*]`) costs O(n log n) rather than O(n^2).
 */
import type { IrChunk } from "../../ir/types.js";

export class ChunkSet {
  /** Disjoint, sorted, merged ranges: starts[i] .. ends[i] (exclusive). */
  private readonly starts: bigint[] = [];
  private readonly ends: bigint[] = [];

  constructor(chunks: readonly IrChunk[]) {
    const sorted = chunks
      .filter((c) => c.size > 0n)
      .sort((a, b) => (a.pa < b.pa ? -1 : a.pa > b.pa ? 1 : 0));
    for (const c of sorted) {
      const last = this.ends.length - 1;
      if (last >= 0 && c.pa <= this.ends[last]!) {
        const end = c.pa + c.size;
        if (end > this.ends[last]!) this.ends[last] = end;
      } else {
        this.starts.push(c.pa);
        this.ends.push(c.pa + c.size);
      }
    }
  }

  /** Whether pa .. pa+size overlaps any chunk of the set. */
  overlaps(pa: bigint, size: bigint): boolean {
    if (size <= 0n) return false;
    const end = pa + size;
    // The last range starting before `end`: the only one that can overlap, the ranges being
    // disjoint and sorted (any earlier one ends before this one starts).
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! < end) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && this.ends[lo - 1]! > pa;
  }
}
