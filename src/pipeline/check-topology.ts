/**
 * The front half of every command: load the file and its imports, load plugins (`--plugin` and
 * `use` lines), resolve to IR, run the named checks, apply severity overrides. Never throws for
 * bad input: every problem is a diagnostic.
 */
import { dirname, resolve as resolvePath } from "node:path";
import { checkTopology as checkFiles } from "../checks/check-topology.js";
import { applySeverityOverrides, type SeverityOptions } from "../checks/runner.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { IrTopology } from "../ir/types.js";
import { guardRegistry } from "../lowering/plugin-guard.js";
import { builtinRegistry } from "../plugin-host/builtins.js";
import { loadPlugins, type PluginRequest } from "../plugin-host/load.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import type { SourceFile } from "../syntax/ast.js";
import { loadWorkspace, type LoadedWorkspace } from "../workspace/loader.js";

export interface CheckTopologyOptions {
  /** `--plugin` specifiers, resolved against `cwd`. */
  plugins?: readonly string[];
  severity?: SeverityOptions;
  cwd?: string;
  /** An existing registry to extend (tests, the language server); default: the built-ins. */
  registry?: PluginRegistry;
  /** The files of `path`, when already loaded (the CLI reads them once to see `use` lines). */
  workspace?: LoadedWorkspace;
}

export interface CheckedTopology {
  files: SourceFile[];
  sources: Map<string, string>;
  /** Absent when the root file could not be read. */
  ir?: IrTopology;
  diagnostics: Diagnostic[];
  registry: PluginRegistry;
  /** The severity overrides applied, kept so later phases (lowering) apply the same ones. */
  severity: SeverityOptions;
}

const EMPTY_SEVERITY: SeverityOptions = { disable: new Set(), warn: new Set(), error: new Set() };

export async function checkTopology(
  path: string,
  options: CheckTopologyOptions = {},
): Promise<CheckedTopology> {
  const cwd = options.cwd ?? process.cwd();
  const severity = options.severity ?? EMPTY_SEVERITY;
  const registry = options.registry ?? builtinRegistry();
  const early: Diagnostic[] = [];

  early.push(
    ...(await loadPlugins(
      (options.plugins ?? []).map((specifier) => ({ specifier, baseDir: cwd })),
      registry,
    )),
  );
  const workspace = options.workspace ?? loadWorkspace(path, cwd);
  for (const d of workspace.diagnostics) early.push(d);

  const uses: PluginRequest[] = [];
  for (const file of workspace.files) {
    const dir = dirname(resolvePath(cwd, file.file));
    for (const s of file.statements) {
      if (s.kind === "use")
        uses.push({ specifier: s.specifier, baseDir: dir, span: s.specifierSpan });
    }
  }
  early.push(...(await loadPlugins(uses, registry)));

  const result: CheckedTopology = {
    files: workspace.files,
    sources: workspace.sources,
    diagnostics: [],
    registry,
    severity,
  };
  if (workspace.files.length === 0) {
    result.diagnostics = applySeverityOverrides(early, [], severity);
    return result;
  }
  // Checks call plugins (validate, capabilities): through the guard, so garbage is a diagnostic.
  const checked = checkFiles(workspace.files, guardRegistry(registry), severity, early);
  result.ir = checked.ir;
  result.diagnostics = checked.diagnostics;
  return result;
}
