/** The work of `vcm check`: the library's `check` per file, printed as asked. */
import { listChecks } from "../checks/registry.js";
import { DiagnosticCollector } from "../diagnostics/collector.js";
import { formatJson } from "../diagnostics/printers/json.js";
import { formatSarif } from "../diagnostics/printers/sarif.js";
import { irToJson } from "../ir/serialize.js";
import { checkTopology } from "../pipeline/check-topology.js";
import { VCM_VERSION } from "../version.js";
import { exitCodeOf } from "./exit.js";
import { outcome, type CheckJob, type CommandOutcome, type JobHooks } from "./jobs.js";
import { pipelineOptions } from "./project-options.js";
import { severityFromFlags } from "./severity-flags.js";

export async function runCheckJob(job: CheckJob, hooks: JobHooks = {}): Promise<CommandOutcome> {
  const severity = severityFromFlags(job.warn, job.error);
  const collector = new DiagnosticCollector();
  const sources = new Map<string, string>();
  let ir = "";
  for (const file of job.files) {
    const result = await checkTopology(file, {
      ...pipelineOptions(job),
      severity,
      ...(hooks.watch ? { watch: hooks.watch } : {}),
    });
    collector.addAll(result.diagnostics);
    for (const [k, v] of result.sources) sources.set(k, v);
    if (job.emitIr && result.ir) ir += irToJson(result.ir) + "\n";
  }
  hooks.onSources?.(sources);
  // Printers read the collector's stable order: by file, position, then code.
  const diagnostics = collector.sorted();
  const exitCode = exitCodeOf(diagnostics);
  // Text diagnostics go to stderr (printed by the CLI); JSON and SARIF are the command's
  // result, on stdout, unless --emit-ir makes the IR the result.
  if (job.format === "text") return outcome(exitCode, { diagnostics, sources, stdout: ir });
  const report =
    job.format === "json"
      ? formatJson(diagnostics, job.files, VCM_VERSION)
      : formatSarif(diagnostics, listChecks(), VCM_VERSION, { srcRoot: job.cwd });
  return job.emitIr
    ? outcome(exitCode, { stdout: ir, stderr: report })
    : outcome(exitCode, { stdout: report });
}
