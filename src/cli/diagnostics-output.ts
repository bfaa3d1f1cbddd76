/** Printing diagnostics for commands whose main output is not diagnostics (compile, run). */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { formatText, useColor } from "../diagnostics/printers/text.js";
import { UNREADABLE_INPUT_CODES } from "./exit.js";

export function printDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: ReadonlyMap<string, string>,
  stream: NodeJS.WriteStream = process.stderr,
): void {
  if (diagnostics.length === 0) return;
  stream.write(formatText(diagnostics, { color: useColor(stream), sources }));
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

export function isUnreadable(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => UNREADABLE_INPUT_CODES.has(d.code));
}
