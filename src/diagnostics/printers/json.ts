/**
 * Machine-readable diagnostics for editors and CI. The schema is stable and documented in
 * docs/CLI.md ("JSON output"); bump `version` on any incompatible change.
 */
import type { Diagnostic } from "../diagnostic.js";

export const JSON_REPORT_VERSION = 1;

export interface JsonDiagnostic {
  code: string;
  check: string;
  severity: string;
  message: string;
  hint?: string;
  file?: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  offset?: number;
  endOffset?: number;
  related: { file: string; line: number; column: number; message: string }[];
}

export function toJsonDiagnostic(d: Diagnostic): JsonDiagnostic {
  const out: JsonDiagnostic = {
    code: d.code,
    check: d.check,
    severity: d.severity,
    message: d.message,
    related: (d.related ?? []).map((r) => ({
      file: r.span.file,
      line: r.span.line,
      column: r.span.column,
      message: r.message,
    })),
  };
  if (d.hint) out.hint = d.hint;
  if (d.span) {
    out.file = d.span.file;
    out.line = d.span.line;
    out.column = d.span.column;
    out.endLine = d.span.endLine;
    out.endColumn = d.span.endColumn;
    out.offset = d.span.offset;
    out.endOffset = d.span.endOffset;
  }
  return out;
}

export function formatJson(
  diagnostics: readonly Diagnostic[],
  files: readonly string[],
  toolVersion: string,
): string {
  const count = (s: string) => diagnostics.filter((d) => d.severity === s).length;
  const report = {
    version: JSON_REPORT_VERSION,
    tool: { name: "vcm", version: toolVersion },
    files,
    summary: { errors: count("error"), warnings: count("warning"), notes: count("note") },
    diagnostics: diagnostics.map(toJsonDiagnostic),
  };
  return JSON.stringify(report, null, 2) + "\n";
}
