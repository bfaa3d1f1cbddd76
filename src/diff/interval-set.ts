/**
 * Sets of physical pages as sorted, disjoint half-open runs of page-frame numbers (plain numbers:
 * 2^52 pages fit a double exactly), with the union, difference and per-right splitting the
 * reachability diff needs.
 */
export interface PageRun {
  first: number;
  end: number;
}

/** Sort and merge overlapping or touching runs. */
export function normalize(runs: PageRun[]): PageRun[] {
  const sorted = runs.filter((r) => r.end > r.first).sort((a, b) => a.first - b.first);
  const out: PageRun[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.first <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ first: r.first, end: r.end });
  }
  return out;
}

/** The pages of `a` not in `b` (both normalized). */
export function difference(a: readonly PageRun[], b: readonly PageRun[]): PageRun[] {
  const out: PageRun[] = [];
  let j = 0;
  for (const r of a) {
    let cursor = r.first;
    while (j < b.length && b[j]!.end <= cursor) j++;
    let k = j;
    while (k < b.length && b[k]!.first < r.end) {
      const cut = b[k]!;
      if (cut.first > cursor) out.push({ first: cursor, end: Math.min(cut.first, r.end) });
      cursor = Math.max(cursor, cut.end);
      if (cursor >= r.end) break;
      k++;
    }
    if (cursor < r.end) out.push({ first: cursor, end: r.end });
  }
  return out;
}

/** A run with the rights (a bit set) that hold on all of it. */
export interface RightsRun extends PageRun {
  rights: number;
}

/**
 * Combine one page set per right bit into runs labelled with the rights that hold on each
 * piece (adjacent pieces with the same rights merged).
 */
export function combineRights(perBit: ReadonlyMap<number, readonly PageRun[]>): RightsRun[] {
  const cuts = new Set<number>();
  for (const runs of perBit.values()) for (const r of runs) cuts.add(r.first).add(r.end);
  const points = [...cuts].sort((a, b) => a - b);
  const cursors = new Map<number, number>([...perBit.keys()].map((k) => [k, 0]));
  const out: RightsRun[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const first = points[i]!;
    const end = points[i + 1]!;
    let rights = 0;
    for (const [bit, runs] of perBit) {
      let c = cursors.get(bit)!;
      while (c < runs.length && runs[c]!.end <= first) c++;
      cursors.set(bit, c);
      if (c < runs.length && runs[c]!.first <= first) rights |= bit;
    }
    if (rights === 0) continue;
    const last = out[out.length - 1];
    if (last && last.end === first && last.rights === rights) last.end = end;
    else out.push({ first, end, rights });
  }
  return out;
}
