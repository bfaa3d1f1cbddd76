/**
 * Runs check implementations, in the style of dtc's checks.c: each implementation names its
 * CheckDefinition; a check whose prerequisite reported an error is skipped (with a note saying
 * so); a check that throws becomes an `internal-error` diagnostic instead of a crash. Severity
 * overrides from options and file directives are applied to every diagnostic by check name.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { fileSpan, type Span } from "../diagnostics/span.js";
import type { IrTopology } from "../ir/types.js";
import type { Capabilities, ParamSchema } from "../plugin-api/types.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import { didYouMean } from "../semantics/suggest.js";
import type { SourceFile } from "../syntax/ast.js";
import {
  diagnosticOf,
  findCheck,
  getCheck,
  listChecks,
  type DiagnosticDetails,
} from "./registry.js";

export interface CheckContext {
  ir: IrTopology;
  files: SourceFile[];
  plugins: PluginRegistry;
  report(span: Span | undefined, message: string, details?: DiagnosticDetails): void;
  /** The capabilities of a mapper's plugin, or undefined if the plugin is unknown or fails. */
  capabilities(mapper: string): Capabilities | undefined;
}

export interface CheckImplementation {
  /** The CheckDefinition name this implementation reports under. */
  check: string;
  run(context: CheckContext): void;
}

/** `-W no-NAME` (disable), `-W NAME` (warn), `-E NAME` (error); names or codes. */
export interface SeverityOptions {
  disable: Set<string>;
  warn: Set<string>;
  error: Set<string>;
  /**
   * One note per check skipped because a prerequisite failed (`vcm check --verbose`). Default:
   * none; the prerequisite's first error says how many were skipped.
   */
  verbose?: boolean;
}

export function emptySeverityOptions(): SeverityOptions {
  return { disable: new Set(), warn: new Set(), error: new Set() };
}

export interface RunChecksInput {
  ir: IrTopology;
  files: SourceFile[];
  plugins: PluginRegistry;
  implementations: readonly CheckImplementation[];
  /** Diagnostics of earlier phases (already overridden), for prerequisites. */
  prior?: readonly Diagnostic[];
  options?: SeverityOptions;
}

/** Runs the implementations in code order; returns their diagnostics, overrides applied. */
export function runChecks(input: RunChecksInput): Diagnostic[] {
  const { ir, files, plugins } = input;
  const options = input.options ?? emptySeverityOptions();
  const firstError = new Map<string, Diagnostic>();
  const noteErrors = (ds: readonly Diagnostic[]) => {
    for (const d of ds)
      if (d.severity === "error" && !firstError.has(d.check)) firstError.set(d.check, d);
  };
  noteErrors(input.prior ?? []);

  const capsCache = new Map<string, Capabilities | undefined>();
  const capabilities = (mapperName: string): Capabilities | undefined => {
    if (capsCache.has(mapperName)) return capsCache.get(mapperName);
    let caps: Capabilities | undefined;
    const mapper = ir.mappers.find((m) => m.name === mapperName);
    const plugin = mapper ? plugins.get(mapper.format) : undefined;
    if (mapper && plugin && paramsComplete(plugin.params, mapper.params)) {
      try {
        caps = plugin.capabilities(mapper.params);
        if (!Array.isArray(caps?.pageSizes)) caps = undefined;
      } catch {
        caps = undefined;
      }
    }
    capsCache.set(mapperName, caps);
    return caps;
  };

  const order = new Map(listChecks().map((d, i) => [d.name, i]));
  const sorted = [...input.implementations].sort(
    (a, b) => (order.get(a.check) ?? 1e9) - (order.get(b.check) ?? 1e9),
  );
  const rootSpan = fileSpan(files[0]?.file ?? "<input>");
  const out: Diagnostic[] = [];
  const skippedBy = new Map<string, number>();
  for (const impl of sorted) {
    const def = getCheck(impl.check);
    const failed = (def.prerequisites ?? []).find((p) => firstError.has(p));
    if (failed !== undefined && !options.verbose) {
      if (!options.disable.has(def.name) && !options.disable.has(def.code)) {
        skippedBy.set(failed, (skippedBy.get(failed) ?? 0) + 1);
      }
      continue;
    }
    if (failed !== undefined) {
      out.push(
        ...applySeverityOverrides(
          [
            {
              code: def.code,
              check: def.name,
              severity: "note",
              message: `check '${def.name}' skipped: its prerequisite '${failed}' reported errors`,
              span: firstError.get(failed)!.span ?? rootSpan,
            },
          ],
          files,
          options,
        ),
      );
      continue;
    }
    const mine: Diagnostic[] = [];
    const context: CheckContext = {
      ir,
      files,
      plugins,
      capabilities,
      report: (span, message, details) => mine.push(diagnosticOf(def.name, span, message, details)),
    };
    try {
      impl.run(context);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      mine.push(diagnosticOf("internal-error", rootSpan, `check '${def.name}' failed: ${message}`));
    }
    const final = applySeverityOverrides(mine, files, options);
    noteErrors(final);
    for (const d of final) out.push(d);
  }
  // A failed check says, once, what it kept from running (not one note per skipped check).
  for (const [check, n] of skippedBy) {
    const d = firstError.get(check)!;
    const said = `${n} check${n === 1 ? "" : "s"} that need${n === 1 ? "s" : ""} it ${n === 1 ? "was" : "were"} skipped; --verbose lists them`;
    // Set, not appended: the same diagnostics may go through the runner again.
    const base = d.hint?.replace(SKIPPED_HINT, "");
    d.hint = base ? `${base} (${said})` : said;
  }
  return out;
}

