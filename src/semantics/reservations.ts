/**
 * Where a `reservation` without `at` goes in its domain: first fit over the aperture, below the
 * smallest DMA mask of the attached devices (as the lowering's allocator), around the domain's
 * reserved, MSI and unity ranges, the other reservations and IOVA page 0, which the allocator
 * never hands out either, and the fixed addresses of `map` lines. Like VCMM's `vcm_reserve`, nothing backs the range yet.
 */
import type { IrDomain, IrRange } from "../ir/types.js";
import { RegionPlacer } from "./placement.js";

export function placeReservation(
  domain: IrDomain,
  size: bigint,
  align: bigint,
  limitBits: number,
  firstPage: bigint,
  taken: readonly IrRange[],
): bigint | undefined {
  const a = domain.aperture;
  let end = a.base + a.size;
  if (limitBits < 64) {
    const limit = 1n << BigInt(limitBits);
    if (limit < end) end = limit;
  }
  if (end <= a.base) return undefined;
  const placer = new RegionPlacer(a.base, end - a.base);
  placer.reserve(0n, firstPage);
  for (const r of domain.reserved) placer.reserve(r.range.base, r.range.size);
  for (const r of taken) placer.reserve(r.base, r.size);
  return placer.place(size, align);
}

/** The first reserved range of `domain` that [base, base + size) overlaps, if any. */
export function reservedClash(domain: IrDomain, base: bigint, size: bigint) {
  return domain.reserved.find(
    (r) => base < r.range.base + r.range.size && r.range.base < base + size,
  );
}
