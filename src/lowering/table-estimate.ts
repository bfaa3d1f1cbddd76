/**
 * How many bytes of table pages (below the root) a radix table needs for a set of page runs,
 * counted from the format's level geometry before anything is mapped, so a pool that is too
 * small is refused at once with the real shortfall. The count is a lower bound: exact for
 * mappings at fixed IOVAs (the distinct entries each level must point down from), and for
 * `at auto` mappings, whose IOVA is not chosen yet, the fewest tables their bytes could fill.
 * A lower bound never refuses a topology that fits.
 */
import type { TableGeometry } from "../plugin-api/types.js";
import type { PageRun } from "./page-plan.js";

function log2(v: bigint): number {
  return v.toString(2).length - 1;
}

/** The level index holding leaves of `pageSize`, or -1. */
function leafLevel(geometry: TableGeometry, pageSize: bigint): number {
  const p = log2(pageSize);
  return geometry.levels.findIndex((l) => l.shift <= p && p < l.shift + Math.max(l.bits, 1));
}

/**
 * Table bytes below the root needed for `fixed` runs (at their IOVAs) and `floating` runs (only
 * their page sizes and lengths count: auto IOVAs).
 */
export function tableBytesNeeded(
  geometry: TableGeometry,
  fixed: readonly PageRun[],
  floating: readonly PageRun[],
): number {
  const base = geometry.iovaBase ?? 0n;
  const levels = geometry.levels;
  const fixedByLeaf = fixed.map((r) => ({ r, leaf: leafLevel(geometry, r.pageSize) }));
  const floatingByLeaf = floating.map((r) => ({ r, leaf: leafLevel(geometry, r.pageSize) }));
  let bytes = 0;
  for (let l = 0; l + 1 < levels.length; l++) {
    const shift = BigInt(levels[l]!.shift);
    // Byte ranges whose leaves sit below level l, merged (overlaps are refused later anyway).
    const ranges: [bigint, bigint][] = [];
    for (const { r, leaf } of fixedByLeaf) {
      if (leaf <= l || r.iova < base) continue;
      const from = r.iova - base;
      ranges.push([from, from + r.pageSize * BigInt(r.count)]);
    }
    ranges.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    let blocks = 0n;
    let unionBytes = 0n;
    let lastBlock = -1n;
    let reach = 0n;
    for (const [from, to] of ranges) {
      const start = from > reach ? from : reach;
      if (to > start) unionBytes += to - start;
      if (to > reach) reach = to;
      const lo = from >> shift;
      const hi = (to - 1n) >> shift;
      const first = lo > lastBlock ? lo : lastBlock + 1n;
      if (hi >= first) blocks += hi - first + 1n;
      if (hi > lastBlock) lastBlock = hi;
    }
    let floatingBytes = 0n;
    for (const { r, leaf } of floatingByLeaf) {
      if (leaf > l) floatingBytes += r.pageSize * BigInt(r.count);
    }
    const block = 1n << shift;
    const packed = (unionBytes + floatingBytes + block - 1n) / block;
    const tables = packed > blocks ? packed : blocks;
    bytes += Number(tables) * levels[l + 1]!.tableBytes;
  }
  return bytes;
}

/** `n` with thousands separators (`524,800`). */
export function grouped(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
