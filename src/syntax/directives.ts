/**
 * `// vcm: ACTION CHECK...` comments: per-file severity changes for named checks (ACTION
 * disable, warn or error), or one line's findings silenced (disable-line: the comment's own
 * line, a trailing comment; disable-next-line: the line after the comment). CHECK is a kebab
 * check name or a code (VCM0123); several may follow, separated by spaces or commas; ` -- `
 * starts a free-text reason.
 */
import type { IToken } from "chevrotain";
import type { Directive } from "./ast.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { LineTable } from "../diagnostics/span.js";
import { D, diagnostic } from "../diagnostics/catalogue.js";
import { tokenSpan } from "./spans.js";

const DIRECTIVE = /^\/\/[ \t]*vcm:[ \t]*(\S*)[ \t]*(.*?)[ \t]*$/;
const CHECK_NAME = /^(?:[a-z0-9]+(?:-[a-z0-9]+)*|VCM[0-9]{4})$/;
/** What a directive may say, in the order an editor offers them. */
export const DIRECTIVE_ACTIONS: readonly Directive["action"][] = [
  "disable",
  "warn",
  "error",
  "disable-line",
  "disable-next-line",
];
const ACTIONS: ReadonlySet<string> = new Set(DIRECTIVE_ACTIONS);

export function readDirectives(
  tokens: readonly IToken[],
  lines: LineTable,
  diagnostics: Diagnostic[],
): Directive[] {
  const out: Directive[] = [];
  for (const t of tokens) {
    const span = tokenSpan(lines, t);

    const m = DIRECTIVE.exec(t.image);
    const action = m?.[1] ?? "";
    if (!ACTIONS.has(action)) {
      diagnostics.push(diagnostic(D.badDirective, span, { action }));
      continue;
    }
    const names = (m?.[2] ?? "")
      .replace(/(?:^|\s)--(?:\s.*)?$/, "")
      .split(/[\s,]+/)
      .filter((n) => n.length > 0);
    if (names.length === 0) {
      diagnostics.push(diagnostic(D.badDirective.messages.noCheck, span, { action }));
      continue;
    }
    for (const check of names) {
      if (!CHECK_NAME.test(check)) {
        diagnostics.push(diagnostic(D.badDirective.messages.notACheck, span, { check }));
        continue;
      }
      const line =
        action === "disable-line"
          ? span.line
          : action === "disable-next-line"
            ? span.line + 1
            : undefined;
      out.push({
        action: action as Directive["action"],
        check,
        span,
        ...(line !== undefined ? { line } : {}),
      });
    }
  }
  return out;
}
