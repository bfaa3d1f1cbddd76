/** Printing what a command's job leaves: diagnostics and messages on stderr, results on stdout. */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { formatText, useColor } from "../diagnostics/printers/text.js";
import type { CommandOutcome } from "./jobs.js";

export function printDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: ReadonlyMap<string, string>,
  stream: NodeJS.WriteStream = process.stderr,
): void {
  if (diagnostics.length === 0) return;
  stream.write(formatText(diagnostics, { color: useColor(stream), sources }));
}

/** Print an outcome and set the exit code: diagnostics, then messages, then the result. */
export function printOutcome(outcome: CommandOutcome): void {
  printDiagnostics(outcome.diagnostics, outcome.sources);
  if (outcome.stderr) process.stderr.write(outcome.stderr);
  if (outcome.stdout) process.stdout.write(outcome.stdout);
  process.exitCode = outcome.exitCode;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}
