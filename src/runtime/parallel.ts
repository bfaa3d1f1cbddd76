/**
 * `vcm run --jobs N`: the endpoint proofs spread over worker threads. The table memory goes to
 * the workers once, as one SharedArrayBuffer; each worker proves its share (balanced by table
 * size) and streams back each endpoint's report and sink events, which are replayed here in
 * endpoint order, so the report is the one `verify` gives: same endpoints, same failures in the
 * same order, same JSON. Expects and scenarios run on this thread afterwards, as in `verify`.
 */
import { D, formatMessage } from "../diagnostics/catalogue.js";
import { Worker } from "node:worker_threads";
import type { IrTopology } from "../ir/types.js";
import type { SystemState } from "../model/system-state.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import { shareEndpoints } from "./endpoint-shares.js";
import type { EndpointPath } from "./endpoint-paths.js";
import { Prover, proofKey } from "./prover.js";
import { RecordingSink, replayEvents, type SinkEvent } from "./recording-sink.js";
import type { EndpointReport, RunReport } from "./report.js";
import { RunList } from "./run-list.js";
import { allocateFrames } from "./shared-frames.js";
import { SpanIndex } from "./span-transfer.js";
import { finishRun, startRun, verify, type RunInProgress, type VerifyOptions } from "./verify.js";
import type {
  ReachProof,
  WorkerGo,
  WorkerInput,
  WorkerMessage,
  WorkerPlugin,
} from "./worker-protocol.js";

export interface ParallelOptions extends VerifyOptions {
  /** Threads to prove endpoints on (this one and jobs - 1 workers); 1 is exactly `verify`. */
  jobs: number;
  /**
   * Below this much table work (leaf entries over all tables) the proof stays on this thread.
   * A worker costs ~0.1 s to start and load the plugins and then proves cold, and copying the
   * frames into shared memory costs about as much per page as a warm proof (docs/RUN-REPORT.md,
   * Performance): on 2 CPUs, threads did not beat one thread up to 67M pages.
   */
  minParallelWork?: number;
  /** Node options for the workers (default: this process's). */
  workerExecArgv?: string[];
}

export const DEFAULT_MIN_PARALLEL_WORK = 2 ** 24;

/** The worker's module next to this one (`.ts` when running from source, `.js` when built). */
const WORKER_URL = new URL(
  import.meta.url.endsWith(".ts") ? "./verify-worker.ts" : "./verify-worker.js",
  import.meta.url,
);

interface EndpointResult {
  report: EndpointReport;
  events: SinkEvent[];
}

export async function verifyParallel(
  compiled: SystemState,
  ir: IrTopology = compiled.ir,
  plugins: PluginRegistry = compiled.plugins,
  options: ParallelOptions,
): Promise<RunReport> {
  if (options.jobs <= 1) return verify(compiled, ir, plugins, options);
  const run = startRun(compiled, ir, plugins, options);
  const paths = run.prover.paths.filter((p) => !run.filter || run.filter.has(p.endpoint));
  const { shares, work, totalWork } = shareEndpoints(paths, options.jobs, (tp) =>
    run.prover.intendedPages(tp),
  );
  if (paths.length < 2 || totalWork < (options.minParallelWork ?? DEFAULT_MIN_PARALLEL_WORK)) {
    return finishRun(run, proveHere(run));
  }
  const results = new Map<string, EndpointResult>();
  let done = 0;
  options.progress?.(0, run.total, `proving ${paths.length} endpoints on ${shares.length} threads`);
  const onEndpoint = (r: EndpointResult) => {
    results.set(r.report.endpoint, r);
    options.progress?.(++done, run.total, `proved ${r.report.endpoint}`);
  };
  const { fill, ...input } = workerInputs(run, options);
  const reachFor = new Set(run.view.ir.expects.map((e) => e.endpoint));
  // Workers boot on their own threads while this one proves a share: the lightest, as this
  // thread has copied the frames and started the workers first.
  const lightest = work.indexOf(Math.min(...work));
  const here = shares[lightest]!;
  const elsewhere = shares.filter((_, i) => i !== lightest);
  const started = elsewhere.map((share) =>
    startWorker(
      { ...input, endpoints: share, reachFor: share.filter((e) => reachFor.has(e)) },
      options.workerExecArgv,
      onEndpoint,
    ),
  );
  fill(); // while the workers boot
  const outcomes = Promise.all(
    started.map(async ({ outcome: finished, go }, w) => {
      go();
      const share = elsewhere[w]!;
      const outcome = await finished;
      // A failed worker's unproved endpoints are finished too (each with its failure).
      for (const e of share) {
        if (!results.has(e)) options.progress?.(++done, run.total, `failed ${e}`);
      }
      return outcome;
    }),
  );
  proveShareHere(run, here, onEndpoint);
  const workers = await outcomes;
  const endpoints: EndpointReport[] = [];
  const spans = new SpanIndex(run.view.ir);
  for (const path of paths) {
    const result = results.get(path.endpoint) ?? workerFailed(path, workers, elsewhere);
    const failures = replayEvents(result.events, run.prover, spans);
    endpoints.push({ ...result.report, failures, ok: failures === 0 });
  }
  for (const outcome of workers) {
    if (outcome.ok) adoptReaches(run, outcome.proofs);
  }
  return finishRun(run, endpoints);
}

