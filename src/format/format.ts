/**
 * `formatVcm(text)`: the VCM formatter behind `vcm fmt`, the Prettier plugin (`vcm/prettier`)
 * and the language server's formatting. It re-lays the parser's own tokens (never rewriting one,
 * so `0x8000_0000` stays as written), puts every comment back, aligns the columns of
 * consecutive statements of one kind, and then proves it changed nothing that matters: the
 * output must parse to the same AST (spans aside) with the same comments, or it throws rather
 * than return it. Rules: docs/FORMAT.md.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { SourceFile } from "../syntax/ast.js";
import { parseSource } from "../syntax/parse.js";
import { layoutHints } from "./hints.js";
import { commentTexts, lexItems } from "./items.js";
import { Layout, type Line } from "./layout.js";

export interface FormatOptions {
  /** Shown in syntax errors (default `<input>`). */
  file?: string;
  /** Spaces per indentation level (default 2). */
  tabWidth?: number;
  /** Indent with tabs (default false). Columns are always aligned with spaces. */
  useTabs?: boolean;
}

/**
 * Why `formatVcm` refused. `syntax`: the text does not parse; `diagnostics` are the parser's
 * errors (VCM0001-0009) with spans. `internal`: the formatter's output would not have meant
 * the same (a bug in the formatter; the input is left as it was).
 */
export class VcmFormatError extends Error {
  constructor(
    readonly kind: "syntax" | "internal",
    message: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
    this.name = "VcmFormatError";
  }
}

const BOM = "\uFEFF";

/**
 * Format one `.vcm` file's text. Returns the formatted text (lines end in `\n`, the file in one
 * `\n`; a byte-order mark is kept). Throws `VcmFormatError` on a syntax error (kind `syntax`,
 * with the parser's diagnostics) and never returns text that means something else.
 */
export function formatVcm(text: string, options: FormatOptions = {}): string {
  const file = options.file ?? "<input>";
  const bom = text.startsWith(BOM);
  const source = (bom ? text.slice(1) : text).replace(/\r\n?/g, "\n");
  const before = parseClean(source, file);
  const items = lexItems(source);
  const lines = new Layout(items, layoutHints(before, items)).lines();
  const out = render(lines, indentUnit(options));
  verifySameMeaning(before, commentTexts(items), out, file);
  return (bom ? BOM : "") + out;
}

function parseClean(text: string, file: string): SourceFile {
  const { ast, diagnostics } = parseSource(text, file);
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) {
    const d = errors[0]!;
    const where = d.span ? `${d.span.file}:${d.span.line}:${d.span.column}: ` : `${file}: `;
    throw new VcmFormatError(
      "syntax",
      `${where}error ${d.code}: ${d.message}` +
        (errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""),
      errors,
    );
  }
  return ast;
}

function indentUnit(options: FormatOptions): string {
  return options.useTabs ? "\t" : " ".repeat(options.tabWidth ?? 2);
}

function render(lines: Line[], unit: string): string {
  alignTrailingComments(lines, unit);
  let out = "";
  for (const l of lines) {
    if (l.blankBefore && out !== "") out += "\n";
    const code = l.code === "" && l.comment !== undefined ? l.comment : l.code;
    const comment = l.code !== "" && l.comment !== undefined ? l.comment : "";
    const body = code + (comment === "" ? "" : " ".repeat(l.commentPad ?? 1) + comment);
    out += (body === "" ? "" : unit.repeat(l.indent) + body) + "\n";
  }
  return out;
}

/** Consecutive lines ending in `//` comments get them in one column (as gofmt does). */
function alignTrailingComments(lines: Line[], unit: string): void {
  const width = (l: Line): number => unit.replace("\t", "    ").length * l.indent + l.code.length;
  const eligible = (l: Line): boolean =>
    !l.commentOnly && l.comment !== undefined && l.code !== "" && !l.code.includes("\n");
  for (let i = 0; i < lines.length;) {
    if (!eligible(lines[i]!)) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < lines.length && eligible(lines[j]!) && !lines[j]!.blankBefore) j++;
    let column = 0;
    for (let k = i; k < j; k++) column = Math.max(column, width(lines[k]!));
    for (let k = i; k < j; k++) lines[k]!.commentPad = column - width(lines[k]!) + 1;
    i = j;
  }
}

/** Throws (kind `internal`) unless `out` parses to the same AST and comments as the input. */
function verifySameMeaning(before: SourceFile, comments: string[], out: string, file: string) {
  const after = parseSource(out, file);
  const problem = after.diagnostics.some((d) => d.severity === "error")
    ? "it does not parse"
    : !sameShape(before.statements, after.ast.statements) ||
        !sameShape(before.directives, after.ast.directives)
      ? "its statements differ"
      : commentTexts(lexItems(out)).join("\n") !== comments.join("\n")
        ? "its comments differ"
        : undefined;
  if (problem) {
    throw new VcmFormatError(
      "internal",
      `${file}: the formatter's output would not mean the same (${problem}); this is a bug in ` +
        "the formatter, please report it; the text was left as it was",
    );
  }
}

const isSpanKey = (key: string): boolean =>
  key === "span" || key.endsWith("Span") || key === "pinnable";

/**
 * Whether two ASTs are the same, positions aside (a span-valued field must be present in both).
 * An explicit stack: `1 + 1 + ...` is a spine as deep as the statement is long (issue 17).
 */
export function sameShape(a: unknown, b: unknown, key = ""): boolean {
  const pending: [unknown, unknown, string][] = [[a, b, key]];
  for (let top = pending.pop(); top !== undefined; top = pending.pop()) {
    const [p, q, k] = top;
    if (isSpanKey(k)) {
      if ((p === undefined) !== (q === undefined)) return false;
      continue;
    }
    if (p === q) continue;
    if (typeof p !== "object" || typeof q !== "object" || p === null || q === null) return false;
    if (Array.isArray(p)) {
      if (!Array.isArray(q) || p.length !== q.length) return false;
      for (let i = 0; i < p.length; i++) pending.push([p[i], q[i], ""]);
      continue;
    }
    if (Array.isArray(q)) return false;
    const x = p as Record<string, unknown>;
    const y = q as Record<string, unknown>;
    for (const f of Object.keys(x)) pending.push([x[f], y[f], f]);
    for (const f of Object.keys(y)) if (!(f in x)) pending.push([undefined, y[f], f]);
  }
  return true;
}
