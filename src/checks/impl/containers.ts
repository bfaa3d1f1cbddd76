/**
 * sPAPR containers: pre-registration per owner process, locked-memory accounting (registrations
 * plus TCE tables), DMA windows (slots, alignment, count), and the container models' rules.
 * The topology's registrations go through the same kernel model the runtime uses (SpaprMm), in
 * declaration order, so `check` and `run` agree.
 */
import { D, text } from "../../diagnostics/catalogue.js";
import { formatSize, hex } from "../../diagnostics/format.js";
import type { IrContainer, IrTopology } from "../../ir/types.js";
import { isPowerOfTwo, U64_MAX } from "../../semantics/evaluate.js";
import {
  containerBaseLocked,
  containersByOwner,
  ownerLimit,
  SpaprMm,
  tceProblem,
  tceProblemText,
  type MmProblem,
  type RegisterFacts,
} from "../../semantics/spapr-mm.js";
import { DEFAULT_WINDOW, MAX_WINDOWS } from "../../semantics/spapr.js";
import { defineCheck, type CheckContext } from "../check.js";
import { FORMATS_USABLE, PLUGINS_USABLE } from "./needs.js";
import { indexIr, sweepOverlaps } from "./ir-index.js";

interface OwnerState {
  mm: SpaprMm;
  /** Registration refusals, in declaration order. */
  refusals: { container: IrContainer; index: number; problem: MmProblem; facts: RegisterFacts }[];
}

const ownerStates = new WeakMap<IrTopology, Map<string, OwnerState>>();

/**
 * Each owner's mm after its v2 containers' topology registrations, with no limit (the limit is
 * its own check): the refusals are what the kernel would return for each `register`.
 */
function ownerMms(ir: IrTopology): Map<string, OwnerState> {
  const hit = ownerStates.get(ir);
  if (hit) return hit;
  const out = new Map<string, OwnerState>();
  for (const [owner, containers] of containersByOwner(ir)) {
    const state: OwnerState = { mm: new SpaprMm(owner, U64_MAX), refusals: [] };
    for (const c of containers) {
      if (c.model !== "spapr-v2") continue;
      c.registered.forEach((r, index) => {
        const result = state.mm.register(c, r.range.base, r.range.size);
        if (!result.ok)
          state.refusals.push({
            container: c,
            index,
            problem: result.problem,
            // A refused `register` always says what it was about.
            facts: result.register!,
          });
      });
    }
    out.set(owner, state);
  }
  ownerStates.set(ir, out);
  return out;
}

/** Every TCE of a window mapping must come from one registered region of the owner. */
function tceChecks(which: "unregistered" | "one-region"): (context: CheckContext) => void {
  return ({ ir, report }) => {
    const mms = ownerMms(ir);
    if (mms.size === 0) return; // no container: no window mapping to look at
    const index = indexIr(ir);
    for (let i = 0; i < ir.mappings.length; i++) {
      const m = ir.mappings[i]!;
      if (m.target.kind !== "window" || m.scenario !== undefined) continue;
      const hit = index.windows.get(m.target.name);
      const c = hit?.container;
      if (!hit || !c || c.model !== "spapr-v2") continue;
      const mm = mms.get(c.owner)?.mm;
      if (!mm) continue;
      for (const ch of m.source.chunks) {
        const p = tceProblem(mm, ch.pa, ch.size, hit.window.pageSize);
        if (!p) continue;
        if (p.kind === "unregistered" && which === "unregistered")
          report(
            c.owner !== c.name ? D.unregisteredMemory.messages.ofOwner : D.unregisteredMemory,
            m.span,
            {
              range: `${hex(p.pa)} .. +${formatSize(ch.pa + ch.size - p.pa)}`,
              container: c.name,
              owner: c.owner,
            },
            { hint: text(D.unregisteredMemory.messages.hint, { container: c.name }) },
          );
        else if (p.kind !== "unregistered" && which === "one-region")
          report(
            D.tceNotInOneRegion,
            m.span,
            { problem: tceProblemText(p, hit.window.pageSize), window: m.target.name },
            {
              hint:
                p.kind === "crosses"
                  ? text(D.tceNotInOneRegion.messages.crossesHint)
                  : text(D.tceNotInOneRegion.messages.backingHint, {
                      page: formatSize(hit.window.pageSize),
                    }),
            },
          );
        break;
      }
    }
  };
}

