/**
 * The VCM library, `import { check, compile, run, explain } from "vcm"` (docs/API.md). The same
 * functions the `vcm` command is built from: load and parse, check, compile (in memory or to a
 * directory), run (the proof's report object), explain, the plugin registry and the printers.
 */
export { VCM_VERSION } from "./version.js";

// Load and parse.
export { parseSource, type ParseResult } from "./syntax/parse.js";
export { loadWorkspace, displayNameOf, type LoadedWorkspace } from "./workspace/loader.js";
export type { SourceFile } from "./syntax/ast.js";

// Format (docs/FORMAT.md; the Prettier plugin is `vcm/prettier`).
export { formatVcm, VcmFormatError, type FormatOptions } from "./format/index.js";

// Check: diagnostics.
export {
  checkTopology as check,
  type CheckTopologyOptions as CheckOptions,
  type CheckedTopology,
} from "./pipeline/check-topology.js";
export { emptySeverityOptions, type SeverityOptions } from "./checks/severity.js";
export { listChecks, findCheck } from "./checks/registry.js";
export type { CheckDefinition } from "./checks/definition.js";
export type { CheckCost } from "./checks/check.js";
export type { CheckOutcome, CheckStatus, SkipReason } from "./checks/runner.js";
export type { Diagnostic, Severity, RelatedInformation } from "./diagnostics/diagnostic.js";
export type { Span } from "./diagnostics/span.js";
export { formatText, useColor, type TextPrintOptions } from "./diagnostics/printers/text.js";
export {
  formatJson,
  JSON_REPORT_VERSION,
  type JsonDiagnostic,
} from "./diagnostics/printers/json.js";
export { formatSarif } from "./diagnostics/printers/sarif.js";
export { irToJson } from "./ir/serialize.js";
export type { IrTopology } from "./ir/types.js";

// Compile: page tables in memory, and the output directory.
export {
  compileTopology as compile,
  type CompileOptions,
  type Compilation,
} from "./pipeline/compile-topology.js";
export {
  writeCompileOutput,
  loadCompiled,
  readManifest,
  TablesLoadError,
  MANIFEST_VERSION,
  cHeader,
  type CompileOutputOptions,
  type Manifest,
} from "./compile/index.js";
export { lower, type LowerResult } from "./lowering/lower.js";
export type { CompiledTopology } from "./lowering/compiled.js";

// Run: the proof from the bytes, and the walk of one address.
export {
  runTopology as run,
  tablesOf,
  type RunOptions,
  type RunResult,
  type TablesOf,
} from "./pipeline/run-topology.js";
export type { CallWatch } from "./lowering/plugin-guard.js";
export {
  verify,
  verifyParallel,
  explain,
  runReportText,
  runReportJson,
  explainText,
  explainJson,
  runExitCode,
  RUN_REPORT_VERSION,
  type VerifyOptions,
  type ParallelOptions,
  type ExplainResult,
  type ExplainTableWalk,
} from "./runtime/index.js";
export type * from "./runtime/report.js";

// Device trees in and out, and the reachability diff (docs/DEVICETREE.md).
export { readFdt, type FdtResult, type FdtProblem } from "./devicetree/fdt-reader.js";
export { writeFdt } from "./devicetree/fdt-writer.js";
export { DtNode, type DeviceTree, type DtProperty } from "./devicetree/tree.js";
export { readDeviceTreeFile, type DeviceTreeInput } from "./devicetree/read-input.js";
export {
  importDeviceTree,
  type ImportOptions as ImportDeviceTreeOptions,
  type ImportResult as ImportDeviceTreeResult,
} from "./devicetree/import.js";
export { dtsOverlay, type DtsOverlayOptions } from "./compile/dts-overlay.js";
export {
  diffCompiled,
  type ReachDiff,
  type EndpointDiff,
  type RangeChange,
  type PageSizeChange,
} from "./diff/reach-diff.js";
export { diffText, diffJson } from "./diff/report.js";

// Driver plugins: the registry one compilation uses (writing a plugin: `vcm/plugin-api`).
export { PluginRegistry, PluginConflictError, type PluginEntry } from "./plugin-host/registry.js";
export { builtinRegistry, BUILTIN_PLUGINS } from "./plugin-host/builtins.js";
export { loadPlugins, pluginShapeProblem, type PluginRequest } from "./plugin-host/load.js";
export { PLUGIN_API_VERSION, type VcmPlugin } from "./plugin-api/types.js";
