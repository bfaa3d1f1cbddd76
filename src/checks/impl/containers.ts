/** sPAPR containers: registered (pre-pinned) memory, locked-memory accounting, DMA windows. */
import type { IrContainer } from "../../ir/types.js";
import { alignUp, formatSize, hex, isPowerOfTwo } from "../../semantics/evaluate.js";
import type { CheckImplementation } from "../runner.js";
import { indexIr, sweepOverlaps } from "./ir-index.js";

/** Registered ranges, sorted and merged: [start, end) pairs. */
function merged(c: IrContainer): [bigint, bigint][] {
  const sorted = c.registered
    .map((r) => [r.range.base, r.range.base + r.range.size] as [bigint, bigint])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1]) last[1] = r[1] > last[1] ? r[1] : last[1];
    else out.push([r[0], r[1]]);
  }
  return out;
}

function covered(ranges: [bigint, bigint][], start: bigint, end: bigint): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid]!;
    if (start < r[0]) hi = mid - 1;
    else if (start >= r[1]) lo = mid + 1;
    else return end <= r[1];
  }
  return false;
}

export const unregisteredMemory: CheckImplementation = {
  check: "unregistered-memory",
  run({ ir, report }) {
    const index = indexIr(ir);
    const registered = new Map<string, [bigint, bigint][]>();
    for (const m of ir.mappings) {
      if (m.target.kind !== "window") continue;
      const c = index.windows.get(m.target.name)?.container;
      if (!c || c.model !== "spapr-v2") continue;
      let ranges = registered.get(c.name);
      if (!ranges) registered.set(c.name, (ranges = merged(c)));
      const bad = m.source.chunks.find((ch) => !covered(ranges!, ch.pa, ch.pa + ch.size));
      if (bad)
        report(
          m.span,
          `${hex(bad.pa)} .. +${formatSize(bad.size)} is not registered in container '${c.name}'`,
          {
            hint: `add \`register\` for this memory to '${c.name}'`,
          },
        );
    }
  },
};

export const lockedLimitExceeded: CheckImplementation = {
  check: "locked-limit-exceeded",
  run({ ir, report }) {
    for (const c of ir.containers) {
      const page = c.hostPageSize;
      let total = 0n;
      for (const r of c.registered) {
        const start = (r.range.base / page) * page;
        total += alignUp(r.range.base + r.range.size, page) - start;
      }
      if (total > c.lockedLimit)
        report(
          c.span,
          `container '${c.name}' registers ${formatSize(total)} (in ${formatSize(page)} host pages), over its locked-limit ${formatSize(c.lockedLimit)}`,
        );
    }
  },
};

export const windowOverlap: CheckImplementation = {
  check: "window-overlap",
  run({ ir, report }) {
    for (const c of ir.containers)
      sweepOverlaps(
        c.windows,
        (w) => w.range.base,
        (w) => w.range.size,
        (later, earlier) =>
          report(
            later.span,
            `window '${later.qualifiedName}' overlaps '${earlier.qualifiedName}'`,
            {
              related: [{ span: earlier.span, message: `'${earlier.qualifiedName}'` }],
            },
          ),
      );
  },
};

export const windowSize: CheckImplementation = {
  check: "window-size",
  run({ ir, report }) {
    for (const c of ir.containers)
      for (const w of c.windows)
        if (!isPowerOfTwo(w.range.size))
          report(
            w.span,
            `window '${w.qualifiedName}' has size ${hex(w.range.size)}, not a power of two`,
          );
  },
};

export const windowLevels: CheckImplementation = {
  check: "window-levels",
  run({ ir, report }) {
    for (const c of ir.containers)
      for (const w of c.windows)
        if (w.levels > 5 || w.levels < 1)
          report(
            w.span,
            `window '${w.qualifiedName}' has ${w.levels} levels; TCE tables have 1 to 5`,
          );
  },
};

export const windowPageSize: CheckImplementation = {
  check: "window-page-size",
  run({ ir, report, capabilities }) {
    for (const c of ir.containers) {
      const caps = c.mapper ? capabilities(c.mapper) : undefined;
      if (!caps) continue;
      for (const w of c.windows)
        if (!caps.pageSizes.includes(w.pageSize))
          report(
            w.span,
            `'${c.mapper}' has no ${formatSize(w.pageSize)} pages (it has ${caps.pageSizes.map(formatSize).join(", ")})`,
          );
    }
  },
};