/**
 * Whether resolution filled every parameter that has a default (a key written with a bad value
 * is left out): plugins are only asked for capabilities on complete parameters.
 */
function paramsComplete(schema: ParamSchema, params: Readonly<Record<string, unknown>>): boolean {
  for (const [key, spec] of Object.entries(schema))
    if ((spec.default !== undefined || spec.required || spec.type === "flag") && !(key in params))
      return false;
  return true;
}

/** The part of a hint `runChecks` wrote about skipped checks (bare, or in brackets). */
const SKIPPED_HINT = / ?\(?\d+ checks? that needs? it (was|were) skipped; --verbose lists them\)?$/;

type Action = "disable" | "warn" | "error";

/**
 * Applies severity changes. Order: file directives, then command-line options (the command
 * line wins). A directive in the root file applies to every file; one in an imported file
 * applies to diagnostics in that file only. `fixed` checks keep their severity.
 */
export function applySeverityOverrides(
  diagnostics: readonly Diagnostic[],
  files: readonly SourceFile[],
  options: SeverityOptions,
): Diagnostic[] {
  const global = new Map<string, Action>();
  const perFile = new Map<string, Map<string, Action>>();
  files.forEach((f, i) => {
    for (const d of f.directives) {
      const def = findCheck(d.check);
      if (!def) continue;
      if (i === 0) global.set(def.name, d.action);
      else {
        let m = perFile.get(f.file);
        if (!m) perFile.set(f.file, (m = new Map()));
        m.set(def.name, d.action);
      }
    }
  });
  const cli = new Map<string, Action>();
  const addCli = (names: Set<string>, action: Action) => {
    for (const n of names) {
      const def = findCheck(n);
      if (def) cli.set(def.name, action);
    }
  };
  addCli(options.disable, "disable");
  addCli(options.warn, "warn");
  addCli(options.error, "error");

  const out: Diagnostic[] = [];
  for (const d of diagnostics) {
    const def = findCheck(d.check);
    if (def?.fixed) {
      out.push(d);
      continue;
    }
    const action =
      cli.get(d.check) ??
      (d.span ? perFile.get(d.span.file)?.get(d.check) : undefined) ??
      global.get(d.check);
    if (action === "disable") continue;
    // A skip note stays a note when its check is merely re-graded.
    if (action === undefined || d.severity === "note") out.push(d);
    else out.push({ ...d, severity: action === "warn" ? "warning" : "error" });
  }
  return out;
}

/** Directives (and CLI names) that name no known check: a warning with a suggestion. */
export function unknownCheckNames(files: readonly SourceFile[]): Diagnostic[] {
  const names = listChecks().map((d) => d.name);
  const out: Diagnostic[] = [];
  for (const f of files)
    for (const d of f.directives)
      if (!findCheck(d.check)) {
        const hint = didYouMean(d.check, names);
        out.push(
          diagnosticOf(
            "unknown-check",
            d.span,
            `'// vcm: ${d.action} ${d.check}' names no known check`,
            hint ? { hint } : {},
          ),
        );
      }
  return out;
}
