/**
 * A command (check, compile, run, explain) that involves third-party plugins runs its job in a
 * worker thread under a watchdog, since
 * synchronous plugin code cannot be interrupted in the thread it runs in. The worker records
 * every plugin call on a shared call board; a call (or the loading and checking before the
 * first one) that runs past the budget ends the worker, and the diagnostic names the plugin,
 * its origin, the call and what was being lowered. SIGINT / SIGTERM stop a write cleanly and
 * anything else at once; the temporary directories of a stopped worker are removed here.
 */
import { Worker } from "node:worker_threads";
import { outputNames } from "../compile/output-target.js";
import { cleanStaleSiblings } from "../compile/write-output.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import { D, diagnostic, text } from "../diagnostics/catalogue.js";
import { CallBoard } from "./call-board.js";
import { EXIT_FAILED } from "./exit.js";
import { runJob, type CommandJob, type CommandOutcome, type JobHooks } from "./jobs.js";
import type { JobWorkerInput, JobWorkerMessage } from "./job-worker.js";

export { DEFAULT_PLUGIN_TIMEOUT_MS } from "./project-options.js";
/** How long a write asked to stop may take to clean up before the worker is ended. */
const STOP_GRACE_MS = 5_000;
const TICK_MS = 100;

const WORKER_URL = new URL(
  import.meta.url.endsWith(".ts") ? "./job-worker.ts" : "./job-worker.js",
  import.meta.url,
);

const SIGNAL_NUMBERS: Record<string, number> = { SIGINT: 2, SIGTERM: 15 };

export interface IsolatedOptions {
  timeoutMs: number;
  progress?: (done: number, total: number, label: string) => void;
  /** Node options for the worker (tests running from source). */
  execArgv?: string[];
}

