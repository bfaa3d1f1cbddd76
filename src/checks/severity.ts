/**
 * Severity overrides: `-W no-NAME` (disable), `-W NAME` (warn), `-E NAME` (error) on the
 * command line, and `// vcm: disable|warn|error NAME` directives. The command line wins over a
 * directive; a directive in the root file applies to every file, one in an imported file to
 * diagnostics in that file only. `// vcm: disable-line NAME` and `disable-next-line NAME`
 * drop the findings of NAME that start on one line of their file (over the file's directives;
 * the command line still wins); one that drops nothing, although its check ran, is reported
 * (`unused-directive`). `fixed` diagnostics keep their severity. As in dtc, raising a
 * check to an error raises what it needs first (transitively): a check that must hold cannot
 * be skipped silently because a prerequisite it depends on was lowered or turned off.
 */
import { D, catalogueEntries, diagnostic, findEntry } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { didYouMean } from "../diagnostics/suggest.js";
import type { Directive, SourceFile } from "../syntax/ast.js";
import { prerequisiteName } from "./check.js";
import { CHECKS } from "./impl/index.js";

export interface SeverityOptions {
  disable: Set<string>;
  warn: Set<string>;
  error: Set<string>;
}

export function emptySeverityOptions(): SeverityOptions {
  return { disable: new Set(), warn: new Set(), error: new Set() };
}

type Action = "disable" | "warn" | "error";

/** A line-scoped directive and whether it has dropped a finding yet. */
interface LineDirective {
  directive: Directive;
  /** The catalogue name of the check it names. */
  name: string;
  used: boolean;
}

/** Name -> the names it needs first, for every registered check. */
const NEEDS = new Map(CHECKS.map((c) => [c.entry.name, c.needs.map(prerequisiteName)]));

/** Sets every prerequisite of a check raised to error to error, transitively. */
function raisePrerequisites(actions: Map<string, Action>): void {
  const stack = [...actions].filter(([, a]) => a === "error").map(([name]) => name);
  while (stack.length > 0)
    for (const p of NEEDS.get(stack.pop()!) ?? [])
      if (actions.get(p) !== "error") {
        actions.set(p, "error");
        stack.push(p);
      }
}

/** The overrides of one run, resolved once from the options and the files' directives. */
export class SeverityPolicy {
  private readonly global = new Map<string, Action>();
  private readonly perFile = new Map<string, Map<string, Action>>();
  private readonly cli = new Map<string, Action>();
  /** `file\nline` -> the line-scoped directives silencing findings there. */
  private readonly lines = new Map<string, LineDirective[]>();

  constructor(files: readonly SourceFile[], options: SeverityOptions) {
    files.forEach((f, i) => {
      for (const d of f.directives) {
        const entry = findEntry(d.check);
        if (!entry) continue;
        if (d.line !== undefined) {
          const key = `${f.file}\n${d.line}`;
          const list = this.lines.get(key) ?? [];
          list.push({ directive: d, name: entry.name, used: false });
          this.lines.set(key, list);
          continue;
        }
        if (d.action !== "disable" && d.action !== "warn" && d.action !== "error") continue;
        let map = this.global;
        if (i > 0) {
          map = this.perFile.get(f.file) ?? new Map<string, Action>();
          this.perFile.set(f.file, map);
        }
        map.set(entry.name, d.action);
      }
    });
    const addCli = (names: Set<string>, action: Action) => {
      for (const n of names) {
        const entry = findEntry(n);
        if (entry) this.cli.set(entry.name, action);
      }
    };
    addCli(options.disable, "disable");
    addCli(options.warn, "warn");
    addCli(options.error, "error");
    raisePrerequisites(this.global);
    for (const map of this.perFile.values()) raisePrerequisites(map);
    raisePrerequisites(this.cli);
  }

  /** Whether a check is turned off everywhere (so it need not run at all). */
  isDisabled(name: string): boolean {
    if (findEntry(name)?.fixed) return false;
    return (this.cli.get(name) ?? this.global.get(name)) === "disable";
  }

  /** The diagnostics with their overrides applied; disabled ones dropped. */
  apply(diagnostics: readonly Diagnostic[]): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const d of diagnostics) {
      if (findEntry(d.check)?.fixed) {
        out.push(d);
        continue;
      }
      const action =
        this.cli.get(d.check) ??
        this.silencedLine(d) ??
        (d.span ? this.perFile.get(d.span.file)?.get(d.check) : undefined) ??
        this.global.get(d.check);
      if (action === "disable") continue;
      // A skip note stays a note when its check is merely re-graded.
      if (action === undefined || d.severity === "note") out.push(d);
      else out.push({ ...d, severity: action === "warn" ? "warning" : "error" });
    }
    return out;
  }

  /** "disable" when a line-scoped directive names `d`'s check on the line `d` starts on. */
  private silencedLine(d: Diagnostic): Action | undefined {
    if (this.lines.size === 0 || !d.span) return undefined;
    const here = this.lines.get(`${d.span.file}\n${d.span.line}`);
    const match = here?.find((l) => l.name === d.check);
    if (!match) return undefined;
    match.used = true;
    return "disable";
  }

  /**
   * `unused-directive` for each line-scoped directive that has dropped nothing although its
   * check ran (`ran` says which did: a check skipped, or of a later phase, may yet fire).
   * Reported through this policy, so it can be silenced like any other.
   */
  unusedLineDirectives(ran: (name: string) => boolean): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const list of this.lines.values())
      for (const l of list) {
        if (l.used || !ran(l.name)) continue;
        const { action, check, span, line } = l.directive;
        out.push(diagnostic(D.unusedDirective, span, { action, check, name: l.name, line: line! }));
      }
    return this.apply(out);
  }
}

/** Applies severity changes (see SeverityPolicy). */
export function applySeverityOverrides(
  diagnostics: readonly Diagnostic[],
  files: readonly SourceFile[],
  options: SeverityOptions,
): Diagnostic[] {
  return new SeverityPolicy(files, options).apply(diagnostics);
}

/** Directives that name no known check: a warning with a suggestion. */
export function unknownCheckNames(files: readonly SourceFile[]): Diagnostic[] {
  const names = catalogueEntries().map((d) => d.name);
  const out: Diagnostic[] = [];
  for (const f of files)
    for (const d of f.directives)
      if (!findEntry(d.check)) {
        const hint = didYouMean(d.check, names);
        const args = { action: d.action, check: d.check };
        out.push(diagnostic(D.unknownCheck, d.span, args, hint ? { hint } : {}));
      }
  return out;
}
