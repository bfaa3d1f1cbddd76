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
  let sources = new Map<string, string>();
  const failed = (d: Diagnostic, signal?: string): CommandOutcome => ({
    exitCode: EXIT_FAILED,
    diagnostics: [d],
    sources,
    stdout: "",
    stderr: "",
    ...(signal ? { signal } : {}),
  });

  return await new Promise<CommandOutcome>((resolve) => {
    let settled = false;
    let lastSeq = -1;
    let since = performance.now();
    let stopAt: number | undefined;
    let stopSignal: string | undefined;
    const settle = (o: CommandOutcome, ended: boolean) => {
      if (settled) return;
      settled = true;
      clearInterval(tick);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      const finish = () => {
        // A worker ended mid-write leaves temporary siblings: remove them now.
        if (ended && job.kind === "compile") {
          try {
            cleanStaleSiblings(outputNames(job.output, process.pid));
          } catch {
            // The next run cleans what could not be removed now.
          }
        }
        resolve(o);
      };
      if (ended) void worker.terminate().then(finish, finish);
      else finish();
    };
    const onSignal = (signal: NodeJS.Signals) => {
      stopSignal ??= signal;
      if (board.writing()) {
        // Between two write steps the worker stops and removes what it made.
        board.requestAbort(SIGNAL_NUMBERS[signal] ?? 15);
        stopAt ??= performance.now() + STOP_GRACE_MS;
      } else {
        settle(
          { exitCode: EXIT_FAILED, diagnostics: [], sources, stdout: "", stderr: "", signal },
          true,
        );
      }
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const tick = setInterval(() => {
      const now = performance.now();
      if (stopAt !== undefined && now > stopAt) {
        settle(
          {
            exitCode: EXIT_FAILED,
            diagnostics: [],
            sources,
            stdout: "",
            stderr: "",
            signal: stopSignal!,
          },
          true,
        );
        return;
      }
      const { seq, inCall } = board.state();
      if (!inCall || seq !== lastSeq) {
        lastSeq = seq;
        since = now;
        return;
      }
      if (now - since < options.timeoutMs) return;
      const a = board.active();
      const said = D.pluginTimeout.messages;
      const budget = seconds(options.timeoutMs);
      const span = a?.span ?? fileStart(firstFile(job));
      const timeout =
        a?.origin === "loading"
          ? diagnostic(said.loading, span, { call: a.call, budget, plugin: a.plugin })
          : diagnostic(D.pluginTimeout, span, {
              who: a
                ? text(said.plugin, { plugin: a.plugin, origin: a.origin })
                : text(said.anyPlugin),
              budget,
              call: a?.call ?? text(said.anyCall),
              what: a?.what ? text(said.what, { what: a.what }) : "",
            });
      settle(failed(timeout), true);
    }, TICK_MS);
    worker.on("message", (m: JobWorkerMessage) => {
      if (m.kind === "sources") sources = m.sources;
      else if (m.kind === "progress") options.progress?.(m.done, m.total, m.label);
      else settle(m.outcome, false);
    });
    const died = (why: string) => {
      const a = board.active();
      const during =
        a && a.origin !== "loading" ? text(D.pluginWorkerFailed.messages.during, a) : "";
      const what = a?.what ? text(D.pluginTimeout.messages.what, { what: a.what }) : "";
      const span = a?.span ?? fileStart(firstFile(job));
      settle(failed(diagnostic(D.pluginWorkerFailed, span, { during, what, why })), true);
    };
    worker.on("error", (e) => died(e.message));
    worker.on("exit", (code) => died(text(D.pluginWorkerFailed.messages.threadExited, { code })));
  });
}
