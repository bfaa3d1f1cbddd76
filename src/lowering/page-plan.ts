/**
 * Page-size choice for one physically contiguous piece, as the kernel's iommu_pgsize(): at each
 * step the largest supported size that the alignment of both IOVA and PA and the remaining length
 * allow. With power-of-two sizes this greedy choice gives the fewest leaves. The plan is computed
 * in runs (a handful per piece, never one step per page), so mapping 64 GiB of 4K pages costs
 * one plugin call, not sixteen million.
 */

/** `count` consecutive pages of `pageSize` from `iova` to `pa`. */
export interface PageRun {
  iova: bigint;
  pa: bigint;
  pageSize: bigint;
  count: number;
}

export type PlanProblem =
  { kind: "unaligned"; smallest: bigint } | { kind: "unsupported-size"; pageSize: bigint };

/** Largest size in `sizes` (ascending) that divides `addr` and fits in `remaining`. */
function largestFitting(sizes: readonly bigint[], addr: bigint, remaining: bigint): bigint {
  for (let i = sizes.length - 1; i >= 0; i--) {
    const s = sizes[i]!;
    if (s <= remaining && addr % s === 0n) return s;
  }
  return 0n;
}

/**
 * Runs of pages mapping [iova, iova + size) to [pa, pa + size). `sizes` ascending; `forced`
 * (`pages 4K`) restricts the choice to one size.
 */
export function planPages(
  iova: bigint,
  pa: bigint,
  size: bigint,
  sizes: readonly bigint[],
  forced?: bigint,
): PageRun[] | PlanProblem {
  if (forced !== undefined && !sizes.includes(forced)) {
    return { kind: "unsupported-size", pageSize: forced };
  }
  const usable = forced !== undefined ? [forced] : sizes;
  const smallest = usable[0]!;
  if (iova % smallest !== 0n || pa % smallest !== 0n || size % smallest !== 0n) {
    return { kind: "unaligned", smallest };
  }
  // Sizes above the alignment of (iova - pa) can never be used: drop them once.
  const delta = iova > pa ? iova - pa : pa - iova;
  const compatible = usable.filter((s) => delta % s === 0n);
  const runs: PageRun[] = [];
  let v = iova;
  let p = pa;
  let remaining = size;
  while (remaining > 0n) {
    const s = largestFitting(compatible, v, remaining);
    let count = remaining / s;
    // Stop at the first boundary of a larger size from which that size would fit.
    for (const big of compatible) {
      if (big <= s) continue;
      const toBoundary = (big - (v % big)) % big;
      if (toBoundary > 0n && toBoundary < remaining && remaining - toBoundary >= big) {
        const n = toBoundary / s;
        if (n < count) count = n;
      }
    }
    runs.push({ iova: v, pa: p, pageSize: s, count: Number(count) });
    const bytes = s * count;
    v += bytes;
    p += bytes;
    remaining -= bytes;
  }
  return runs;
}

/** Leaves per page size of a plan, keyed by page size. */
export function leafCountsOf(runs: readonly PageRun[]): Map<bigint, number> {
  const counts = new Map<bigint, number>();
  for (const r of runs) counts.set(r.pageSize, (counts.get(r.pageSize) ?? 0) + r.count);
  return counts;
}
