/**
 * Scenarios, proved: the model (src/model/scenario-state.ts) replays each step on the real
 * tables; after each step this proves, from the bytes, what the step asks to be unreachable
 * (old frames after `migrate`, a revoked BAR, a powered-off region), evaluates `expect` steps,
 * and re-proves only the endpoints whose tables or bindings the step changed.
 */
import { D } from "../diagnostics/catalogue.js";
import type { IrScenario, IrScenarioStep, IrTopology } from "../ir/types.js";
import { mappingSource } from "../model/mapping-index.js";
import { objectText } from "../model/object-ref.js";
import { ScenarioState, type PageRange } from "../model/scenario-state.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import { evaluateExpect, expectText } from "./expects.js";
import type { FailureSink } from "./failure-sink.js";
import { hexOf, Prover } from "./prover.js";
import type { ContainerAccount as Account, ScenarioReport, StepReport } from "./report.js";

export function stepText(step: IrScenarioStep): string {
  switch (step.kind) {
    case "map":
      return `map ${mappingSource(step.mapping)} -> ${step.mapping.reservation ?? step.mapping.target.name}`;
    case "unmap":
      return `unmap ${objectText(step.object)} from ${step.target.reservation ?? step.target.name}`;
    case "migrate":
      return `migrate ${step.buffers.join(", ")} to ${step.to}`;
    case "revoke":
      return `revoke ${step.memory}` + (step.dummy ? ` dummy ${step.dummy}` : "");
    case "register":
    case "unregister":
      return `${step.kind} ${step.container} ${hexOf(step.range.base)}..+${hexOf(step.range.size)}`;
    case "attach":
      return `attach ${step.device} to ${step.domain}`;
    case "detach":
      return `detach ${step.device}`;
    case "power-off":
      return `power-off ${step.memory}`;
    case "restore":
      return `restore ${step.memory}`;
    case "expect":
      return `expect ${expectText(step.expect)}`;
  }
}

/** One stretch of an endpoint's table reach that lands in given physical pages. */
interface Reached {
  endpoint: string;
  table: string;
  iova: bigint;
  pa: bigint;
  size: bigint;
}

/** Table reach of every endpoint landing in physical pages [first, end), read from bytes. */
function reachInto(prover: Prover, { first, end }: PageRange): Reached[] {
  const found: Reached[] = [];
  for (const path of prover.paths) {
    for (const tp of path.tables) {
      const reach = prover.proofOf(tp).reach;
      for (let i = 0; i < reach.length; i++) {
        const pa = reach.pa[i]!;
        const n = reach.count[i]!;
        if (pa >= end || pa + n <= first || reach.iova[i]! >= path.maskEndPfn) continue;
        const lo = Math.max(pa, first);
        const hi = Math.min(pa + n, end);
        found.push({
          endpoint: path.endpoint,
          table: tp.table.name,
          iova: BigInt(reach.iova[i]! + (lo - pa)) << 12n,
          pa: BigInt(lo) << 12n,
          size: BigInt(hi - lo) << 12n,
        });
      }
    }
  }
  return found;
}