export const unregisteredMemory = defineCheck(D.unregisteredMemory, {
  run: tceChecks("unregistered"),
});

export const tceNotInOneRegion = defineCheck(D.tceNotInOneRegion, {
  run: tceChecks("one-region"),
});

export const lockedLimitExceeded = defineCheck(D.lockedLimitExceeded, {
  run({ ir, report }) {
    const said = D.lockedLimitExceeded.messages;
    for (const [owner, containers] of containersByOwner(ir)) {
      const limit = ownerLimit(containers);
      const mm = ownerMms(ir).get(owner)!.mm;
      let tables = 0n;
      for (const c of containers) tables += containerBaseLocked(c);
      const total = mm.locked + tables;
      if (total <= limit) continue;
      const first = containers.find((c) => c.lockedLimitDeclared) ?? containers[0]!;
      const who =
        containers.length === 1 && owner === first.name
          ? text(said.container, { container: first.name })
          : text(said.owner, { owner, containers: containers.map((c) => c.name).join(", ") });
      const parts = [
        text(said.registered, {
          size: formatSize(mm.locked),
          page: formatSize(first.hostPageSize),
        }),
      ];
      if (tables > 0n) parts.push(text(said.tables, { size: formatSize(tables) }));
      report(D.lockedLimitExceeded, first.span, {
        who,
        total: formatSize(total),
        parts: parts.join(" + "),
        limit: formatSize(limit),
      });
    }
  },
});

export const ownerLimitConflict = defineCheck(D.ownerLimitConflict, {
  run({ ir, report }) {
    for (const [owner, containers] of containersByOwner(ir)) {
      const declared = containers.filter((c) => c.lockedLimitDeclared);
      const first = declared[0];
      if (!first) continue;
      for (const c of declared.slice(1))
        if (c.lockedLimit !== first.lockedLimit)
          report(
            D.ownerLimitConflict,
            c.span,
            {
              first: first.name,
              second: c.name,
              owner,
              firstLimit: formatSize(first.lockedLimit),
              secondLimit: formatSize(c.lockedLimit),
            },
            {
              related: [
                {
                  span: first.span,
                  message: text(D.ownerLimitConflict.messages.declared, { container: first.name }),
                },
              ],
            },
          );
    }
  },
});

/** The registrations the kernel model refuses (src/semantics/spapr-mm.ts), each as its check says it. */
export const registerUnaligned = defineCheck(D.registerUnaligned, {
  run: ({ ir, report }) => {
    for (const state of ownerMms(ir).values())
      for (const r of state.refusals)
        if (r.problem === "unaligned") {
          const { container, range, hostPage = "" } = r.facts;
          report(D.registerUnaligned, r.container.registered[r.index]!.span, {
            container,
            range,
            hostPage,
          });
        }
  },
});

export const registerConflict = defineCheck(D.registerConflict, {
  run: ({ ir, report }) => {
    for (const state of ownerMms(ir).values())
      for (const r of state.refusals) {
        const span = r.container.registered[r.index]!.span;
        const { container, range, other = "", holders = "" } = r.facts;
        if (r.problem === "busy")
          report(D.registerConflict.messages.busy, span, { container, range });
        else if (r.problem === "overlap")
          report(D.registerConflict, span, { container, range, other, holders });
      }
  },
});

export const windowBaseAlignment = defineCheck(D.windowBaseAlignment, {
  run({ ir, report }) {
    for (const c of ir.containers)
      for (const w of c.windows)
        if (w.pageSize > 0n && w.range.base % w.pageSize !== 0n)
          report(D.windowBaseAlignment, w.span, {
            window: w.qualifiedName,
            base: hex(w.range.base),
            page: formatSize(w.pageSize),
          });
  },
});

