/**
 * The worker thread of an isolated compile (./isolated-compile.ts): runs the compile job with
 * every plugin call recorded on the shared call board, and posts the outcome back.
 */
import { parentPort, workerData } from "node:worker_threads";
import { CallBoard } from "./call-board.js";
import { runCompileJob, type CompileJob } from "./compile-job.js";

export interface CompileWorkerInput {
  job: CompileJob;
  board: SharedArrayBuffer;
}

export type CompileWorkerMessage =
  | { kind: "sources"; sources: Map<string, string> }
  | { kind: "progress"; done: number; total: number; label: string }
  | { kind: "outcome"; outcome: Awaited<ReturnType<typeof runCompileJob>> };

const SIGNAL_NAMES: Record<number, string> = { 2: "SIGINT", 15: "SIGTERM" };
const PROGRESS_MS = 100;

async function main(): Promise<void> {
  const input = workerData as CompileWorkerInput;
  const board = new CallBoard(input.board);
  const post = (m: CompileWorkerMessage) => parentPort!.postMessage(m);
  let lastProgress = 0;
  let writing = false;
  const outcome = await runCompileJob(input.job, {
    watch: board.watch(),
    onSources: (sources) => {
      // Checking (plugin modules loaded, validate(), capabilities()) is over: no call active.
      board.leave();
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
  post({ kind: "outcome", outcome });
}

void main();
