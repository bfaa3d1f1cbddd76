/**
 * The project configuration: `vcm.config.json`, or the `"vcm"` key of a `package.json`, found
 * upwards from the top-level topology. It is what a project trusts: the third-party plugins it
 * lists may run (a topology's `use` line alone never runs anything), and its directory is the
 * project root that `import` may not leave. The search stops at the first directory holding
 * either, or at a repository root (a directory with `.git`), or at the file-system root.
 *
 * ```json
 * { "plugins": ["./tools/my-format.js", "vcm-plugin-foo"] }
 * ```
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, constants } from "node:fs";
import { dirname, join } from "node:path";
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { fileSpan, type Span } from "../diagnostics/span.js";
import { jsonPointer, parseJsonWithSpans, type JsonPath } from "../diagnostics/json-span.js";
import { displayNameOf } from "./loader.js";

export const CONFIG_FILE = "vcm.config.json";
/** A configuration is a short list; anything bigger is not one. */
const MAX_CONFIG_BYTES = 1024 * 1024;

export interface ConfiguredPlugin {
  /** As written: a path (relative to the configuration's directory) or a package name. */
  specifier: string;
  /** The entry in the configuration file. */
  span: Span;
}

export interface ProjectConfig {
  /** The configuration file, absolute; absent when none was found. */
  file?: string;
  /** Its directory (the project root); absent when none was found. */
  dir?: string;
  plugins: ConfiguredPlugin[];
  diagnostics: Diagnostic[];
}

/**
 * Read a small regular file, or say why not. Opened non-blocking and checked with fstat on the
 * open descriptor, so a FIFO or a device named like a configuration neither blocks nor is read.
 */
function readSmallFile(path: string): { text: string } | { problem: string } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return { problem: `cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { problem: "it is not a regular file" };
    if (st.size > MAX_CONFIG_BYTES) {
      return {
        problem: `it is ${st.size} bytes; a configuration may be at most ${MAX_CONFIG_BYTES}`,
      };
    }
    const bytes = Buffer.alloc(st.size);
    let done = 0;
    while (done < bytes.length) {
      const n = readSync(fd, bytes, done, bytes.length - done, done);
      if (n === 0) break;
      done += n;
    }
    return {
      text: bytes
        .subarray(0, done)
        .toString("utf8")
        .replace(/^\uFEFF/, ""),
    };
  } catch (e) {
    return { problem: `cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
  } finally {
    closeSync(fd);
  }
}

/** The `plugins` list of a configuration object found at `base` (a path inside the file). */
function readSettings(
  value: unknown,
  base: JsonPath,
  at: (path: JsonPath) => Span,
  where: string,
  config: ProjectConfig,
): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    config.diagnostics.push(diagnostic(D.configInvalid.messages.notObject, at(base), { where }));
    return;
  }
  for (const key of Object.keys(value)) {
    if (key !== "plugins" && key !== "$schema") {
      config.diagnostics.push(
        diagnostic(D.configInvalid.messages.unknownSetting, at([...base, key]), { where, key }),
      );
    }
  }
  const plugins = (value as Record<string, unknown>).plugins;
  if (plugins === undefined) return;
  if (!Array.isArray(plugins)) {
    config.diagnostics.push(
      diagnostic(D.configInvalid.messages.pluginsNotList, at([...base, "plugins"]), {
        pointer: jsonPointer([...base, "plugins"]),
      }),
    );
    return;
  }
  plugins.forEach((p, i) => {
    const path = [...base, "plugins", i];
    if (typeof p !== "string" || p.trim() === "") {
      config.diagnostics.push(
        diagnostic(D.configInvalid.messages.pluginNotString, at(path), {
          pointer: jsonPointer(path),
        }),
      );
    } else {
      config.plugins.push({ specifier: p, span: at(path) });
    }
  });
}

/** Read one candidate file; undefined when it is a package.json without a "vcm" key. */
function readCandidate(file: string, cwd: string): ProjectConfig | undefined {
  const name = displayNameOf(file, cwd);
  const isPackage = file.endsWith("package.json");
  const config: ProjectConfig = { file, dir: dirname(file), plugins: [], diagnostics: [] };
  const read = readSmallFile(file);
  if ("problem" in read) {
    if (isPackage) return undefined;
    config.diagnostics.push(
      diagnostic(D.configInvalid.messages.unusable, fileSpan(name), {
        file: name,
        why: read.problem,
      }),
    );
    return config;
  }
  const parsed = parseJsonWithSpans(name, read.text);
  if (!parsed.ok) {
    // A broken package.json is only ours to report when it looks like it configures VCM.
    if (isPackage && !read.text.includes('"vcm"')) return undefined;
    const why = parsed.message;
    config.diagnostics.push(diagnostic(D.configInvalid, parsed.span, { file: name, why }));
    return config;
  }
  const at = (path: JsonPath) => parsed.spans.at(path);
  if (isPackage) {
    const v = parsed.value;
    if (typeof v !== "object" || v === null || !Object.hasOwn(v, "vcm")) return undefined;
    readSettings(
      (v as Record<string, unknown>).vcm,
      ["vcm"],
      at,
      `the "vcm" key of '${name}'`,
      config,
    );
  } else {
    readSettings(parsed.value, [], at, `'${name}'`, config);
  }
  return config;
}

/** The configuration governing a topology in `startDir` (an absolute directory). */
export function findProjectConfig(startDir: string, cwd: string = process.cwd()): ProjectConfig {
  for (let dir = startDir; ;) {
    for (const candidate of [join(dir, CONFIG_FILE), join(dir, "package.json")]) {
      if (!existsSync(candidate)) continue;
      const found = readCandidate(candidate, cwd);
      if (found) return found;
    }
    const parent = dirname(dir);
    if (parent === dir || existsSync(join(dir, ".git"))) break;
    dir = parent;
  }
  return { plugins: [], diagnostics: [] };
}
