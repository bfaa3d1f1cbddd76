/**
 * The IOVA allocator of one domain: a sorted list of free ranges inside the aperture. Reserved,
 * MSI and unity ranges and fixed (`at 0x...`) mappings are taken out first; `at auto` mappings
 * then get, in declaration order, the lowest address that is congruent to their PA modulo the
 * largest page size they could use, so a 2M-aligned PA gets a 2M-aligned IOVA and big pages.
 */
export const ADDRESS_LIMIT = 1n << 64n;

interface FreeRange {
  start: bigint;
  /** Exclusive; at most 2^64. */
  end: bigint;
}

export class IovaAllocator {
  private free: FreeRange[];

  /** Free space [base, base + size), clipped to [0, 2^64). */
  constructor(base: bigint, size: bigint) {
    const end = base + size > ADDRESS_LIMIT ? ADDRESS_LIMIT : base + size;
    this.free = end > base ? [{ start: base, end }] : [];
  }

  /** Take [base, base + size) out of the free space (any part of it already taken is ignored). */
  reserve(base: bigint, size: bigint): void {
    const end = base + size;
    const next: FreeRange[] = [];
    for (const r of this.free) {
      if (r.end <= base || r.start >= end) {
        next.push(r);
        continue;
      }
      if (r.start < base) next.push({ start: r.start, end: base });
      if (r.end > end) next.push({ start: end, end: r.end });
    }
    this.free = next;
  }

  /** Give [base, base + size) back (e.g. after a scenario unmaps an auto mapping). */
  release(base: bigint, size: bigint): void {
    this.reserve(base, size);
    this.free.push({ start: base, end: base + size });
    this.free.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    const merged: FreeRange[] = [];
    for (const r of this.free) {
      const last = merged[merged.length - 1];
      if (last && last.end >= r.start) {
        if (r.end > last.end) last.end = r.end;
      } else merged.push({ ...r });
    }
    this.free = merged;
  }

  /**
   * The lowest free IOVA `x` with `x ≡ anchor (mod align)` and [x, x + size) free, or undefined.
   * Takes it out of the free space.
   */
  allocate(size: bigint, align: bigint, anchor: bigint): bigint | undefined {
    const phase = ((anchor % align) + align) % align;
    for (let i = 0; i < this.free.length; i++) {
      const r = this.free[i]!;
      const offset = (((phase - r.start) % align) + align) % align;
      const x = r.start + offset;
      if (x + size <= r.end) {
        // Split this range in place: allocation stays O(free ranges), not a list rebuild.
        const pieces: FreeRange[] = [];
        if (x > r.start) pieces.push({ start: r.start, end: x });
        if (x + size < r.end) pieces.push({ start: x + size, end: r.end });
        this.free.splice(i, 1, ...pieces);
        return x;
      }
    }
    return undefined;
  }

  /** Free ranges, ascending (for tests and messages). */
  ranges(): { start: bigint; end: bigint }[] {
    return this.free.map((r) => ({ ...r }));
  }

  /** Bytes still free. */
  get freeBytes(): bigint {
    let n = 0n;
    for (const r of this.free) n += r.end - r.start;
    return n;
  }
}
