/**
 * The work of `vcm compile`: the library's `compile` (check, lower, write), with the write
 * stopped cleanly by SIGINT / SIGTERM and its failures turned into exit codes and messages.
 */
import { formatBytes } from "../diagnostics/format.js";
import { fsErrorText, OutputError } from "../compile/output-target.js";
import { WriteInterrupted } from "../compile/write-output.js";
import type { IrTopology } from "../ir/types.js";
import { pluginFailure } from "../lowering/diagnostics.js";
import { PluginContractError, PluginThrewError } from "../lowering/plugin-guard.js";
import { checkTopology } from "../pipeline/check-topology.js";
import { compileTopology } from "../pipeline/compile-topology.js";
import { EXIT_FAILED, EXIT_USAGE, exitCodeOf } from "./exit.js";
import { outcome, type CommandOutcome, type CompileJob, type JobHooks } from "./jobs.js";
import { pipelineOptions } from "./project-options.js";
import { severityFromFlags } from "./severity-flags.js";

/**
 * SIGINT / SIGTERM turned into a clean stop between two write steps, armed when writing starts
 * (before that a signal ends the process at once: nothing is written yet).
 */
function signalCatcher(): { arm(): void; disarm(): void; caught(): string | undefined } {
  let caught: string | undefined;
  let armed = false;
  const on = (signal: NodeJS.Signals) => {
    caught ??= signal;
  };
  return {
    arm() {
      if (armed) return;
      armed = true;
      process.on("SIGINT", on);
      process.on("SIGTERM", on);
    },
    disarm() {
      if (!armed) return;
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
    },
    caught: () => caught,
  };
}

/** The span a failure in the output writer is reported at: the mapper of the plugin's format. */
function writerSpan(ir: IrTopology | undefined, plugin: string) {
  const mappers = ir?.mappers ?? [];
  return mappers.find((m) => m.format === plugin)?.span ?? mappers[0]?.span;
}

export async function runCompileJob(
  job: CompileJob,
  hooks: JobHooks = {},
): Promise<CommandOutcome> {
  const severity = severityFromFlags(job.warn, job.error);
  const checked = await checkTopology(job.file, {
    ...pipelineOptions(job),
    severity,
    ...(hooks.watch ? { watch: hooks.watch } : {}),
    ...(hooks.workspace ? { workspace: hooks.workspace } : {}),
  });
  hooks.onSources?.(checked.sources);
  const { sources } = checked;
  // Lowered first, written only when there is no error.
  const signals = hooks.catchSignals ? signalCatcher() : undefined;
  const progress = (done: number, total: number, label: string) => {
    if (label.startsWith("writing")) signals?.arm();
    hooks.progress?.(done, total, label);
  };
  try {
    const compilation = await compileTopology(checked, {
      output: job.output,
      format: job.format,
      relocatable: job.relocatable,
      force: job.force,
      cwd: job.cwd,
      interrupted: signals?.caught ?? hooks.interrupted ?? (() => undefined),
      progress,
      ...(hooks.watch ? { watch: hooks.watch } : {}),
    }).finally(() => signals?.disarm());
    const diagnostics = compilation.diagnostics;
    if (!compilation.ok || !compilation.compiled) {
      return outcome(exitCodeOf(diagnostics) || EXIT_FAILED, { diagnostics, sources });
    }
    const c = compilation.compiled;
    const pools = c.pools.map((p) => `${p.name} ${formatBytes(p.usedBytes)} used`).join(", ");
    return outcome(0, {
      diagnostics,
      sources,
      stdout:
        `wrote ${job.output}: ${c.tables.length} table(s), ${c.mappings.length} ` +
        `mapping(s); pools: ${pools}\n`,
    });
  } catch (e) {
    const diagnostics = checked.diagnostics;
    if (e instanceof WriteInterrupted) {
      return outcome(EXIT_FAILED, {
        diagnostics,
        sources,
        signal: e.signal,
        stderr: `vcm: ${e.message}; '${job.output}' left as it was\n`,
      });
    }
    if (e instanceof PluginContractError || e instanceof PluginThrewError) {
      const d = pluginFailure(e, `writing '${job.output}'`, writerSpan(checked.ir, e.plugin));
      return outcome(EXIT_FAILED, { diagnostics: [...diagnostics, d], sources });
    }
    const why = e instanceof OutputError ? e.message : fsErrorText(e);
    return outcome(EXIT_USAGE, {
      diagnostics,
      sources,
      stderr: `vcm: error: cannot write '${job.output}': ${why}\n`,
    });
  }
}