/** Prove from the bytes that nothing reaches what the step took away. */
function checkUnreachable(
  step: IrScenarioStep,
  ranges: readonly PageRange[],
  prover: () => Prover,
  sink: FailureSink,
  notes: string[],
): void {
  for (const range of ranges) {
    const still = reachInto(prover(), range);
    if (step.kind === "power-off") {
      const mappers = [...new Set(still.map((s) => s.endpoint))];
      notes.push(
        mappers.length === 0
          ? `no mapper maps ${step.memory}`
          : `still mapped by ${mappers.join(", ")}`,
      );
    }
    for (const s of still) {
      const common = {
        endpoint: s.endpoint,
        table: s.table,
        address: s.iova,
        size: s.size,
        span: step.span,
      };
      const args = {
        endpoint: s.endpoint,
        range: `${hexOf(s.iova)}..${hexOf(s.iova + s.size)}`,
        pa: hexOf(s.pa),
      };
      if (step.kind === "migrate")
        sink.report(D.staleAfterMigrate, args, {
          ...common,
          expected: "no translation to the old frames",
          found: `pa ${hexOf(s.pa)} (old placement of ${step.buffers.join(", ")})`,
        });
      else if (step.kind === "revoke")
        sink.report(
          D.staleAfterRevoke,
          { ...args, memory: step.memory },
          {
            ...common,
            expected: step.dummy ? `the dummy page ${step.dummy}, or a fault` : "a fault",
            found: `pa ${hexOf(s.pa)} in ${step.memory}`,
          },
        );
      else if (step.kind === "power-off")
        sink.report(
          D.powerOffStillMapped,
          { ...args, memory: step.memory },
          {
            ...common,
            expected: `no translation into ${step.memory}`,
            found: `pa ${hexOf(s.pa)}..${hexOf(s.pa + s.size)}`,
          },
        );
    }
  }
}

export function runScenario(
  ir: IrTopology,
  plugins: PluginRegistry,
  scenario: IrScenario,
  sink: FailureSink,
): ScenarioReport {
  const saved = sink.context;
  sink.context = { scenario: scenario.name };
  const before = sink.count;
  const steps: StepReport[] = [];
  const containers: Account[] = [];
  try {
    const state = ScenarioState.start(ir, plugins, sink);
    if (!(state instanceof ScenarioState)) {
      sink.report(
        D.scenarioStepFailed.messages.baseState,
        { scenario: scenario.name },
        {
          expected: "the base state to lower",
          found: state.diagnostics.map((d) => d.message).join("; "),
          span: scenario.span,
        },
      );
      return { name: scenario.name, ok: false, steps, containers };
    }
    const prove = () =>
      new Prover(state.view(), sink, { bufferChunks: state.bufferChunks, limit: 64 });
    const starts = new Map([...state.spapr.mms].map(([owner, mm]) => [owner, mm.locked]));
    scenario.steps.forEach((step, index) => {
      // A failure with no location of its own (a re-proof after the step) points at the step.
      sink.context = { scenario: scenario.name, step: index + 1, span: step.span };
      const stepBefore = sink.count;
      state.beginStep();
      let cached: Prover | undefined;
      const prover = () => (cached ??= prove());
      if (step.kind === "expect") evaluateExpect(prover(), step.expect, sink, state.bufferChunks);
      else checkUnreachable(step, state.apply(step).mustNotReach, prover, sink, state.notes);
      // Re-prove only what the step changed, on a fresh reading of the bytes.
      const affected = state.affected();
      let pagesChecked = 0;
      if (affected.size > 0) {
        for (const r of prove().proveEndpoints(affected)) pagesChecked += r.pagesChecked;
      }
      steps.push({
        step: index + 1,
        kind: step.kind,
        text: stepText(step),
        ok: sink.count === stepBefore,
        reverified: [...affected].sort(),
        pagesChecked,
        notes: state.notes,
      });
    });
    sink.context = { scenario: scenario.name };
    for (const c of ir.containers) {
      const mm = state.spapr.mmOf(c);
      containers.push({
        container: c.name,
        owner: c.owner,
        lockedStart: starts.get(c.owner) ?? 0n,
        lockedEnd: mm.locked,
        limit: mm.limit,
      });
    }
    for (const [owner, mm] of state.spapr.mms) {
      const start = state.spapr.start.get(owner) ?? 0n;
      if (mm.regions.length === 0 && mm.locked !== start) {
        const args = { owner, locked: hexOf(mm.locked), start: hexOf(start) };
        sink.report(D.lockedAccountingLeak, args, {
          expected: hexOf(start),
          found: hexOf(mm.locked),
          span: scenario.span,
        });
      }
    }
  } finally {
    sink.context = saved;
  }
  return { name: scenario.name, ok: sink.count === before, steps, containers };
}
