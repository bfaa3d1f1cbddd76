/**
 * The interval sweep at the heart of the proof: walk the intended runs and the reachable runs
 * (both sorted by IOVA) together and report every stretch where they disagree. Work is
 * proportional to the number of runs, never to the number of pages.
 */
import type { RunList } from "./run-list.js";

export type MismatchKind =
  "missing" | "wrong-frame" | "wrong-prot" | "wrong-attrs" | "forbidden-attrs" | "undeclared";

export interface Mismatch {
  kind: MismatchKind;
  iovaPfn: number;
  count: number;
  /** Intended physical page at `iovaPfn` (not for `undeclared`). */
  expectedPa?: number;
  /** Physical page reached at `iovaPfn` (not for `missing`). */
  foundPa?: number;
  expectedProt?: number;
  foundProt?: number;
  /** ATTR_* bits intended and decoded (`wrong-attrs`, `forbidden-attrs`). */
  expectedAttrs?: number;
  foundAttrs?: number;
  /** The intent run's tag (mapping id), when there is one. */
  tag?: number;
}

export interface CompareOptions {
  /** Are `expected` and `found` permissions equivalent for this format? Absent: don't check. */
  protOk?: (expected: number, found: number) => boolean;
  /** Are `expected` and `found` attributes equivalent for this format? Absent: don't check. */
  attrsOk?: (expected: number, found: number) => boolean;
  /**
   * Do the found attributes break a rule for the memory of the intent run tagged `tag` (MMIO
   * mapped cacheable), even where they are the ones declared? Absent: no rule.
   */
  attrsForbidden?: (tag: number, found: number) => boolean;
  /** Report reachable stretches no intent covers (isolation). */
  undeclared: boolean;
  /** Stop after this many mismatches (the caller counts pages anyway). */
  limit?: number;
}

export interface CompareResult {
  mismatches: Mismatch[];
  /** Intended pages whose translation was checked. */
  pagesChecked: number;
  /** true when `limit` cut the list short. */
  truncated: boolean;
}

/**
 * Sweep the intended runs against the runs read from bytes, both sorted by IOVA.
 * Long on purpose: the sweep is the proof's hot loop over typed arrays; its cursors and the
 * current stretch stay in locals of one function.
 */
export function compareRuns(
  intent: RunList,
  reach: RunList,
  options: CompareOptions,
): CompareResult {
  const out: Mismatch[] = [];
  const limit = options.limit ?? Infinity;
  let truncated = false;
  let pagesChecked = 0;
  const emit = (m: Mismatch): void => {
    const last = out[out.length - 1];
    // Extend the previous stretch when this one continues it the same way.
    if (
      last !== undefined &&
      last.kind === m.kind &&
      last.iovaPfn + last.count === m.iovaPfn &&
      last.tag === m.tag &&
      last.expectedProt === m.expectedProt &&
      last.foundProt === m.foundProt &&
      last.expectedAttrs === m.expectedAttrs &&
      last.foundAttrs === m.foundAttrs &&
      (m.expectedPa === undefined || last.expectedPa! + last.count === m.expectedPa) &&
      (m.foundPa === undefined || last.foundPa! + last.count === m.foundPa)
    ) {
      last.count += m.count;
      return;
    }
    if (out.length >= limit) {
      truncated = true;
      return;
    }
    out.push(m);
  };

  let i = 0;
  let r = 0;
  // Position inside the current runs (pages already consumed).
  let iOff = 0;
  let rOff = 0;
  while (i < intent.length || r < reach.length) {
    const iStart = i < intent.length ? intent.iova[i]! + iOff : Infinity;
    const rStart = r < reach.length ? reach.iova[r]! + rOff : Infinity;
    if (iStart < rStart) {
      // Intended pages nothing reaches, up to the next reachable page.
      const n = Math.min(intent.count[i]! - iOff, rStart - iStart);
      pagesChecked += n;
      emit({
        kind: "missing",
        iovaPfn: iStart,
        count: n,
        expectedPa: intent.pa[i]! + iOff,
        expectedProt: intent.prot[i]!,
        tag: intent.tag[i]!,
      });
      iOff += n;
      if (iOff === intent.count[i]) {
        i++;
        iOff = 0;
      }
      continue;
    }
    if (rStart < iStart) {
      const n = Math.min(reach.count[r]! - rOff, iStart - rStart);
      if (options.undeclared) {
        emit({
          kind: "undeclared",
          iovaPfn: rStart,
          count: n,
          foundPa: reach.pa[r]! + rOff,
          foundProt: reach.prot[r]!,
        });
      }
      rOff += n;
      if (rOff === reach.count[r]) {
        r++;
        rOff = 0;
      }
      continue;
    }
    // Both cover iStart: compare the overlap in one step.
    const n = Math.min(intent.count[i]! - iOff, reach.count[r]! - rOff);
    const ePa = intent.pa[i]! + iOff;
    const fPa = reach.pa[r]! + rOff;
    const eProt = intent.prot[i]!;
    const fProt = reach.prot[r]!;
    pagesChecked += n;
    if (ePa !== fPa) {
      emit({
        kind: "wrong-frame",
        iovaPfn: iStart,
        count: n,
        expectedPa: ePa,
        foundPa: fPa,
        expectedProt: eProt,
        foundProt: fProt,
        tag: intent.tag[i]!,
      });
    } else if (options.protOk && !options.protOk(eProt, fProt)) {
      emit({
        kind: "wrong-prot",
        iovaPfn: iStart,
        count: n,
        expectedPa: ePa,
        foundPa: fPa,
        expectedProt: eProt,
        foundProt: fProt,
        tag: intent.tag[i]!,
      });
    } else if (options.attrsOk || options.attrsForbidden) {
      const eAttrs = intent.attrs[i]!;
      const fAttrs = reach.attrs[r]!;
      const kind =
        options.attrsOk && !options.attrsOk(eAttrs, fAttrs)
          ? "wrong-attrs"
          : options.attrsForbidden?.(intent.tag[i]!, fAttrs)
            ? "forbidden-attrs"
            : undefined;
      if (kind !== undefined) {
        emit({
          kind,
          iovaPfn: iStart,
          count: n,
          expectedPa: ePa,
          foundPa: fPa,
          expectedProt: eProt,
          foundProt: fProt,
          expectedAttrs: eAttrs,
          foundAttrs: fAttrs,
          tag: intent.tag[i]!,
        });
      }
    }
    iOff += n;
    rOff += n;
    if (iOff === intent.count[i]) {
      i++;
      iOff = 0;
    }
    if (rOff === reach.count[r]) {
      r++;
      rOff = 0;
    }
  }
  return { mismatches: out, pagesChecked, truncated };
}
