/**
 * The whole checking pipeline for loaded files: resolve to IR, then run the checks, with
 * severity overrides applied to every phase's diagnostics (loader and syntax included).
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { IrTopology } from "../ir/types.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import { capDiagnostics, nameLengthDiagnostics } from "../semantics/limits.js";
import { resolve, type ResolveResult } from "../semantics/resolve.js";
import type { SourceFile } from "../syntax/ast.js";
import type { CheckCost } from "./check.js";
import { CHECKS } from "./impl/index.js";
import { runChecks, type CheckOutcome } from "./runner.js";
import { findEntry } from "../diagnostics/catalogue.js";
import {
  SeverityPolicy,
  emptySeverityOptions,
  unknownCheckNames,
  type SeverityOptions,
} from "./severity.js";

export interface CheckTopologyResult {
  ir: IrTopology;
  diagnostics: Diagnostic[];
  /** Each check's status (passed / failed / skipped, and why), in the order they ran. */
  checks: CheckOutcome[];
}

export interface CheckRunOptions {
  /**
   * The most expensive checks to run: "cheap" (the IR only, for a language server on every
   * change), "needs-plugins" (asks the format plugins) or "needs-lowering" (default: all).
   */
  cost?: CheckCost;
  /** Resolution to use instead of `resolve` (an incremental one); must give the same result. */
  resolve?: (files: SourceFile[], plugins: PluginRegistry) => ResolveResult;
}

export function checkTopology(
  files: SourceFile[],
  plugins: PluginRegistry,
  options: SeverityOptions = emptySeverityOptions(),
  earlier: readonly Diagnostic[] = [],
  run: CheckRunOptions = {},
): CheckTopologyResult {
  const resolved = (run.resolve ?? resolve)(files, plugins);
  // Prerequisites are judged on what was found, before overrides change how it is shown.
  const found = [
    ...earlier,
    ...nameLengthDiagnostics(files),
    ...resolved.diagnostics,
    ...unknownCheckNames(files),
  ];
  const policy = new SeverityPolicy(files, options);
  const checked = runChecks({
    ir: resolved.ir,
    files,
    plugins,
    checks: CHECKS,
    prior: found,
    options,
    policy,
    ...(run.cost ? { cost: run.cost } : {}),
  });
  const before = policy.apply(found);
  // A line directive is unused only if its check ran: earlier phases always do; a check on
  // the IR may have been skipped (cost, prerequisites); later phases have not run yet.
  const status = new Map(checked.outcomes.map((o) => [o.check, o.status]));
  const ran = (name: string) => {
    const s = status.get(name);
    if (s !== undefined) return s !== "skipped";
    const phase = findEntry(name)?.phase;
    return phase !== "lower" && phase !== "run";
  };
  return {
    ir: resolved.ir,
    diagnostics: capDiagnostics([
      ...before,
      ...checked.diagnostics,
      ...policy.unusedLineDirectives(ran),
    ]),
    checks: checked.outcomes,
  };
}
