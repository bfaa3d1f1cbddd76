/**
 * The whole checking pipeline for loaded files: resolve to IR, then run every named check,
 * with severity overrides applied to every phase's diagnostics (loader and syntax included).
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { IrTopology } from "../ir/types.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import { capDiagnostics, nameLengthDiagnostics } from "../semantics/limits.js";
import { resolve } from "../semantics/resolve.js";
import type { SourceFile } from "../syntax/ast.js";
import { CHECK_IMPLEMENTATIONS } from "./impl/index.js";
import {
  applySeverityOverrides,
  emptySeverityOptions,
  runChecks,
  unknownCheckNames,
  type SeverityOptions,
} from "./runner.js";

export interface CheckTopologyResult {
  ir: IrTopology;
  diagnostics: Diagnostic[];
}

export function checkTopology(
  files: SourceFile[],
  plugins: PluginRegistry,
  options: SeverityOptions = emptySeverityOptions(),
  earlier: readonly Diagnostic[] = [],
): CheckTopologyResult {
  const resolved = resolve(files, plugins);
  const before = applySeverityOverrides(
    [
      ...earlier,
      ...nameLengthDiagnostics(files),
      ...resolved.diagnostics,
      ...unknownCheckNames(files),
    ],
    files,
    options,
  );
  const checked = runChecks({
    ir: resolved.ir,
    files,
    plugins,
    implementations: CHECK_IMPLEMENTATIONS,
    prior: before,
    options,
  });
  return { ir: resolved.ir, diagnostics: capDiagnostics([...before, ...checked]) };
}
