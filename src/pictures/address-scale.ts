/**
 * The horizontal scale of one address-space bar. When every feature (mapping, reserved range)
 * is at least a couple of pixels wide at a linear scale, the bar is to scale. Otherwise nearby
 * features are grouped, each group is drawn to scale within itself, and the empty stretches
 * between groups are compressed to a fixed-width marked gap.
 */

export interface Interval {
  base: bigint;
  size: bigint;
}

export interface ScalePiece {
  base: bigint;
  end: bigint;
  x0: number;
  x1: number;
  /** A compressed empty stretch (drawn with a break mark). */
  gap: boolean;
}

export interface AddressScale {
  toScale: boolean;
  pieces: ScalePiece[];
  width: number;
}

const GAP_WIDTH = 26;
/** More groups than this and the closest ones are merged, so gaps never eat the bar. */
const MAX_GROUPS = 16;
const MIN_FEATURE_PX = 2;

function ratio(part: bigint, whole: bigint): number {
  if (whole === 0n) return 0;
  // Scale both down to doubles without losing the ratio for 64-bit values.
  return Number((part * 1_000_000n) / whole) / 1_000_000;
}

export function addressScale(
  span: Interval,
  features: readonly Interval[],
  width: number,
): AddressScale {
  const end = span.base + span.size;
  const inside = features
    .map((f) => {
      const b = f.base < span.base ? span.base : f.base;
      const e = f.base + f.size > end ? end : f.base + f.size;
      return { base: b, end: e };
    })
    .filter((f) => f.end > f.base)
    .sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
  const smallest = inside.reduce((m, f) => (f.end - f.base < m ? f.end - f.base : m), span.size);
  if (inside.length === 0 || ratio(smallest, span.size) * width >= MIN_FEATURE_PX) {
    return {
      toScale: true,
      width,
      pieces: [{ base: span.base, end, x0: 0, x1: width, gap: false }],
    };
  }
  // Group features whose distance is no larger than the group so far: small gaps stay to scale.
  let groups: { base: bigint; end: bigint }[] = [];
  for (const f of inside) {
    const last = groups[groups.length - 1];
    if (last && f.base - last.end <= last.end - last.base + (f.end - f.base)) {
      if (f.end > last.end) last.end = f.end;
    } else if (last && f.base <= last.end) {
      if (f.end > last.end) last.end = f.end;
    } else {
      groups.push({ ...f });
    }
  }
  while (groups.length > MAX_GROUPS) {
    let best = 1;
    for (let i = 2; i < groups.length; i++) {
      if (groups[i]!.base - groups[i - 1]!.end < groups[best]!.base - groups[best - 1]!.end)
        best = i;
    }
    groups[best - 1]!.end = groups[best]!.end;
    groups = groups.filter((_, i) => i !== best);
  }
  // Pieces: gap, group, gap, group, ..., gap (empty stretches at the ends only if present).
  const raw: { base: bigint; end: bigint; gap: boolean }[] = [];
  let at = span.base;
  for (const g of groups) {
    if (g.base > at) raw.push({ base: at, end: g.base, gap: true });
    raw.push({ base: g.base, end: g.end, gap: false });
    at = g.end;
  }
  if (end > at) raw.push({ base: at, end, gap: true });
  const gaps = raw.filter((p) => p.gap).length;
  const weights = raw.map((p) =>
    p.gap ? 0 : Math.max(1, Math.log2(Number(p.end - p.base) / 4096) + 1),
  );
  const total = weights.reduce((a, b) => a + b, 0);
  const free = Math.max(width - gaps * GAP_WIDTH, width / 4);
  let x = 0;
  const pieces = raw.map((p, i) => {
    const w = p.gap ? GAP_WIDTH : (free * weights[i]!) / total;
    const piece = { ...p, x0: x, x1: x + w };
    x += w;
    return piece;
  });
  return { toScale: false, width: x, pieces };
}

/** The x of an address on the bar (addresses outside the span clamp to its ends). */
export function xOf(scale: AddressScale, address: bigint): number {
  const { pieces } = scale;
  let lo = 0;
  let hi = pieces.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (pieces[mid]!.base <= address) lo = mid;
    else hi = mid - 1;
  }
  const p = pieces[lo]!;
  if (address <= p.base) return p.x0;
  if (address >= p.end) return p.x1;
  return p.x0 + (p.x1 - p.x0) * ratio(address - p.base, p.end - p.base);
}
