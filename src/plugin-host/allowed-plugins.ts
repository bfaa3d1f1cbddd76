/**
 * Which third-party plugins may run. Loading a plugin runs its code, so a topology cannot ask
 * for that on its own (linting a file from a pull request must be safe, as ESLint loads plugins
 * from its configuration, never from the linted file): a plugin runs only when the invocation
 * (`--plugin`) or the project configuration names it. A `use` line names a plugin the topology
 * needs; it is satisfied by an allowed one and otherwise reported, never loaded.
 */
import { realpathSync } from "node:fs";
import { isAbsolute, join, relative, sep } from "node:path";
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import { displayNameOf } from "../workspace/loader.js";
import { CONFIG_FILE } from "../workspace/project-config.js";
import { resolveSpecifier } from "./load.js";

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

export interface UseLine {
  specifier: string;
  /** The directory of the topology file holding the line. */
  baseDir: string;
  span: Span;
}

export interface AllowAdvice {
  /** The configuration file in force, if any (absolute). */
  configFile?: string;
  /** Where a new vcm.config.json would go: the project root. */
  root: string;
  cwd: string;
}

export class AllowedPlugins {
  private readonly files = new Set<string>();

  /** Allow the module `specifier` names, seen from `baseDir` (one that cannot be found is skipped). */
  allow(specifier: string, baseDir: string): void {
    try {
      this.files.add(realOrSelf(resolveSpecifier(specifier, baseDir)));
    } catch {
      // Not found: its load reports it.
    }
  }

  /**
   * Undefined when `use` names an allowed (hence already loaded) plugin; otherwise the
   * diagnostic at the line: not found (VCM0020), or found but not allowed (VCM0023).
   */
  judge(use: UseLine, advice: AllowAdvice): Diagnostic | undefined {
    let file: string;
    try {
      file = resolveSpecifier(use.specifier, use.baseDir);
    } catch {
      return diagnostic(D.pluginLoadFailed, use.span, { specifier: use.specifier });
    }
    if (this.files.has(realOrSelf(file))) return undefined;
    // A package (`vcm-plugin-foo`, `@scope/foo`) is advised by name, a file by its path.
    const isPath =
      use.specifier.startsWith(".") ||
      isAbsolute(use.specifier) ||
      !file.split(sep).includes("node_modules");
    const configDir = advice.configFile ? join(advice.configFile, "..") : advice.root;
    const entry = isPath ? relativeEntry(configDir, file) : use.specifier;
    const where = advice.configFile
      ? `add ${JSON.stringify(entry)} to the "plugins" list of ${displayNameOf(advice.configFile, advice.cwd)}`
      : `create ${displayNameOf(join(advice.root, CONFIG_FILE), advice.cwd)} holding { "plugins": [${JSON.stringify(entry)}] }`;
    const trust = isPath ? commandLinePath(displayNameOf(file, advice.cwd)) : use.specifier;
    return diagnostic(
      D.pluginNotAllowed,
      use.span,
      { specifier: use.specifier },
      { hint: `to trust it, pass --plugin ${trust} or ${where}` },
    );
  }
}

/** `./x/plugin.js` as a configuration in `dir` would list `file`. */
function relativeEntry(dir: string, file: string): string {
  const rel = relative(dir, file).split(sep).join("/");
  return rel.startsWith(".") ? rel : `./${rel}`;
}

/** A path as typed on a command line: `./x.js` rather than `x.js`, which reads as a package. */
function commandLinePath(display: string): string {
  return isAbsolute(display) || display.startsWith(".") ? display : `./${display}`;
}
