/** "Did you mean ...?": the closest known name by edit distance, if it is close enough. */

/**
 * The most edits a suggestion may be away from the name, as compilers do: a third of the name's
 * length, but never more than this, so a suggestion costs O(n) however long the names are.
 */
export const MAX_SUGGESTION_DISTANCE = 3;

/**
 * Unknown names per topology that get a "did you mean" (each compares against every name);
 * past it, none do (clang's -fspell-checking-limit is 50), so suggestions stay linear.
 */
export const MAX_SUGGESTIONS = 100;

/**
 * Levenshtein distance, or `limit + 1` once it is known to exceed `limit`. Only the diagonal band
 * |i - j| <= limit is computed (a cell outside it already exceeds `limit`), so the cost is
 * O(min(|a|, |b|) * limit) rather than O(|a| * |b|).
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  // No distance exceeds the longer length, so a wider band changes nothing (and keeps the
  // sentinel within Uint32 range when `limit` is Infinity).
  const band = Math.min(limit, Math.max(a.length, b.length));
  const over = band + 1;
  let prev = new Uint32Array(b.length + 1);
  let cur = new Uint32Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = Math.min(j, over);
  for (let i = 1; i <= a.length; i++) {
    const lo = Math.max(1, i - band);
    const hi = Math.min(b.length, i + band);
    // Cells just outside the band count as "too far"; the row's column 0 is i edits.
    cur[lo - 1] = lo === 1 ? Math.min(i, over) : over;
    let rowMin = cur[lo - 1]!;
    for (let j = lo; j <= hi; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const up = j <= i - 1 + band ? prev[j]! : over;
      const v = Math.min(up + 1, cur[j - 1]! + 1, prev[j - 1]! + cost, over);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (hi < b.length) cur[hi + 1] = over;
    if (rowMin > limit) return limit + 1;
    const t = prev;
    prev = cur;
    cur = t;
  }
  const d = prev[b.length]!;
  return d > limit ? limit + 1 : d;
}

/** The most edits allowed between `name` and a suggestion for it. */
export function suggestionLimit(name: string): number {
  return Math.min(MAX_SUGGESTION_DISTANCE, Math.max(1, Math.floor(name.length / 3)));
}

/** The candidate closest to `name` (ties: alphabetical), within `suggestionLimit(name)` edits. */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  const limit = suggestionLimit(name);
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    if (c === name) continue;
    const d = editDistance(name, c, limit);
    if (d < bestDistance || (d === bestDistance && best !== undefined && c < best)) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const best = closestName(name, candidates);
  return best === undefined ? undefined : `did you mean '${best}'?`;
}
