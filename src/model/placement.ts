/** First-fit placement of a migrated buffer in its new region, clear of everything in use. */
export interface PaRange {
  pa: bigint;
  size: bigint;
}

export function findPlacement(
  region: PaRange,
  size: bigint,
  align: bigint,
  occupied: readonly PaRange[],
): bigint | undefined {
  const a = align > 0n ? align : 4096n;
  const end = region.pa + region.size;
  const used = occupied
    .filter((o) => o.pa < end && region.pa < o.pa + o.size)
    .sort((x, y) => (x.pa < y.pa ? -1 : x.pa > y.pa ? 1 : 0));
  let at = ((region.pa + a - 1n) / a) * a;
  for (const o of used) {
    if (at + size <= o.pa) return at;
    const next = o.pa + o.size;
    if (next > at) at = ((next + a - 1n) / a) * a;
  }
  return at + size <= end ? at : undefined;
}
