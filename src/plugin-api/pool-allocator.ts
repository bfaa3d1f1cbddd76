/**
 * Allocates table memory from a topology `pool`: first fit over a sorted free list, so the
 * result is deterministic and a mostly-growing table costs O(1) per allocation. Addresses are
 * plain numbers (pools live below 2^52). Freed ranges coalesce with their neighbours.
 */
/** The brand of `PoolExhaustedError` (as `MAPPING_ERROR_BRAND`: copies of `vcm` share it). */
export const POOL_EXHAUSTED_BRAND: unique symbol = Symbol.for("vcm.PoolExhaustedError") as never;

export class PoolExhaustedError extends Error {
  readonly [POOL_EXHAUSTED_BRAND] = true;
  constructor(
    readonly pool: string,
    readonly requestedBytes: number,
    readonly freeBytes: number,
  ) {
    super(
      `pool '${pool}' is exhausted: a table needs ${requestedBytes} bytes and ` +
        `${freeBytes} bytes are free (${Math.ceil(requestedBytes / 4096)} page(s) of 4K missing)`,
    );
    this.name = "PoolExhaustedError";
  }
}

/** A `PoolExhaustedError` from this or any other copy of `vcm`. */
export function isPoolExhaustedError(e: unknown): e is PoolExhaustedError {
  return (
    typeof e === "object" &&
    e !== null &&
    (e as Record<symbol, unknown>)[POOL_EXHAUSTED_BRAND] === true
  );
}

interface FreeRange {
  start: number;
  end: number;
}

export class PoolAllocator {
  readonly base: number;
  readonly size: number;
  private free: FreeRange[];
  private used = 0;
  private peak = 0;
  /** Total bytes requested after the pool ran out (for "pages missing" diagnostics). */
  shortfall = 0;

  constructor(
    readonly name: string,
    base: bigint,
    size: bigint,
  ) {
    this.base = Number(base);
    this.size = Number(size);
    this.free = [{ start: this.base, end: this.base + this.size }];
  }

  /** Allocate `bytes` aligned to `align` (a power of two); returns the physical address. */
  alloc(bytes: number, align: number = 4096): number {
    for (let i = 0; i < this.free.length; i++) {
      const r = this.free[i]!;
      const start = Math.ceil(r.start / align) * align;
      if (start + bytes > r.end) continue;
      this.used += bytes;
      if (this.used > this.peak) this.peak = this.used;
      if (start === r.start && start + bytes < r.end) {
        // The common case of a growing table: cut from the front, no new range.
        r.start = start + bytes;
        return start;
      }
      const pieces: FreeRange[] = [];
      if (start > r.start) pieces.push({ start: r.start, end: start });
      if (start + bytes < r.end) pieces.push({ start: start + bytes, end: r.end });
      this.free.splice(i, 1, ...pieces);
      return start;
    }
    this.shortfall += bytes;
    throw new PoolExhaustedError(this.name, bytes, this.size - this.used);
  }

  /** Return memory from `alloc`. */
  release(pa: number, bytes: number): void {
    let lo = 0;
    let hi = this.free.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.free[mid]!.start < pa) lo = mid + 1;
      else hi = mid;
    }
    const r: FreeRange = { start: pa, end: pa + bytes };
    const prev = this.free[lo - 1];
    const next = this.free[lo];
    if ((prev && prev.end > r.start) || (next && next.start < r.end)) {
      throw new RangeError(`pool '${this.name}': double free at 0x${pa.toString(16)}`);
    }
    if (prev && prev.end === r.start && next && next.start === r.end) {
      prev.end = next.end;
      this.free.splice(lo, 1);
    } else if (prev && prev.end === r.start) {
      prev.end = r.end;
    } else if (next && next.start === r.end) {
      next.start = r.start;
    } else {
      this.free.splice(lo, 0, r);
    }
    this.used -= bytes;
  }

  get usedBytes(): number {
    return this.used;
  }

  get peakBytes(): number {
    return this.peak;
  }

  get freeBytes(): number {
    return this.size - this.used;
  }

  /** Does [pa, pa+bytes) lie inside the pool? */
  contains(pa: number, bytes: number): boolean {
    return pa >= this.base && pa + bytes <= this.base + this.size;
  }
}
