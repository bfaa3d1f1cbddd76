/**
 * The work of the topology commands (check, compile, run, explain) as jobs: plain, cloneable
 * input and output, so the same job runs in the CLI's own thread (built-in plugins only) or in
 * a worker thread under a watchdog when third-party code is involved (./isolated-job.ts). Each
 * job is a thin client of the library (src/pipeline/*): it calls what `import ... from "vcm"`
 * offers and turns the result into an exit code and text.
 */
import type { OutputFormat } from "../compile/firmware.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { CallWatch } from "../lowering/plugin-guard.js";
import type { LoadedWorkspace } from "../workspace/loader.js";

/** What every job shares: the topology and the trust options (docs/SECURITY.md). */
export interface ProjectJob {
  plugins: string[];
  warn: string[];
  error: string[];
  cwd: string;
  /** `--root`: the project root imports stay inside. */
  root?: string;
  /** false with `--no-config`. */
  config?: boolean;
  /** Whether the text the job prints may be coloured. */
  color: boolean;
}

export interface CheckJob extends ProjectJob {
  kind: "check";
  files: string[];
  format: "text" | "json" | "sarif";
  emitIr: boolean;
}

export interface CompileJob extends ProjectJob {
  kind: "compile";
  file: string;
  output: string;
  format: OutputFormat[];
  relocatable: boolean;
  force: boolean;
}

export interface ProveOptions {
  tables?: string;
  json: boolean;
}

export interface RunJob extends ProjectJob, ProveOptions {
  kind: "run";
  file: string;
  scenario: string[];
  scenarios: boolean;
  endpoint: string[];
  maxFailures: number;
  jobs: number;
  html?: string;
  /** `--relocate-to [POOL=]ADDR`: prove the tables of that pool moved to ADDR. */
  relocateTo?: { pool?: string; base: bigint };
}

export interface ExplainJob extends ProjectJob, ProveOptions {
  kind: "explain";
  file: string;
  endpoint: string;
  addresses: bigint[];
}

export type CommandJob = CheckJob | CompileJob | RunJob | ExplainJob;

/** What a job leaves for the CLI to print, in this order: diagnostics, stderr, stdout. */
export interface CommandOutcome {
  exitCode: number;
  /** Printed to stderr (spans are plain when they cross a thread boundary). */
  diagnostics: Diagnostic[];
  sources: Map<string, string>;
  stdout: string;
  stderr: string;
  /** The signal that stopped a write (the CLI re-raises it). */
  signal?: string;
}

export interface JobHooks {
  progress?: (done: number, total: number, label: string) => void;
  watch?: CallWatch;
  /** Polled between write steps: a signal name stops the write cleanly. */
  interrupted?: () => string | undefined;
  /** Catch SIGINT / SIGTERM around the write (only where this thread receives signals). */
  catchSignals?: boolean;
  /** The sources, as soon as they are read; loading and checking are then over. */
  onSources?: (sources: Map<string, string>) => void;
  /** The topology's files, when the caller already read them. */
  workspace?: LoadedWorkspace;
}

export function outcome(exitCode: number, more: Partial<CommandOutcome> = {}): CommandOutcome {
  return { exitCode, diagnostics: [], sources: new Map(), stdout: "", stderr: "", ...more };
}

/** The job's own work, in this thread. */
export async function runJob(job: CommandJob, hooks: JobHooks = {}): Promise<CommandOutcome> {
  switch (job.kind) {
    case "check":
      return (await import("./check-job.js")).runCheckJob(job, hooks);
    case "compile":
      return (await import("./compile-job.js")).runCompileJob(job, hooks);
    case "run":
      return (await import("./prove-job.js")).runRunJob(job, hooks);
    case "explain":
      return (await import("./prove-job.js")).runExplainJob(job, hooks);
  }
}
