/**
 * The work of `vcm run` and `vcm explain`: the library's `check`, then `tablesOf` (compile
 * afresh or load `--tables DIR`), then `run` or the explainer; failures printed as `vcm check`
 * prints diagnostics.
 */
import { TablesLoadError } from "../compile/index.js";
import { hex } from "../diagnostics/format.js";
import { RelocationRequestError } from "../lowering/relocation.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { checkTopology } from "../pipeline/check-topology.js";
import type { Compilation } from "../pipeline/compile-topology.js";
import { runTopology, tablesOf, type TablesOf } from "../pipeline/run-topology.js";
import { runReportHtml } from "../pictures/index.js";
import {
  Explainer,
  explainJsonLine,
  explainText,
  runExitCode,
  runReportJson,
  runReportText,
} from "../runtime/index.js";
import { writeFileAtomic } from "./atomic-file.js";
import {
  EXIT_FAILED,
  EXIT_INTERNAL,
  EXIT_OK,
  EXIT_USAGE,
  exitCodeOf,
  INTERNAL_ERROR_CHECKS,
} from "./exit.js";
import {
  outcome,
  type CommandOutcome,
  type ExplainJob,
  type JobHooks,
  type RunJob,
} from "./jobs.js";
import { pipelineOptions } from "./project-options.js";
import { severityFromFlags } from "./severity-flags.js";

function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** The tables to prove or explain, or the outcome that ends the command (printed why). */
async function prepare(
  job: RunJob | ExplainJob,
  hooks: JobHooks,
): Promise<Required<TablesOf> | CommandOutcome> {
  hooks.progress?.(0, 0, "checking");
  const severity = severityFromFlags(job.warn, job.error);
  const watch = hooks.watch ? { watch: hooks.watch } : {};
  const checked = await checkTopology(job.file, { ...pipelineOptions(job), severity, ...watch });
  hooks.onSources?.(checked.sources);
  const { sources } = checked;
  if (!checked.ir || hasErrors(checked.diagnostics)) {
    const code = exitCodeOf(checked.diagnostics);
    return outcome(code, {
      diagnostics: checked.diagnostics,
      sources,
      stderr:
        code === EXIT_FAILED
          ? "vcm: the topology has errors; fix them before it can be proved\n"
          : "",
    });
  }
  let tables: TablesOf;
  try {
    if (job.tables === undefined) hooks.progress?.(0, 0, "building tables");
    tables = await tablesOf(checked, {
      ...(job.tables !== undefined ? { tables: job.tables } : {}),
      ...watch,
    });
  } catch (e) {
    // Located diagnostics (manifest.json:line:col); no code frame: not a topology source.
    const located = e instanceof TablesLoadError ? e.diagnostics : [];
    const why = e instanceof TablesLoadError ? "" : `: ${e instanceof Error ? e.message : e}`;
    return outcome(EXIT_USAGE, {
      diagnostics: [...checked.diagnostics, ...located],
      sources,
      stderr: `vcm: error: cannot load tables from '${job.tables}'${why}\n`,
    });
  }
  if (!tables.compiled || hasErrors(tables.diagnostics)) {
    return outcome(exitCodeOf(tables.diagnostics) || EXIT_FAILED, {
      diagnostics: tables.diagnostics,
      sources,
      stderr: "vcm: the topology cannot be lowered to page tables\n",
    });
  }
  return { ...tables, compiled: tables.compiled };
}

function isOutcome<T extends object>(x: T | CommandOutcome): x is CommandOutcome {
  return "exitCode" in x;
}

/** A name the topology does not have: a usage error naming it. */
function unknownName(kind: string, wanted: readonly string[], known: Set<string>) {
  const missing = wanted.find((name) => !known.has(name));
  return missing === undefined
    ? undefined
    : outcome(EXIT_USAGE, { stderr: `vcm: error: no ${kind} named '${missing}'\n` });
}

