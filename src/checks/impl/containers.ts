/**
 * sPAPR containers: pre-registration per owner process, locked-memory accounting (registrations
 * plus TCE tables), DMA windows (slots, alignment, count), and the container models' rules.
 * The topology's registrations go through the same kernel model the runtime uses (SpaprMm), in
 * declaration order, so `check` and `run` agree.
 */
import type { IrContainer, IrTopology } from "../../ir/types.js";
import { formatSize, hex, isPowerOfTwo, U64_MAX } from "../../semantics/evaluate.js";
import {
  containerBaseLocked,
  containersByOwner,
  ownerLimit,
  SpaprMm,
  tceProblem,
  tceProblemText,
  type MmProblem,
} from "../../semantics/spapr-mm.js";
import { DEFAULT_WINDOW, MAX_WINDOWS } from "../../semantics/spapr.js";
import type { CheckImplementation } from "../runner.js";
import { indexIr, sweepOverlaps } from "./ir-index.js";

interface OwnerState {
  mm: SpaprMm;
  /** Registration refusals, in declaration order. */
  refusals: { container: IrContainer; index: number; problem: MmProblem; message: string }[];
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
            message: result.message,
          });
      });
    }
    out.set(owner, state);
  }
  ownerStates.set(ir, out);
  return out;
}

/** Every TCE of a window mapping must come from one registered region of the owner. */
function tceChecks(which: "unregistered" | "one-region"): CheckImplementation["run"] {
  return ({ ir, report }) => {
    const index = indexIr(ir);
    const mms = ownerMms(ir);
    for (const m of ir.mappings) {
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
            m.span,
            `${hex(p.pa)} .. +${formatSize(ch.pa + ch.size - p.pa)} is not registered in container '${c.name}'${c.owner !== c.name ? ` (owner '${c.owner}')` : ""}`,
            { hint: `add \`register\` for this memory to '${c.name}'` },
          );
        else if (p.kind !== "unregistered" && which === "one-region")
          report(
            m.span,
            `${tceProblemText(p, hit.window.pageSize)}: window '${m.target.name}' cannot map it (mm_iommu_lookup / mm_iommu_ua_to_hpa: -EINVAL)`,
            {
              hint:
                p.kind === "crosses"
                  ? "register the memory as one region covering whole IOMMU pages"
                  : `back the memory with pages of at least ${formatSize(hit.window.pageSize)} (\`backing-page\`), aligned to them`,
            },
          );
        break;
      }
    }
  };
}

export const unregisteredMemory: CheckImplementation = {
  check: "unregistered-memory",
  run: tceChecks("unregistered"),
};

export const tceNotInOneRegion: CheckImplementation = {
  check: "tce-not-in-one-region",
  run: tceChecks("one-region"),
};

export const lockedLimitExceeded: CheckImplementation = {
  check: "locked-limit-exceeded",
  run({ ir, report }) {
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
          ? `container '${first.name}'`
          : `owner '${owner}' (containers ${containers.map((c) => c.name).join(", ")})`;
      const parts = [
        `${formatSize(mm.locked)} registered (in ${formatSize(first.hostPageSize)} host pages)`,
      ];
      if (tables > 0n) parts.push(`${formatSize(tables)} of TCE tables (v1: its whole window)`);
      report(
        first.span,
        `${who} locks ${formatSize(total)}: ${parts.join(" + ")}, over its locked-limit ${formatSize(limit)} (-ENOMEM)`,
      );
    }
  },
};

export const ownerLimitConflict: CheckImplementation = {
  check: "owner-limit-conflict",
  run({ ir, report }) {
    for (const [owner, containers] of containersByOwner(ir)) {
      const declared = containers.filter((c) => c.lockedLimitDeclared);
      const first = declared[0];
      if (!first) continue;
      for (const c of declared.slice(1))
        if (c.lockedLimit !== first.lockedLimit)
          report(
            c.span,
            `containers '${first.name}' and '${c.name}' belong to '${owner}' but declare locked-limits ${formatSize(first.lockedLimit)} and ${formatSize(c.lockedLimit)}: one process has one RLIMIT_MEMLOCK`,
            { related: [{ span: first.span, message: `'${first.name}' is declared here` }] },
          );
    }
  },
};

