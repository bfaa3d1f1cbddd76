/**
 * `vcm run`, library side: prove from the emitted bytes that every endpoint sees exactly the
 * intended memory (no trust in the IR's or the plugins' bookkeeping), evaluate the `expect`
 * lines, then play every scenario from the compiled base state.
 */
import type { IrScenario, IrTopology } from "../ir/types.js";
import { systemState, type SystemState } from "../model/system-state.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import { evaluateExpect } from "./expects.js";
import { FailureSink } from "./failure-sink.js";
import { Prover } from "./prover.js";
import type { EndpointReport, RunReport, ScenarioReport } from "./report.js";
import { checkRegisteredWindows } from "./spapr-windows.js";
import { reservationReports } from "./reservations-report.js";
import { runScenario } from "./scenarios.js";

export interface VerifyOptions {
  /** Play the scenarios (default true; they need the plugins to lower the IR again). */
  scenarios?: boolean;
  /** Only these scenarios (default all). */
  scenarioNames?: readonly string[];
  /** Failures listed in detail (default 200); all are counted. */
  maxFailures?: number;
  /** Only prove these endpoints (default all). */
  endpoints?: readonly string[];
  /**
   * Called as work advances (for a progress bar): `done` of `total` units, what is being done.
   * Units are endpoints, then scenarios.
   */
  progress?: (done: number, total: number, label: string) => void;
}

/** One run between its phases: the endpoint proofs may be done here or by worker threads. */
export interface RunInProgress {
  started: number;
  view: SystemState;
  sink: FailureSink;
  prover: Prover;
  filter: ReadonlySet<string> | undefined;
  scenarios: IrScenario[];
  /** Progress units: endpoints to prove, then scenarios. */
  endpointCount: number;
  total: number;
  options: VerifyOptions;
}

export function startRun(
  compiled: SystemState,
  ir: IrTopology,
  plugins: PluginRegistry,
  options: VerifyOptions,
): RunInProgress {
  const started = performance.now();
  const sink = new FailureSink(options.maxFailures ?? 200);
  // Only what a proof may read crosses (src/model/system-state.ts).
  const view = systemState({ ...compiled, ir, plugins });
  const prover = new Prover(view, sink, { limit: 64 });
  const filter = options.endpoints ? new Set(options.endpoints) : undefined;
  const scenarios = ir.scenarios.filter(
    (s) =>
      options.scenarios !== false &&
      (!options.scenarioNames || options.scenarioNames.includes(s.name)),
  );
  const endpointCount = filter ? filter.size : ir.endpoints.length;
  const total = endpointCount + scenarios.length;
  return { started, view, sink, prover, filter, scenarios, endpointCount, total, options };
}

/** Everything after the endpoint proofs: sPAPR windows, expects, scenarios, the report. */
export function finishRun(run: RunInProgress, endpoints: EndpointReport[]): RunReport {
  const { view, sink, prover, filter, options } = run;
  const ir = view.ir;
  checkRegisteredWindows(view, sink);
  const expects = ir.expects
    .filter((e) => !filter || filter.has(e.endpoint))
    .map((e) => evaluateExpect(prover, e, sink));
  const scenarios: ScenarioReport[] = [];
  for (const s of run.scenarios) {
    options.progress?.(run.endpointCount + scenarios.length, run.total, `scenario ${s.name}`);
    scenarios.push(runScenario(ir, view.plugins, s, sink));
  }
  options.progress?.(run.total, run.total, "done");
  const pagesChecked = endpoints.reduce((n, e) => n + e.pagesChecked, 0);
  return {
    topology: ir.name,
    status: sink.count === 0 ? "proved" : "failed",
    endpoints,
    expects,
    reservations: reservationReports(ir, view.mappings),
    scenarios,
    failures: sink.failures,
    failureCount: sink.count,
    pagesChecked,
    elapsedMs: performance.now() - run.started,
  };
}

export function verify(
  compiled: SystemState,
  ir: IrTopology = compiled.ir,
  plugins: PluginRegistry = compiled.plugins,
  options: VerifyOptions = {},
): RunReport {
  const run = startRun(compiled, ir, plugins, options);
  const endpoints = run.prover.proveEndpoints(run.filter, (done, _n, label) =>
    options.progress?.(done, run.total, label),
  );
  return finishRun(run, endpoints);
}
