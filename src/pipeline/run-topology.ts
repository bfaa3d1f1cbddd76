/**
 * The library's `run`: prove every endpoint of a topology from its table bytes, as `vcm run`
 * does. The tables are compiled afresh, taken from an earlier `compile`, or loaded from a
 * `vcm compile` output directory (`tables`). A topology with errors gives no report.
 */
import { loadCompiled } from "../compile/load-compiled.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { CompiledTopology } from "../lowering/compiled.js";
import { verifyParallel, type ParallelOptions } from "../runtime/parallel.js";
import type { RunReport } from "../runtime/report.js";
import { checkTopology, type CheckedTopology } from "./check-topology.js";
import { compileTopology, type Compilation, type CompileOptions } from "./compile-topology.js";

export interface RunOptions
  extends Omit<CompileOptions, "output" | "format">, Omit<ParallelOptions, "jobs"> {
  /** Prove this `vcm compile` output directory instead of compiling afresh. */
  tables?: string;
  /** Threads to prove endpoints on (default 1; see `vcm run --jobs`). */
  jobs?: number;
}

export interface RunResult {
  /** Diagnostics of checking and lowering; the proof needs a topology without errors. */
  diagnostics: Diagnostic[];
  /** The proof (docs/RUN-REPORT.md); absent when the topology has errors. */
  report?: RunReport;
}

function isCompilation(input: string | CheckedTopology | Compilation): input is Compilation {
  return typeof input === "object" && "checked" in input;
}

function hasError(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/**
 * `input`: a path, the result of `check`, or of `compile`. Throws for caller mistakes only: an
 * unknown endpoint or scenario name, or a `tables` directory that cannot be loaded
 * (`TablesLoadError` or the I/O error, with a message naming the problem).
 */
export async function runTopology(
  input: string | CheckedTopology | Compilation,
  options: RunOptions = {},
): Promise<RunResult> {
  const { tables, jobs = 1, ...rest } = options;
  let checked: CheckedTopology;
  let compiled: CompiledTopology | undefined;
  let diagnostics: Diagnostic[];
  if (isCompilation(input)) {
    ({ checked, compiled, diagnostics } = input);
  } else {
    checked = typeof input === "string" ? await checkTopology(input, rest) : input;
    diagnostics = checked.diagnostics;
    if (tables !== undefined && checked.ir && !hasError(diagnostics)) {
      compiled = loadCompiled(tables, checked.ir, checked.registry);
    } else {
      ({ compiled, diagnostics } = await compileTopology(checked));
    }
  }
  const ir = checked.ir;
  if (!compiled || !ir || hasError(diagnostics)) return { diagnostics };
  const unknown = (kind: string, wanted: readonly string[] | undefined, known: string[]) => {
    const missing = (wanted ?? []).find((name) => !known.includes(name));
    if (missing !== undefined) throw new Error(`no ${kind} named '${missing}'`);
  };
  unknown(
    "endpoint",
    rest.endpoints,
    ir.endpoints.map((e) => e.name),
  );
  unknown(
    "scenario",
    rest.scenarioNames,
    ir.scenarios.map((s) => s.name),
  );
  const report = await verifyParallel(compiled, ir, checked.registry, { ...rest, jobs });
  return { diagnostics, report };
}
