/**
 * The work of `vcm compile`: check, lower, write. It runs in the CLI's own thread when only
 * built-in plugins are involved, and in a worker thread under a watchdog when third-party code
 * is (./isolated-compile.ts), so its input and result are plain, cloneable data.
 */
import { applySeverityOverrides } from "../checks/severity.js";
import { fsErrorText, OutputError } from "../compile/output-target.js";
import { WriteInterrupted, writeCompileOutputAsync } from "../compile/write-output.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { formatBytes } from "../diagnostics/format.js";
import { spanToPlain } from "../diagnostics/span.js";
import type { CompiledTopology } from "../lowering/compiled.js";
import { pluginFailure } from "../lowering/diagnostics.js";
import { lower } from "../lowering/lower.js";
import { PluginContractError, PluginThrewError, type CallWatch } from "../lowering/plugin-guard.js";
import { checkTopology } from "../pipeline/check-topology.js";
import type { LoadedWorkspace } from "../workspace/loader.js";
import { severityFromFlags } from "./check-command.js";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UNREADABLE_INPUT_CODES } from "./exit.js";

export interface CompileJob {
  file: string;
  output: string;
  format: "default" | "c" | "dts";
  force: boolean;
  plugins: string[];
  warn: string[];
  error: string[];
  cwd: string;
  /** `--root`: the project root imports stay inside. */
  root?: string;
  /** false with `--no-config`. */
  config?: boolean;
}

export interface CompileOutcome {
  exitCode: number;
  /** Spans are plain (they cross a thread boundary). */
  diagnostics: Diagnostic[];
  sources: Map<string, string>;
  stdout: string;
  stderr: string;
  /** The signal that stopped the write (the CLI re-raises it). */
  signal?: string;
}

export interface JobHooks {
  progress?: (done: number, total: number, label: string) => void;
  watch?: CallWatch;
  /** Polled between write steps: a signal name stops the write cleanly. */
  interrupted?: () => string | undefined;
  /** Catch SIGINT / SIGTERM around the write (only where this thread receives signals). */
  catchSignals?: boolean;
  /** The sources, as soon as they are read (for code frames if the job never returns). */
  onSources?: (sources: Map<string, string>) => void;
  /** The topology's files, when the caller already read them. */
  workspace?: LoadedWorkspace;
}

export function plainDiagnostic(d: Diagnostic): Diagnostic {
  const out: Diagnostic = { ...d };
  if (d.span) out.span = spanToPlain(d.span);
  if (d.related) out.related = d.related.map((r) => ({ ...r, span: spanToPlain(r.span) }));
  return out;
}

/** Run `write` with SIGINT / SIGTERM turned into a clean stop between two write steps. */
async function withSignalsCaught(
  write: (interrupted: () => string | undefined) => Promise<void>,
): Promise<string | undefined> {
  let caught: string | undefined;
  const on = (signal: NodeJS.Signals) => {
    caught ??= signal;
  };
  process.on("SIGINT", on);
  process.on("SIGTERM", on);
  try {
    await write(() => caught);
  } finally {
    process.off("SIGINT", on);
    process.off("SIGTERM", on);
  }
  return caught;
}

/** The span a failure in the output writer is reported at: the mapper of the plugin's format. */
function writerSpan(compiled: CompiledTopology, plugin: string) {
  return compiled.ir.mappers.find((m) => m.format === plugin)?.span ?? compiled.ir.mappers[0]?.span;
}

export async function runCompileJob(
  job: CompileJob,
  hooks: JobHooks = {},
): Promise<CompileOutcome> {
  const severity = severityFromFlags(job.warn, job.error);
  const checked = await checkTopology(job.file, {
    plugins: job.plugins,
    severity,
    cwd: job.cwd,
    ...(job.root !== undefined ? { root: job.root } : {}),
    config: job.config !== false,
    ...(hooks.workspace ? { workspace: hooks.workspace } : {}),
  });
  hooks.onSources?.(checked.sources);
  const outcome: CompileOutcome = {
    exitCode: EXIT_OK,
    diagnostics: checked.diagnostics.map(plainDiagnostic),
    sources: checked.sources,
    stdout: "",
    stderr: "",
  };
  const hasErrors = (ds: readonly Diagnostic[]) => ds.some((d) => d.severity === "error");
  if (!checked.ir || hasErrors(checked.diagnostics)) {
    const unreadable = checked.diagnostics.some((d) => UNREADABLE_INPUT_CODES.has(d.code));
    outcome.exitCode = unreadable ? EXIT_USAGE : EXIT_FAILED;
    return outcome;
  }
  const result = lower(checked.ir, checked.registry, {
    ...(hooks.progress ? { progress: hooks.progress } : {}),
    ...(hooks.watch ? { watch: hooks.watch } : {}),
  });
  const lowered = applySeverityOverrides(result.diagnostics, checked.files, severity);
  for (const d of lowered) outcome.diagnostics.push(plainDiagnostic(d));
  if (!result.compiled || hasErrors(lowered)) {
    outcome.exitCode = EXIT_FAILED;
    return outcome;
  }
  const compiled = result.compiled;
  hooks.watch?.subject?.(`writing '${job.output}'`, compiled.ir.mappers[0]?.span);
  const write = (interrupted: () => string | undefined) =>
    writeCompileOutputAsync(
      compiled,
      job.output,
      {
        format: job.format,
        force: job.force,
        inputFile: job.file,
        cwd: job.cwd,
        sources: checked.sources,
      },
      {
        interrupted,
        ...(hooks.progress ? { progress: (p) => hooks.progress!(p.done, p.total, p.label) } : {}),
      },
    );
  try {
    if (hooks.catchSignals) outcome.signal = await withSignalsCaught(write);
    else await write(hooks.interrupted ?? (() => undefined));
  } catch (e) {
    if (e instanceof WriteInterrupted) {
      outcome.signal = e.signal;
      outcome.stderr = `vcm: ${e.message}; '${job.output}' left as it was\n`;
      outcome.exitCode = EXIT_FAILED;
      return outcome;
    }
    if (e instanceof PluginContractError || e instanceof PluginThrewError) {
      const d = pluginFailure(e, `writing '${job.output}'`, writerSpan(compiled, e.plugin));
      outcome.diagnostics.push(plainDiagnostic(d));
      outcome.exitCode = EXIT_FAILED;
      return outcome;
    }
    const why = e instanceof OutputError ? e.message : fsErrorText(e);
    outcome.stderr = `vcm: cannot write '${job.output}': ${why}\n`;
    outcome.exitCode = EXIT_USAGE;
    return outcome;
  }
  const pools = compiled.pools.map((p) => `${p.name} ${formatBytes(p.usedBytes)} used`).join(", ");
  outcome.stdout =
    `wrote ${job.output}: ${compiled.tables.length} table(s), ${compiled.mappings.length} ` +
    `mapping(s); pools: ${pools}\n`;
  return outcome;
}
