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

export class RegionPlacer {
  private readonly occupied: Hole[] = [];
  private holes: Hole[] | undefined;
  /**
   * Per (size, align): the index of the first hole that may still fit such a request. Holes only
   * shrink or split once placing starts, so holes found too small stay too small; without this,
   * thousands of padding holes made every large placement rescan them all.
   */
  private readonly firstCandidate = new Map<string, number>();

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
    const key = `${size}:${align}`;
    for (let i = this.firstCandidate.get(key) ?? 0; i < holes.length; i++) {
      const h = holes[i]!;
      const start = alignUp(h.start, align);
      if (start + size > h.end) continue;
      const pieces: Hole[] = [];
      if (start > h.start) pieces.push({ start: h.start, end: start });
      if (start + size < h.end) pieces.push({ start: start + size, end: h.end });
      holes.splice(i, 1, ...pieces);
      this.firstCandidate.set(key, i);
      // Holes after i moved by the split; cached starts beyond it move with them.
      const shift = pieces.length - 1;
      if (shift !== 0) {
        for (const [k, v] of this.firstCandidate) if (v > i) this.firstCandidate.set(k, v + shift);
      }
      return start;
    }
    this.firstCandidate.set(key, holes.length);
    return undefined;
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
