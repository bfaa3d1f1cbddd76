/**
 * Places buffers written without `at` in their region: deterministic first fit over a sorted
 * list of free holes, honouring alignment, around everything already occupied (pools, fixed
 * buffers, chunks). Holes are split as buffers are placed, so a later small buffer can still
 * use the padding an earlier aligned one left.
 */
import { alignUp } from "./evaluate.js";

interface Hole {
  start: bigint;
  end: bigint;
}

/** Where requests of one size and alignment start looking. */
interface Candidate {
  /** The index of the first hole that may still fit such a request. */
  index: number;
  /**
   * For a power-of-two alignment above 1: align - 1 and its complement, made once (BigInt
   * arithmetic allocates each result); otherwise 0n, and `alignUp` divides.
   */
  mask: bigint;
  notMask: bigint;
}

export class RegionPlacer {
  private readonly occupied: Hole[] = [];
  private holes: Hole[] | undefined;
  /**
   * Per (size, align): the first hole that may still fit such a request. Holes only shrink or
   * split once placing starts, so holes found too small stay too small; without this, thousands
   * of padding holes made every large placement rescan them all.
   */
  private readonly firstCandidate = new Map<bigint, Map<bigint, Candidate>>();
  /** The same candidates as a list, to move them all when a hole splits or goes. */
  private readonly candidates: Candidate[] = [];

  constructor(
    readonly base: bigint,
    readonly size: bigint,
  ) {}

  /** Marks [start, start + size) as taken; only before the first `place`. */
  reserve(start: bigint, size: bigint): void {
    this.occupied.push({ start, end: start + size });
  }

  /** First fit; undefined when nothing fits. */
  place(size: bigint, align: bigint): bigint | undefined {
    const holes = (this.holes ??= this.computeHoles());
    const c = this.candidate(size, align);
    for (let i = c.index; i < holes.length; i++) {
      const h = holes[i]!;
      const start = c.mask === 0n ? alignUp(h.start, align) : (h.start + c.mask) & c.notMask;
      const end = start + size;
      if (end > h.end) continue;
      const before = start > h.start;
      const after = end < h.end;
      // The hole shrinks in place where it can: splicing is linear in the number of holes.
      if (before && after) {
        holes.splice(i + 1, 0, { start: end, end: h.end });
        h.end = start;
      } else if (before) h.end = start;
      else if (after) h.start = end;
      else holes.splice(i, 1);
      c.index = i;
      // Holes after i moved by the split; cached starts beyond it move with them.
      const shift = (before ? 1 : 0) + (after ? 1 : 0) - 1;
      if (shift !== 0) {
        const all = this.candidates;
        for (let j = 0; j < all.length; j++) if (all[j]!.index > i) all[j]!.index += shift;
      }
      return start;
    }
    c.index = holes.length;
    return undefined;
  }

  /**
   * Keyed by size, then align: formatting the two BigInts into one key per placement cost more
   * than placing.
   */
  private candidate(size: bigint, align: bigint): Candidate {
    let byAlign = this.firstCandidate.get(size);
    if (!byAlign) this.firstCandidate.set(size, (byAlign = new Map()));
    let c = byAlign.get(align);
    if (!c) {
      const mask = align > 1n && (align & (align - 1n)) === 0n ? align - 1n : 0n;
      byAlign.set(align, (c = { index: 0, mask, notMask: ~mask }));
      this.candidates.push(c);
    }
    return c;
  }

  private computeHoles(): Hole[] {
    const taken = [...this.occupied].sort((a, b) =>
      a.start < b.start ? -1 : a.start > b.start ? 1 : 0,
    );
    const holes: Hole[] = [];
    let cursor = this.base;
    const end = this.base + this.size;
    for (const t of taken) {
      if (t.start > cursor) holes.push({ start: cursor, end: t.start < end ? t.start : end });
      if (t.end > cursor) cursor = t.end;
      if (cursor >= end) break;
    }
    if (cursor < end) holes.push({ start: cursor, end });
    return holes;
  }
}
