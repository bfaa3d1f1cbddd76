/**
 * The library's `run`: prove every endpoint of a topology from its table bytes, as `vcm run`
 * does. The tables are compiled afresh, taken from an earlier `compile`, or loaded from a
 * `vcm compile` output directory (`tables`). A topology with errors gives no report.
 */
import { loadCompiled } from "../compile/load-compiled.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { CompiledTopology } from "../lowering/compiled.js";
import { guardRegistry } from "../lowering/plugin-guard.js";
import {
  relocateRequested,
  type RelocationDone,
  type RelocationRequest,
} from "../lowering/relocation.js";
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
  /**
   * Prove the tables with a pool moved to another base, as a boot image relocates them
   * (`vcm run --relocate-to`, docs/FIRMWARE.md); scenarios are not played then.
   */
  relocateTo?: RelocationRequest;
}

export interface RunResult {
  /** Diagnostics of checking and lowering; the proof needs a topology without errors. */
  diagnostics: Diagnostic[];
  /** The proof (docs/RUN-REPORT.md); absent when the topology has errors. */
  report?: RunReport;
  /** With `relocateTo`: what was moved. */
  relocated?: RelocationDone;
}

function isCompilation(input: string | CheckedTopology | Compilation): input is Compilation {
  return typeof input === "object" && "checked" in input;
}

function hasError(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** The tables a proof or an explanation reads, and how the topology checked. */
export interface TablesOf {
  checked: CheckedTopology;
  /** Absent when the topology has errors (or does not lower). */
  compiled?: CompiledTopology;
  /** Diagnostics of checking and lowering (of checking only, for `tables`). */
  diagnostics: Diagnostic[];
}

/**
 * Check `input` when it is a path, then compile it afresh or load `options.tables`, as `run`
 * and `vcm explain` do. Throws `TablesLoadError` (or the I/O error) when `tables` cannot be
 * loaded.
 */
export async function tablesOf(
  input: string | CheckedTopology | Compilation,
  options: Omit<RunOptions, "jobs"> = {},
): Promise<TablesOf> {
  if (isCompilation(input)) {
    const { checked, compiled, diagnostics } = input;
    return { checked, diagnostics, ...(compiled ? { compiled } : {}) };
  }
  const { tables, progress, ...rest } = options;
  progress?.(0, 0, "checking");
  const checked = typeof input === "string" ? await checkTopology(input, rest) : input;
  if (!checked.ir || hasError(checked.diagnostics)) {
    return { checked, diagnostics: checked.diagnostics };
  }
  if (tables !== undefined) {
    const registry = guardRegistry(checked.registry, rest.watch);
    rest.watch?.subject?.(`loading the tables of '${tables}'`);
    const compiled = loadCompiled(tables, checked.ir, registry);
    return { checked, compiled, diagnostics: checked.diagnostics };
  }
  progress?.(0, 0, "building tables");
  const { compiled, diagnostics } = await compileTopology(checked, {
    ...(rest.watch ? { watch: rest.watch } : {}),
  });
  return { checked, diagnostics, ...(compiled ? { compiled } : {}) };
}

/**
 * `input`: a path, the result of `check`, or of `compile`. Throws for caller mistakes only: an
 * unknown endpoint or scenario name, a `relocateTo` naming no pool with tables
 * (`RelocationRequestError`), or a `tables` directory that cannot be loaded
 * (`TablesLoadError` or the I/O error, with a message naming the problem).
 */
export async function runTopology(
  input: string | CheckedTopology | Compilation,
  options: RunOptions = {},
): Promise<RunResult> {
  const { jobs = 1, relocateTo, ...rest } = options;
  const tables = await tablesOf(input, rest);
  const { checked, diagnostics } = tables;
  let compiled = tables.compiled;
  const ir = checked.ir;
  if (!compiled || !ir || hasError(diagnostics)) return { diagnostics };
  let relocated: RelocationDone | undefined;
  if (relocateTo) {
    const moved = relocateRequested(compiled, relocateTo);
    if (!("compiled" in moved)) return { diagnostics: [...diagnostics, ...moved.diagnostics] };
    compiled = moved.compiled;
    relocated = moved.done;
    // The scenario model re-lowers at the built addresses: only the moved state is proved.
    rest.scenarios = false;
  }
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
  // Watched (a worker's watchdog reads which call is active): every call through the guard,
  // in this thread, where the watch sees it.
  const registry = rest.watch ? guardRegistry(checked.registry, rest.watch) : checked.registry;
  rest.watch?.subject?.("proving the endpoints from the table bytes");
  const report = await verifyParallel(compiled, ir, registry, {
    ...rest,
    jobs: rest.watch ? 1 : jobs,
  });
  return { diagnostics, report, ...(relocated ? { relocated } : {}) };
}