export const tooManyWindows = defineCheck(D.tooManyWindows, {
  run({ ir, report }) {
    for (const c of ir.containers) {
      const held = c.windows.filter((w) => w.slot < MAX_WINDOWS);
      for (const w of c.windows.filter((x) => x.slot >= MAX_WINDOWS))
        report(
          D.tooManyWindows,
          w.span,
          {
            container: c.name,
            max: MAX_WINDOWS,
            held: held.map((x) => x.name).join(", "),
            window: w.name,
          },
          held.some((x) => x.implicit)
            ? { hint: text(D.tooManyWindows.messages.hint, { window: DEFAULT_WINDOW }) }
            : {},
        );
    }
  },
});

export const containerNotTce = defineCheck(D.containerNotTce, {
  cost: "needs-plugins",
  needs: FORMATS_USABLE,
  run({ ir, report, capabilities }) {
    for (const c of ir.containers) {
      const caps = c.mapper ? capabilities(c.mapper) : undefined;
      if (caps && !caps.windows)
        report(D.containerNotTce, c.span, { container: c.name, mapper: String(c.mapper) });
    }
  },
});

export const spaprV1Rules = defineCheck(D.spaprV1Rules, {
  run({ ir, report }) {
    const said = D.spaprV1Rules.messages;
    for (const c of ir.containers) {
      const container = { container: c.name };
      if (c.model !== "spapr-v1") continue;
      const seen = new Set<object>();
      for (const r of c.registered) {
        if (seen.has(r.span)) continue;
        seen.add(r.span);
        report(said.register, r.span, container, { hint: text(said.registerHint) });
      }
      if (c.groups.length > 1)
        report(D.spaprV1Rules, c.span, { ...container, groups: c.groups.length });
      for (const w of c.windows)
        if (!w.implicit && w.name !== DEFAULT_WINDOW)
          report(said.createWindow, w.span, {
            ...container,
            window: w.name,
            default: DEFAULT_WINDOW,
          });
      if (c.removedDefault) report(said.removeWindow, c.removedDefault, container);
    }
  },
});

export const windowOverlap = defineCheck(D.windowOverlap, {
  run({ ir, report }) {
    for (const c of ir.containers)
      sweepOverlaps(
        c.windows,
        (w) => w.range.base,
        (w) => w.range.size,
        (later, earlier) =>
          report(
            D.windowOverlap,
            later.span,
            { window: later.qualifiedName, other: earlier.qualifiedName },
            {
              related: [
                {
                  span: earlier.span,
                  message: text(D.windowOverlap.messages.other, { window: earlier.qualifiedName }),
                },
              ],
            },
          ),
      );
  },
});

export const windowSize = defineCheck(D.windowSize, {
  run({ ir, report }) {
    for (const c of ir.containers)
      for (const w of c.windows)
        if (!isPowerOfTwo(w.range.size))
          report(D.windowSize, w.span, { window: w.qualifiedName, size: hex(w.range.size) });
  },
});

export const windowLevels = defineCheck(D.windowLevels, {
  run({ ir, report }) {
    for (const c of ir.containers)
      for (const w of c.windows)
        if (w.levels > 5 || w.levels < 1)
          report(D.windowLevels, w.span, { window: w.qualifiedName, levels: w.levels });
  },
});

export const windowPageSize = defineCheck(D.windowPageSize, {
  cost: "needs-plugins",
  needs: PLUGINS_USABLE,
  run({ ir, report, capabilities }) {
    for (const c of ir.containers) {
      const caps = c.mapper ? capabilities(c.mapper) : undefined;
      if (!caps) continue;
      for (const w of c.windows)
        if (!caps.pageSizes.includes(w.pageSize))
          report(D.windowPageSize, w.span, {
            mapper: String(c.mapper),
            size: formatSize(w.pageSize),
            sizes: caps.pageSizes.map((p) => formatSize(p)).join(", "),
          });
    }
  },
});