function registrationCheck(problems: readonly MmProblem[]): CheckImplementation["run"] {
  return ({ ir, report }) => {
    for (const state of ownerMms(ir).values())
      for (const r of state.refusals)
        if (problems.includes(r.problem)) report(r.container.registered[r.index]!.span, r.message);
  };
}

export const registerUnaligned: CheckImplementation = {
  check: "register-unaligned",
  run: registrationCheck(["unaligned"]),
};

export const registerConflict: CheckImplementation = {
  check: "register-conflict",
  run: registrationCheck(["busy", "overlap"]),
};

export const windowBaseAlignment: CheckImplementation = {
  check: "window-base-alignment",
  run({ ir, report }) {
    for (const c of ir.containers)
      for (const w of c.windows)
        if (w.pageSize > 0n && w.range.base % w.pageSize !== 0n)
          report(
            w.span,
            `window '${w.qualifiedName}' starts at ${hex(w.range.base)}, not a multiple of its ${formatSize(w.pageSize)} page (-EINVAL)`,
          );
  },
};

export const tooManyWindows: CheckImplementation = {
  check: "too-many-windows",
  run({ ir, report }) {
    for (const c of ir.containers) {
      const held = c.windows.filter((w) => w.slot < MAX_WINDOWS);
      for (const w of c.windows.filter((x) => x.slot >= MAX_WINDOWS))
        report(
          w.span,
          `container '${c.name}' already has ${MAX_WINDOWS} DMA windows (${held.map((x) => x.name).join(", ")}): '${w.name}' finds no free table slot (-ENOSPC)`,
          held.some((x) => x.implicit)
            ? { hint: `the default window counts: \`remove ${DEFAULT_WINDOW}\` frees its slot` }
            : {},
        );
    }
  },
};

export const containerNotTce: CheckImplementation = {
  check: "container-not-tce",
  run({ ir, report, capabilities }) {
    for (const c of ir.containers) {
      const caps = c.mapper ? capabilities(c.mapper) : undefined;
      if (caps && !caps.windows)
        report(
          c.span,
          `container '${c.name}' is on '${c.mapper}', whose format has no DMA windows: sPAPR containers need a TCE IOMMU (-ENODEV)`,
        );
    }
  },
};

export const spaprV1Rules: CheckImplementation = {
  check: "spapr-v1-rules",
  run({ ir, report }) {
    for (const c of ir.containers) {
      if (c.model !== "spapr-v1") continue;
      const seen = new Set<object>();
      for (const r of c.registered) {
        if (seen.has(r.span)) continue;
        seen.add(r.span);
        report(
          r.span,
          `spapr-v1 container '${c.name}' has no pre-registration: VFIO_IOMMU_SPAPR_REGISTER_MEMORY is a v2 ioctl (-ENOTTY)`,
          { hint: "use `spapr-v2`, or drop the `register`" },
        );
      }
      if (c.groups.length > 1)
        report(
          c.span,
          `spapr-v1 container '${c.name}' holds ${c.groups.length} groups; v1 takes one group (-EBUSY)`,
        );
      for (const w of c.windows)
        if (!w.implicit && w.name !== DEFAULT_WINDOW)
          report(
            w.span,
            `spapr-v1 container '${c.name}' cannot create window '${w.name}': only the platform's ${DEFAULT_WINDOW} exists (VFIO_IOMMU_SPAPR_TCE_CREATE: -ENOTTY)`,
          );
      if (c.removedDefault)
        report(
          c.removedDefault,
          `spapr-v1 container '${c.name}' cannot remove its window (VFIO_IOMMU_SPAPR_TCE_REMOVE: -ENOTTY)`,
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
