/**
 * Runs read from a table (table input pages) moved to the virtual pages of one half of a cpu
 * address space, and intent runs (virtual pages) cut to one half. Runs are cut at the half's
 * edges: a leaf run read from hand-edited bytes may cross from one half into the other.
 */
import type { CompiledHalf } from "../lowering/compiled.js";
import { RunList } from "./run-list.js";

const pfnOf = (x: bigint): number => Number(x >> 12n);

/** The runs of `list` inside [first, end) (page numbers), shifted by `delta` pages. */
function clip(list: RunList, first: number, end: number, delta: number): RunList {
  const out = new RunList();
  for (let i = 0; i < list.length; i++) {
    const start = list.iova[i]!;
    const stop = start + list.count[i]!;
    if (stop <= first || start >= end) continue;
    const lo = Math.max(start, first);
    const hi = Math.min(stop, end);
    const pa = list.pa[i]! + (lo - start);
    out.push(lo + delta, pa, hi - lo, list.prot[i]!, list.tag[i]!, list.attrs[i]!);
  }
  return out.sortByIova();
}

/** Table reach (input pages) as the half's virtual pages. */
export function reachInHalf(reach: RunList, half: CompiledHalf): RunList {
  const first = pfnOf(half.input);
  return clip(reach, first, first + pfnOf(half.size), pfnOf(half.base) - first);
}

/** Intended runs (virtual pages) that lie in the half. */
export function intentInHalf(intent: RunList, half: CompiledHalf): RunList {
  const first = pfnOf(half.base);
  return clip(intent, first, first + pfnOf(half.size), 0);
}
