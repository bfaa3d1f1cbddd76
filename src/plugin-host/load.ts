/**
 * Loads third-party driver plugins: a file path (`./my-plugin.js`) or a package name, from the
 * command line (`--plugin`, relative to the working directory) or the project configuration
 * (relative to its directory). Loading runs the module's code, so only those two, never a
 * topology's `use` line, are loaded (see `allowed-plugins.ts`). A module must export a
 * VcmPlugin as `default` or as `plugin`.
 */
import { existsSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import { PLUGIN_API_VERSION, type VcmPlugin } from "../plugin-api/types.js";
import { PluginApiVersionError, PluginConflictError, type PluginRegistry } from "./registry.js";

const REQUIRED_FUNCTIONS = [
  "capabilities",
  "create",
  "map",
  "unmap",
  "registers",
  "walk",
  "leaves",
  "tables",
  "describe",
] as const;

/** What is wrong with `value` as a plugin, or undefined when it is a valid one. */
export function pluginShapeProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return "it exports no plugin object";
  const p = value as Record<string, unknown>;
  if (typeof p.name !== "string" || !/^[a-z][a-z0-9-]*$/.test(p.name)) {
    return "`name` must be a lower-case format name such as `my-format`";
  }
  if (typeof p.version !== "string") return "`version` must be a string";
  if (typeof p.apiVersion !== "number") return "`apiVersion` must be a number";
  if (p.apiVersion !== PLUGIN_API_VERSION) {
    return `it targets plugin API ${String(p.apiVersion)}; this VCM provides API ${PLUGIN_API_VERSION}`;
  }
  if (typeof p.params !== "object" || p.params === null) return "`params` must be a schema object";
  for (const f of REQUIRED_FUNCTIONS) {
    if (typeof p[f] !== "function") return `\`${f}\` must be a function`;
  }
  return undefined;
}

/** The file a specifier names, found without running anything (throws when there is none). */
export function resolveSpecifier(specifier: string, baseDir: string): string {
  // A path that exists is a file, even without `./` (as users type it on a command line).
  if (
    specifier.startsWith(".") ||
    isAbsolute(specifier) ||
    existsSync(resolve(baseDir, specifier))
  ) {
    return resolve(baseDir, specifier);
  }
  return createRequire(join(baseDir, "__vcm_resolve__.js")).resolve(specifier);
}

export interface PluginRequest {
  specifier: string;
  /** Directory that relative specifiers and package lookups start from. */
  baseDir: string;
  /** The `use` line, when the request comes from a topology. */
  span?: Span;
}

/** Load each request into `registry`; problems become diagnostics (never exceptions). */
export async function loadPlugins(
  requests: readonly PluginRequest[],
  registry: PluginRegistry,
): Promise<Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const req of requests) {
    const fail = (d: Diagnostic) => diagnostics.push(d);
    const specifier = { specifier: req.specifier };
    let path: string;
    try {
      path = resolveSpecifier(req.specifier, req.baseDir);
    } catch {
      fail(diagnostic(D.pluginLoadFailed, req.span, specifier));
      continue;
    }
    // One file reached twice (--plugin and the configuration, a symbolic link) is one plugin.
    try {
      path = realpathSync(path);
    } catch {
      // Not there: the import below says so.
    }
    if (seen.has(path)) continue;
    seen.add(path);
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (e) {
      const why = e instanceof Error ? e.message.split("\n")[0] : String(e);
      fail(diagnostic(D.pluginLoadFailed.messages.threw, req.span, { ...specifier, why }));
      continue;
    }
    const candidate = mod.default ?? mod.plugin;
    const problem = pluginShapeProblem(candidate);
    if (problem) {
      fail(diagnostic(D.pluginInvalid, req.span, { ...specifier, problem }));
      continue;
    }
    try {
      registry.register(candidate as VcmPlugin, path);
    } catch (e) {
      if (e instanceof PluginConflictError) {
        const { pluginName: plugin, firstOrigin: first, secondOrigin: second } = e;
        fail(diagnostic(D.pluginConflict, req.span, { plugin, first, second }));
      } else if (e instanceof PluginApiVersionError) {
        const { pluginName: plugin, origin, targeted, provided } = e;
        fail(
          diagnostic(D.pluginInvalid.messages.apiVersion, req.span, {
            plugin,
            origin,
            targeted,
            provided,
          }),
        );
      } else {
        throw e;
      }
    }
  }
  return diagnostics;
}
