/**
 * The worker thread of an isolated command (./isolated-job.ts): runs the job with every plugin
 * call recorded on the shared call board, and posts the outcome back (spans made plain).
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { spanToPlain } from "../diagnostics/span.js";
import { CallBoard } from "./call-board.js";
import { EXIT_INTERNAL } from "./exit.js";
import { runJob, type CommandJob, type CommandOutcome } from "./jobs.js";

export interface JobWorkerInput {
  job: CommandJob;
  board: SharedArrayBuffer;
}

export type JobWorkerMessage =
  | { kind: "sources"; sources: Map<string, string> }
  | { kind: "progress"; done: number; total: number; label: string }
  | { kind: "outcome"; outcome: CommandOutcome };

const failedOutcome: CommandOutcome = {
  exitCode: EXIT_INTERNAL,
  diagnostics: [],
  sources: new Map(),
  stdout: "",
  stderr: "",
};

const SIGNAL_NAMES: Record<number, string> = { 2: "SIGINT", 15: "SIGTERM" };
const PROGRESS_MS = 100;

/** A diagnostic whose spans survive a thread boundary (a TextSpan's offsets become lines). */
export function plainDiagnostic(d: Diagnostic): Diagnostic {
  const out: Diagnostic = { ...d };
  if (d.span) out.span = spanToPlain(d.span);
  if (d.related) out.related = d.related.map((r) => ({ ...r, span: spanToPlain(r.span) }));
  return out;
}

async function main(): Promise<void> {
  const input = workerData as JobWorkerInput;
  const board = new CallBoard(input.board);
  const post = (m: JobWorkerMessage) => parentPort!.postMessage(m);
  // Until the topology is checked, loading plugin modules and checking (which calls plugins'
  // validate() and capabilities()) is watched as one stretch; each call inside it on its own.
  const named = input.job.plugins;
  board.beginPhase(
    named.length > 0 ? named.join(", ") : "(from the project configuration)",
    "loading",
    "loading the plugins and checking the topology",
  );
  let lastProgress = 0;
  let writing = false;
  const outcome = await runJob(input.job, {
    watch: board.watch(),
    onSources: (sources) => {
      board.endPhase();
      post({ kind: "sources", sources });
    },
    progress: (done, total, label) => {
      if (!writing && label.startsWith("writing")) {
        writing = true;
        board.setWriting(true);
      }
      const now = performance.now();
      if (now - lastProgress < PROGRESS_MS) return;
      lastProgress = now;
      post({ kind: "progress", done, total, label });
    },
    interrupted: () => SIGNAL_NAMES[board.abortRequested()],
  });
  board.setWriting(false);
  post({
    kind: "outcome",
    outcome: { ...outcome, diagnostics: outcome.diagnostics.map(plainDiagnostic) },
  });
}

main().catch((e: unknown) => {
  // A bug, not a plugin: plugin failures are diagnostics inside the job.
  const why = e instanceof Error ? e.message : String(e);
  parentPort!.postMessage({
    kind: "outcome",
    outcome: { ...failedOutcome, stderr: `vcm: internal error: ${why}\n` },
  } satisfies JobWorkerMessage);
});