function proveHere(run: RunInProgress): EndpointReport[] {
  return run.prover.proveEndpoints(run.filter, (done, _n, label) =>
    run.options.progress?.(done, run.total, label),
  );
}

/**
 * Prove one share on this thread as a worker would (recorded, to be replayed in endpoint order),
 * reading the table memory directly; the reaches it read are kept for the expects.
 */
function proveShareHere(
  run: RunInProgress,
  share: readonly string[],
  onEndpoint: (r: EndpointResult) => void,
): void {
  const sink = new RecordingSink(run.sink.max);
  const prover = new Prover(run.view, sink, {
    limit: 64,
    deferTablePages: (ref, pages) => sink.tablePages(ref, pages),
  });
  for (const name of share) {
    const report = prover.proveEndpoint(prover.path(name)!);
    onEndpoint({ report, events: sink.take() });
  }
  const ours = new Set(share);
  for (const path of run.prover.paths) {
    if (!ours.has(path.endpoint)) continue;
    for (const tp of path.tables) {
      const proof = prover.proofOf(tp);
      run.prover.adoptReach(tp, proof.reach, proof.leaves, proof.error, proof.loops);
    }
  }
}

/** What every worker gets; the frames are shared, the rest is cloned (small next to them). */
function workerInputs(
  run: RunInProgress,
  options: ParallelOptions,
): Omit<WorkerInput, "endpoints" | "reachFor"> & { fill(): void } {
  const { plugins: registry, memory, ...compiled } = run.view;
  // Every mapper's plugin: resolving the paths reads device structures of every IOMMU.
  const names = new Set(compiled.mappers.map((m) => m.format));
  const plugins: WorkerPlugin[] = [...names].sort().map((name) => {
    const entry = registry.entry(name);
    if (!entry) throw new Error(`no plugin '${name}' in the registry`);
    return { name, origin: entry.origin };
  });
  const { shared, fill } = allocateFrames(memory);
  return {
    fill,
    frames: shared,
    compiled,
    plugins,
    maxFailures: options.maxFailures ?? 200,
  };
}

type WorkerOutcome = { ok: true; proofs: ReachProof[] } | { ok: false; message: string };

/**
 * Start one worker; `go` tells it the frames are filled. Its outcome never rejects: a worker
 * that throws or dies gives `ok: false`.
 */
function startWorker(
  input: WorkerInput,
  execArgv: string[] | undefined,
  onEndpoint: (r: EndpointResult) => void,
): { outcome: Promise<WorkerOutcome>; go(): void } {
  const worker = new Worker(WORKER_URL, {
    workerData: input,
    ...(execArgv ? { execArgv } : {}),
  });
  const outcome = new Promise<WorkerOutcome>((resolve) => {
    let settled = false;
    const settle = (o: WorkerOutcome) => {
      if (settled) return;
      settled = true;
      resolve(o);
      void worker.terminate();
    };
    worker.on("message", (m: WorkerMessage) => {
      if (m.kind === "endpoint") onEndpoint({ report: m.report, events: m.events });
      else if (m.kind === "done") settle({ ok: true, proofs: m.proofs });
      else settle({ ok: false, message: m.message });
    });
    worker.on("error", (e) => settle({ ok: false, message: e.message }));
    worker.on("exit", (code) =>
      settle({ ok: false, message: `the worker thread exited (code ${code}) before finishing` }),
    );
  });
  const go: WorkerGo = { kind: "go" };
  return { outcome, go: () => worker.postMessage(go) };
}

/** The report of an endpoint whose worker failed before proving it: one run-internal-error. */
function workerFailed(
  path: EndpointPath,
  outcomes: readonly WorkerOutcome[],
  shares: readonly string[][],
): EndpointResult {
  const w = shares.findIndex((s) => s.includes(path.endpoint));
  const outcome = outcomes[w];
  const why = outcome && !outcome.ok ? outcome.message : "no result";
  const report: EndpointReport = {
    endpoint: path.endpoint,
    route: path.description,
    tables: [...new Set(path.tables.map((t) => t.table.name))],
    pagesChecked: 0,
    pagesReachable: 0,
    leaves: {},
    attributes: {},
    failures: 1,
    ok: false,
  };
  const worker = D.runInternalError.messages.worker;
  const failure = {
    kind: "failure" as const,
    failure: {
      code: worker.entry.code,
      check: worker.entry.name,
      endpoint: path.endpoint,
      message: formatMessage(worker.template, { endpoint: path.endpoint, problem: why }),
      expected: "a proof of the endpoint",
      found: why,
    },
  };
  return { report, events: [failure] };
}

/** Seed this thread's proofs with the reaches workers read, so expects do not read them again. */
function adoptReaches(run: RunInProgress, proofs: readonly ReachProof[]): void {
  const byKey = new Map(proofs.map((p) => [p.key, p]));
  for (const path of run.prover.paths) {
    for (const tp of path.tables) {
      const p = byKey.get(proofKey(tp));
      if (p) run.prover.adoptReach(tp, RunList.fromArrays(p.reach), p.leaves, p.error);
    }
  }
}
