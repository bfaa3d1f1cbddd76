/**
 * Human-readable diagnostics: `file:line:col: error[VCM0123]: message [check-name]`, then a code
 * frame with a caret under the span. Colour is the caller's decision (see `useColor`).
 */
import type { Diagnostic, Severity } from "../diagnostic.js";

export interface TextPrintOptions {
  color: boolean;
  /** Source text by file name, for code frames; files not present print without a frame. */
  sources: ReadonlyMap<string, string>;
}

const ANSI = {
  reset: "\x1b[0m",
  bold: "\x1b[1m",
  red: "\x1b[31m",
  yellow: "\x1b[33m",
  cyan: "\x1b[36m",
  blue: "\x1b[34m",
};

const SEVERITY_COLOR: Record<Severity, string> = {
  error: ANSI.red,
  warning: ANSI.yellow,
  note: ANSI.cyan,
};

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(
  stream: { isTTY?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  // NO_COLOR (any non-empty value) wins; FORCE_COLOR=0 (or "false") turns colour off, any
  // other non-empty value turns it on; otherwise only a terminal gets colour.
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== "") return force !== "0" && force !== "false";
  return stream.isTTY === true;
}

/** Split once per file and cache, so many diagnostics in one big file stay cheap. */
class LineCache {
  private readonly cache = new Map<string, string[]>();
  constructor(private readonly sources: ReadonlyMap<string, string>) {}
  line(file: string, line: number): string | undefined {
    let lines = this.cache.get(file);
    if (!lines) {
      const text = this.sources.get(file);
      if (text === undefined) return undefined;
      lines = text.split(/\r?\n/);
      this.cache.set(file, lines);
    }
    return lines[line - 1];
  }
}

function paint(on: boolean, code: string, s: string): string {
  return on ? code + s + ANSI.reset : s;
}

function frame(d: Diagnostic, lines: LineCache, color: boolean): string[] {
  const span = d.span;
  if (!span) return [];
  const text = lines.line(span.file, span.line);
  if (text === undefined) return [];
  const shown = text.length > 200 ? text.slice(0, 200) + "…" : text;
  const gutter = String(span.line);
  const pad = " ".repeat(gutter.length);
  const start = Math.max(1, span.column);
  const end =
    span.endLine === span.line
      ? Math.max(start + 1, span.endColumn)
      : Math.max(start + 1, text.length + 1);
  const width = Math.max(1, Math.min(end, shown.length + 2) - start);
  const caret = " ".repeat(start - 1) + "^".repeat(width);
  const bar = paint(color, ANSI.blue, "|");
  return [
    ` ${pad} ${bar}`,
    ` ${paint(color, ANSI.blue, gutter)} ${bar} ${shown.replace(/\t/g, " ")}`,
    ` ${pad} ${bar} ${paint(color, SEVERITY_COLOR[d.severity] + ANSI.bold, caret)}`,
  ];
}

export function formatDiagnostic(
  d: Diagnostic,
  options: TextPrintOptions,
  lines?: LineCache,
): string {
  const cache = lines ?? new LineCache(options.sources);
  const c = options.color;
  const where = d.span ? `${d.span.file}:${d.span.line}:${d.span.column}: ` : "vcm: ";
  const head =
    paint(c, ANSI.bold, where) +
    paint(c, SEVERITY_COLOR[d.severity] + ANSI.bold, `${d.severity}[${d.code}]`) +
    paint(c, ANSI.bold, `: ${d.message}`) +
    ` [${d.check}]`;
  const out = [head, ...frame(d, cache, c)];
  if (d.hint) out.push(` = ${paint(c, ANSI.cyan, "hint")}: ${d.hint}`);
  for (const r of d.related ?? []) {
    out.push(
      ` = ${paint(c, ANSI.cyan, "note")}: ${r.span.file}:${r.span.line}:${r.span.column}: ${r.message}`,
    );
  }
  return out.join("\n");
}

export function formatText(diagnostics: readonly Diagnostic[], options: TextPrintOptions): string {
  const cache = new LineCache(options.sources);
  const parts = diagnostics.map((d) => formatDiagnostic(d, options, cache));
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.filter((d) => d.severity === "warning").length;
  if (errors + warnings > 0) {
    const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
    parts.push(`${plural(errors, "error")}, ${plural(warnings, "warning")}`);
  }
  return parts.length > 0 ? parts.join("\n\n") + "\n" : "";
}