export async function runRunJob(job: RunJob, hooks: JobHooks = {}): Promise<CommandOutcome> {
  const prepared = await prepare(job, hooks);
  if (isOutcome(prepared)) return prepared;
  const { checked, compiled, diagnostics } = prepared;
  const ir = checked.ir!;
  const refused =
    unknownName("scenario", job.scenario, new Set(ir.scenarios.map((s) => s.name))) ??
    unknownName("endpoint", job.endpoint, new Set(ir.endpoints.map((e) => e.name)));
  if (refused) return { ...refused, diagnostics, sources: checked.sources };
  const compilation: Compilation = { checked, compiled, diagnostics, ok: true, written: false };
  let result: Awaited<ReturnType<typeof runTopology>>;
  try {
    result = await proveCompilation(compilation, job, hooks);
  } catch (e) {
    if (!(e instanceof RelocationRequestError)) throw e;
    return outcome(EXIT_USAGE, {
      diagnostics,
      sources: checked.sources,
      stderr: `vcm: error: --relocate-to: ${e.message}\n`,
    });
  }
  if (!result.report) {
    return outcome(exitCodeOf(result.diagnostics) || EXIT_FAILED, {
      diagnostics: result.diagnostics,
      sources: checked.sources,
      stderr: "vcm: the tables cannot be relocated there\n",
    });
  }
  const { report, relocated } = result;
  const print = { color: job.color, sources: checked.sources };
  const moved = relocated
    ? `relocated pool '${relocated.pool}' from ${hex(relocated.from)} to ${hex(relocated.to)}: ` +
      `${relocated.entries} table pointer(s) and ${relocated.registers} register(s) moved; ` +
      `scenarios not played\n`
    : "";
  const out = outcome(
    report.failures.some((f) => INTERNAL_ERROR_CHECKS.has(f.check))
      ? EXIT_INTERNAL
      : runExitCode(report),
    {
      diagnostics,
      sources: checked.sources,
      stdout: job.json ? runReportJson(report, relocated) : moved + runReportText(report, print),
    },
  );
  if (job.html !== undefined) {
    try {
      writeFileAtomic(job.html, await runReportHtml(report, compiled));
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      out.stderr = `vcm: error: cannot write '${job.html}': ${why}\n`;
      out.exitCode = EXIT_USAGE;
    }
  }
  return out;
}

function proveCompilation(compilation: Compilation, job: RunJob, hooks: JobHooks) {
  return runTopology(compilation, {
    jobs: job.jobs,
    scenarios: job.scenarios,
    maxFailures: job.maxFailures,
    ...(job.scenario.length > 0 ? { scenarioNames: job.scenario } : {}),
    ...(job.endpoint.length > 0 ? { endpoints: job.endpoint } : {}),
    ...(hooks.progress ? { progress: hooks.progress } : {}),
    ...(hooks.watch ? { watch: hooks.watch } : {}),
    ...(job.relocateTo ? { relocateTo: job.relocateTo } : {}),
  });
}

export async function runExplainJob(
  job: ExplainJob,
  hooks: JobHooks = {},
): Promise<CommandOutcome> {
  const prepared = await prepare(job, hooks);
  if (isOutcome(prepared)) return prepared;
  const { checked, compiled, diagnostics } = prepared;
  const known = new Set(checked.ir!.endpoints.map((e) => e.name));
  const refused = unknownName("endpoint", [job.endpoint], known);
  if (refused) return { ...refused, diagnostics, sources: checked.sources };
  const explainer = new Explainer(compiled);
  const out: string[] = [];
  let faults = 0;
  for (const address of job.addresses) {
    const result = explainer.explain(job.endpoint, address);
    if (!result.outcome.ok) faults++;
    out.push(job.json ? explainJsonLine(result) : explainText(result));
  }
  return outcome(faults === 0 ? EXIT_OK : EXIT_FAILED, {
    diagnostics,
    sources: checked.sources,
    stdout: out.join(job.json ? "" : "\n"),
  });
}
