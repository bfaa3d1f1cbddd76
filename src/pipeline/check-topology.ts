/**
 * The front half of every command (and of a language server): find the project configuration,
 * load the plugins it and `--plugin` allow, load the file and its imports inside the project
 * root, judge each `use` line, resolve to IR, run the named checks, apply severity overrides.
 * Never throws for bad input: every problem is a diagnostic. Nothing named only by the topology
 * runs (docs/SECURITY.md).
 */
import { dirname, resolve as resolvePath } from "node:path";
import type { CheckCost } from "../checks/check.js";
import { checkTopology as checkFiles } from "../checks/check-topology.js";
import type { CheckOutcome } from "../checks/runner.js";
import { applySeverityOverrides, type SeverityOptions } from "../checks/severity.js";
import { D } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { IrTopology } from "../ir/types.js";
import { guardRegistry, type CallWatch } from "../lowering/plugin-guard.js";
import { builtinRegistry } from "../plugin-host/builtins.js";
import { AllowedPlugins } from "../plugin-host/allowed-plugins.js";
import { loadPlugins, type PluginRequest } from "../plugin-host/load.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import type { IncrementalResolver } from "../semantics/incremental.js";
import type { SourceFile } from "../syntax/ast.js";
import { loadWorkspace, type LoadedWorkspace } from "../workspace/loader.js";
import { findProjectConfig, type ProjectConfig } from "../workspace/project-config.js";

export interface CheckTopologyOptions {
  /** `--plugin` specifiers, resolved against `cwd`. */
  plugins?: readonly string[];
  severity?: SeverityOptions;
  cwd?: string;
  /** An existing registry to extend (tests, the language server); default: the built-ins. */
  registry?: PluginRegistry;
  /** The files of `path`, when already loaded (the CLI reads them once to see `use` lines). */
  workspace?: LoadedWorkspace;
  /** `--root`: the directory imports may not leave (default: the configuration's, or the file's). */
  root?: string;
  /** false (`--no-config`): ignore project configuration files; only `--plugin` is trusted. */
  config?: boolean;
  /**
   * The most expensive checks to run: "cheap" reads the topology only (what a language server
   * runs on every change), "needs-plugins" also asks the format plugins; default: every check.
   */
  cost?: CheckCost;
  /** Told which plugin call is active (a watchdog in another thread reads it). */
  watch?: CallWatch;
  /**
   * Resolves through this, reusing what the files have in common with its last call (the
   * language server keeps one per document).
   */
  resolver?: IncrementalResolver;
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
  /** The project root that imports stayed inside (absolute). */
  root: string;
  /** The configuration file in force (absolute), if any. */
  configFile?: string;
  /** Each check's status: passed, failed or skipped (and why); empty when nothing was checked. */
  checks: CheckOutcome[];
}

/**
 * The project configuration governing `path` and the project root its imports stay inside, as
 * `checkTopology` uses them (a caller loading the workspace itself passes the same root).
 */
export function projectOf(
  path: string,
  options: Pick<CheckTopologyOptions, "cwd" | "root" | "config"> = {},
): { config: ProjectConfig; root: string } {
  const cwd = options.cwd ?? process.cwd();
  const topDir = dirname(resolvePath(cwd, path));
  const config: ProjectConfig =
    options.config === false ? { plugins: [], diagnostics: [] } : findProjectConfig(topDir, cwd);
  const root = options.root ? resolvePath(cwd, options.root) : (config.dir ?? topDir);
  return { config, root };
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
  const { config, root } = projectOf(path, options);
  early.push(...config.diagnostics);

  // Only the invocation and the project configuration say which third-party code may run.
  const trusted: PluginRequest[] = [
    ...(options.plugins ?? []).map((specifier) => ({ specifier, baseDir: cwd })),
    ...config.plugins.map((p) => ({ specifier: p.specifier, baseDir: config.dir!, span: p.span })),
  ];
  const allowed = new AllowedPlugins();
  for (const r of trusted) allowed.allow(r.specifier, r.baseDir);
  for (const d of await loadPlugins(trusted, registry)) early.push(d);

  // A workspace loaded by the caller must have been loaded with `projectOf(...).root`.
  const workspace = options.workspace ?? loadWorkspace(path, cwd, { root });
  for (const d of workspace.diagnostics) early.push(d);

  let refused = false;
  for (const file of workspace.files) {
    const baseDir = dirname(resolvePath(cwd, file.file));
    // Indexed: run once per file, unoptimised, `for of` would make an object per statement.
    for (let i = 0; i < file.statements.length; i++) {
      const s = file.statements[i]!;
      if (s.kind !== "use") continue;
      const verdict = allowed.judge(
        { specifier: s.specifier, baseDir, span: s.specifierSpan },
        { ...(config.file ? { configFile: config.file } : {}), root, cwd },
      );
      if (!verdict) continue;
      if (verdict.code === D.pluginNotAllowed.code) refused = true;
      early.push(verdict);
    }
  }

  const result: CheckedTopology = {
    files: workspace.files,
    sources: workspace.sources,
    diagnostics: [],
    checks: [],
    registry,
    severity,
    root,
    ...(config.file ? { configFile: config.file } : {}),
  };
  if (workspace.files.length === 0) {
    result.diagnostics = applySeverityOverrides(early, [], severity);
    return result;
  }
  // Checks call plugins (validate, capabilities): through the guard, so garbage is a diagnostic.
  const run = {
    ...(options.cost ? { cost: options.cost } : {}),
    ...(options.resolver ? { resolve: incrementally(options.resolver, registry) } : {}),
  };
  const checked = checkFiles(
    workspace.files,
    guardRegistry(registry, options.watch),
    severity,
    early,
    run,
  );
  result.checks = checked.checks;
  result.ir = checked.ir;
  result.diagnostics = refused ? skipUnknownFormats(checked.diagnostics) : checked.diagnostics;
  return result;
}

/** Resolution through `resolver`, the plugins identified by `registry`'s entries (unguarded). */
function incrementally(resolver: IncrementalResolver, registry: PluginRegistry) {
  const identity = registry.all().flatMap((e) => [e.plugin, e.origin]);
  return (files: SourceFile[], plugins: PluginRegistry) =>
    resolver.resolve(files, plugins, identity);
}

/**
 * With a plugin refused, a format no loaded plugin provides may well be that plugin's: its
 * mapper is not checked (a note), rather than failed. The refusal itself is the error.
 */
function skipUnknownFormats(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.map((d) =>
    d.check === D.unknownFormat.name && d.severity === "error"
      ? {
          ...d,
          severity: "note",
          message: `${d.message}; not checked, as a plugin named by a \`use\` line was not loaded (${D.pluginNotAllowed.code})`,
        }
      : d,
  );
}
