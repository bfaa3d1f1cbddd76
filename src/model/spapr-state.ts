/**
 * sPAPR TCE containers over a run, as VFIO and the powerpc mm keep them: one SpaprMm per owner
 * process (its registered regions and locked memory, charged first for the TCE tables of every
 * window, then for each registration), the groups each container still holds, and the rules a
 * window mapping must meet (every TCE inside one registered region that can back its page).
 * Kernel errnos map to run checks here; the model itself is src/semantics/spapr-mm.ts.
 */
import type { Span } from "../diagnostics/span.js";
import type { IrChunk, IrContainer, IrRange, IrTopology } from "../ir/types.js";
import { hex as hexOf } from "../diagnostics/format.js";
import {
  containerBaseLocked,
  containersByOwner,
  ownerLimit,
  SpaprMm,
  tceProblem,
  tceProblemText,
  type MmProblem,
  type MmRegion,
} from "../semantics/spapr-mm.js";
import { D } from "../diagnostics/catalogue.js";
import { refusal, type FailureOut, type Refusal } from "./failure-out.js";
import type { PlacedMapping } from "./system-state.js";

export type AccountResult = { ok: true; note: string } | Refusal;

/** The run diagnostic each refusal of the kernel model stands for (its text is the model's). */
const RUN_CHECK = {
  unaligned: D.registerUnalignedAtRun,
  busy: D.registerBusy,
  limit: D.lockedLimitExceededAtRun,
  overlap: D.registerOverlap,
  "not-found": D.unregisterNotFound,
  mapped: D.unregisterBusy,
} satisfies Record<MmProblem, unknown>;

const rangeText = (base: bigint, size: bigint) => `${hexOf(base)}..${hexOf(base + size)}`;

/** The container whose window a mapping targets (`c0.ddw`). */
export function containerOfWindow(
  containers: readonly IrContainer[],
  window: string,
): IrContainer | undefined {
  return containers.find((c) => c.windows.some((w) => w.qualifiedName === window));
}

export function needsRegistration(c: IrContainer): boolean {
  return c.model === "spapr-v2";
}

export class SpaprState {
  /** By owner process. */
  readonly mms = new Map<string, SpaprMm>();
  /** Locked memory of each owner once its windows exist, before any registration. */
  readonly start = new Map<string, bigint>();
  /** Groups each container still holds (by container name). */
  readonly groups = new Map<string, Set<bigint>>();
  private readonly byName = new Map<string, IrContainer>();

  constructor(
    readonly ir: Pick<IrTopology, "containers">,
    sink?: FailureOut,
  ) {
    for (const [owner, containers] of containersByOwner(ir)) {
      const mm = new SpaprMm(owner, ownerLimit(containers));
      this.mms.set(owner, mm);
      for (const c of containers) {
        this.byName.set(c.name, c);
        this.groups.set(c.name, new Set(c.groups));
        const charged = mm.charge(containerBaseLocked(c), `${c.name}: its TCE tables`);
        if (!charged.ok)
          sink?.report(
            D.lockedLimitExceededAtRun,
            { problem: charged.message },
            {
              expected: "the windows' tables within the locked-limit",
              found: charged.message,
              span: c.span,
            },
          );
      }
      this.start.set(owner, mm.locked);
      for (const c of containers) {
        if (!needsRegistration(c)) continue;
        for (const r of c.registered) {
          const result = this.register(c.name, r.range);
          if (!result.ok && sink)
            result.send(sink, {
              expected: "a valid registration",
              found: result.text,
              span: r.span,
            });
        }
      }
    }
  }

  container(name: string): IrContainer | undefined {
    return this.byName.get(name);
  }

  mmOf(c: IrContainer): SpaprMm {
    return this.mms.get(c.owner)!;
  }

  /** The v2 container named, or why a (un)registration with it fails. */
  private registering(
    container: string,
    verb: "register" | "unregister",
    range: Pick<IrRange, "base" | "size">,
  ): IrContainer | AccountResult {
    const c = this.byName.get(container);
    if (!c) return refusal(D.scenarioStepFailed.messages.noContainer, { container });
    if (!needsRegistration(c))
      return refusal(D.spaprV1RegisterAtRun, {
        container: c.name,
        verb,
        range: rangeText(range.base, range.size),
      });
    return c;
  }

  register(container: string, range: Pick<IrRange, "base" | "size">): AccountResult {
    const c = this.registering(container, "register", range);
    if ("ok" in c) return c;
    const result = this.mmOf(c).register(c, range.base, range.size);
    return result.ok ? result : refusal(RUN_CHECK[result.problem], { problem: result.message });
  }

  /** `mapped`: the physical chunks currently mapped through the windows of the owner's containers. */
  unregister(
    container: string,
    range: Pick<IrRange, "base" | "size">,
    mapped: readonly IrChunk[],
  ): AccountResult {
    const c = this.registering(container, "unregister", range);
    if ("ok" in c) return c;
    const busy = (r: MmRegion) =>
      mapped.find((m) => m.pa < r.base + r.size && r.base < m.pa + m.size);
    const result = this.mmOf(c).unregister(c, range.base, range.size, busy);
    return result.ok ? result : refusal(RUN_CHECK[result.problem], { problem: result.message });
  }

  /** Registrations (any owner) still present. */
  registrations(owner: string): number {
    return this.mms.get(owner)?.regions.length ?? 0;
  }
}

/**
 * A v2 window mapping builds its TCEs from registered memory only (tce_iommu_build_v2): every
 * IOMMU page inside one registered region of the owner that can back its size.
 */
export function checkWindowMapping(
  state: SpaprState,
  m: Pick<PlacedMapping, "id" | "chunks" | "target">,
  sink: FailureOut,
  span?: Span,
  label = "a mapping",
): boolean {
  const c = containerOfWindow(state.ir.containers, m.target.name);
  if (!c || !needsRegistration(c)) return true;
  const window = c.windows.find((w) => w.qualifiedName === m.target.name)!;
  const mm = state.mmOf(c);
  for (const ch of m.chunks) {
    const p = tceProblem(mm, ch.pa, ch.size, window.pageSize);
    if (!p) continue;
    const at = { address: ch.iova, size: ch.size, ...(span ? { span } : {}) };
    if (p.kind === "unregistered") {
      const args = {
        what: label,
        window: m.target.name,
        range: rangeText(p.pa, ch.pa + ch.size - p.pa),
        container: c.name,
      };
      const detail = {
        ...at,
        expected: `pa ${rangeText(ch.pa, ch.size)} registered with ${c.name}`,
        found: "not registered",
      };
      if (c.owner !== c.name)
        sink.report(D.mapUnregistered.messages.ofOwner, { ...args, owner: c.owner }, detail);
      else sink.report(D.mapUnregistered, args, detail);
    } else {
      const problem = tceProblemText(p, window.pageSize);
      sink.report(
        D.tceNotInOneRegionAtRun,
        { what: label, window: m.target.name, problem },
        {
          ...at,
          expected: "every TCE inside one registered region that can back it",
          found: problem,
        },
      );
    }
    return false;
  }
  return true;
}