function fileStart(file: string): Span {
  return { file, offset: 0, endOffset: 0, line: 1, column: 1, endLine: 1, endColumn: 1 };
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** The file a diagnostic with no better place is reported at. */
function firstFile(job: CommandJob): string {
  return job.kind === "check" ? (job.files[0] ?? "<input>") : job.file;
}

/**
 * Run `job` in this thread when only built-in plugins are involved (no worker start-up on the
 * common path), else in a watched worker.
 */
export async function runCommandJob(
  job: CommandJob,
  options: IsolatedOptions & { thirdParty: boolean; hooks?: JobHooks },
): Promise<CommandOutcome> {
  if (!options.thirdParty) {
    return runJob(job, {
      ...options.hooks,
      ...(options.progress ? { progress: options.progress } : {}),
      catchSignals: true,
    });
  }
  return runIsolated(job, options);
}

/** The diagnostic for a plugin call (or the loading before it) that ran past the budget. */
function timeoutDiagnostic(job: CommandJob, board: CallBoard, timeoutMs: number): Diagnostic {
  const a = board.active();
  const said = D.pluginTimeout.messages;
  const budget = seconds(timeoutMs);
  const span = a?.span ?? fileStart(firstFile(job));
  if (a?.origin === "loading") {
    return diagnostic(said.loading, span, { call: a.call, budget, plugin: a.plugin });
  }
  return diagnostic(D.pluginTimeout, span, {
    who: a ? text(said.plugin, { plugin: a.plugin, origin: a.origin }) : text(said.anyPlugin),
    budget,
    call: a?.call ?? text(said.anyCall),
    what: a?.what ? text(said.what, { what: a.what }) : "",
  });
}

/** The diagnostic for a worker that failed or exited without an outcome. */
function workerDiedDiagnostic(job: CommandJob, board: CallBoard, why: string): Diagnostic {
  const a = board.active();
  const during = a && a.origin !== "loading" ? text(D.pluginWorkerFailed.messages.during, a) : "";
  const what = a?.what ? text(D.pluginTimeout.messages.what, { what: a.what }) : "";
  const span = a?.span ?? fileStart(firstFile(job));
  return diagnostic(D.pluginWorkerFailed, span, { during, what, why });
}

/** A worker ended mid-write leaves temporary siblings of the output: remove them. */
function removeTemporarySiblings(job: CommandJob): void {
  if (job.kind !== "compile") return;
  try {
    cleanStaleSiblings(outputNames(job.output, process.pid));
  } catch {
    // The next run cleans what could not be removed now.
  }
}

/**
 * Watches one job worker until it settles: its outcome, a plugin call past the budget, a signal
 * (a write is asked to stop and given a grace period; anything else ends at once), or its death.
 * Resolves exactly once and then lets go of the timer and the signal handlers.
 */
class WorkerWatch {
  private settled = false;
  private lastSeq = -1;
  private since = performance.now();
  private stopAt: number | undefined;
  private stopSignal: string | undefined;
  private sources = new Map<string, string>();
  private readonly tick: ReturnType<typeof setInterval>;
  private readonly onSignal = (signal: NodeJS.Signals) => this.signalled(signal);

  constructor(
    private readonly job: CommandJob,
    private readonly worker: Worker,
    private readonly board: CallBoard,
    private readonly options: IsolatedOptions,
    private readonly resolve: (o: CommandOutcome) => void,
  ) {
    process.on("SIGINT", this.onSignal);
    process.on("SIGTERM", this.onSignal);
    this.tick = setInterval(() => this.check(), TICK_MS);
    worker.on("message", (m: JobWorkerMessage) => this.received(m));
    worker.on("error", (e) => this.died(e.message));
    worker.on("exit", (code) =>
      this.died(text(D.pluginWorkerFailed.messages.threadExited, { code })),
    );
  }

  private received(m: JobWorkerMessage): void {
    if (m.kind === "sources") this.sources = m.sources;
    else if (m.kind === "progress") this.options.progress?.(m.done, m.total, m.label);
    else this.settle(m.outcome, false);
  }

  private failed(diagnostics: Diagnostic[], signal?: string): CommandOutcome {
    return {
      exitCode: EXIT_FAILED,
      diagnostics,
      sources: this.sources,
      stdout: "",
      stderr: "",
      ...(signal ? { signal } : {}),
    };
  }

  private signalled(signal: NodeJS.Signals): void {
    this.stopSignal ??= signal;
    if (this.board.writing()) {
      // Between two write steps the worker stops and removes what it made.
      this.board.requestAbort(SIGNAL_NUMBERS[signal] ?? 15);
      this.stopAt ??= performance.now() + STOP_GRACE_MS;
    } else {
      this.settle(this.failed([], signal), true);
    }
  }

  /** Every tick: end a write that outlived its grace period, or a plugin call past the budget. */
  private check(): void {
    const now = performance.now();
    if (this.stopAt !== undefined && now > this.stopAt) {
      this.settle(this.failed([], this.stopSignal!), true);
      return;
    }
    const { seq, inCall } = this.board.state();
    if (!inCall || seq !== this.lastSeq) {
      this.lastSeq = seq;
      this.since = now;
      return;
    }
    if (now - this.since < this.options.timeoutMs) return;
    this.settle(
      this.failed([timeoutDiagnostic(this.job, this.board, this.options.timeoutMs)]),
      true,
    );
  }

  private died(why: string): void {
    this.settle(this.failed([workerDiedDiagnostic(this.job, this.board, why)]), true);
  }

  private settle(o: CommandOutcome, ended: boolean): void {
    if (this.settled) return;
    this.settled = true;
    clearInterval(this.tick);
    process.off("SIGINT", this.onSignal);
    process.off("SIGTERM", this.onSignal);
    const finish = () => {
      if (ended) removeTemporarySiblings(this.job);
      this.resolve(o);
    };
    if (ended) void this.worker.terminate().then(finish, finish);
    else finish();
  }
}

export async function runIsolated(
  job: CommandJob,
  options: IsolatedOptions,
): Promise<CommandOutcome> {
  const board = CallBoard.create();
  const input: JobWorkerInput = { job, board: board.buffer };
  const worker = new Worker(WORKER_URL, {
    workerData: input,
    ...(options.execArgv ? { execArgv: options.execArgv } : {}),
  });
  return await new Promise<CommandOutcome>((resolve) => {
    new WorkerWatch(job, worker, board, options, resolve);
  });
}
