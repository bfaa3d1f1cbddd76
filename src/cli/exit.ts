/**
 * THE exit-code table of the `vcm` command: every command exits with one of these, and every
 * command's help lists them (docs/CLI.md, "Exit status"). Which diagnostics mean "unreadable
 * input" and "internal error" is decided here, in `exitCodeOf`, and nowhere else.
 */
import { D } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";

/** Clean, written, proved, every address translated, every property held. */
export const EXIT_OK = 0;
/** The topology has errors, a proof failed, an address faults, a conformance property failed. */
export const EXIT_FAILED = 1;
/** Bad usage, or an input that could not be read or used at all (a file, `--tables`, `-o`). */
export const EXIT_USAGE = 2;
/** A bug in VCM: an internal error (a check or the proof threw); please report it. */
export const EXIT_INTERNAL = 3;

export interface ExitCodeRow {
  code: number;
  meaning: string;
}

/** The table, in order; help texts and docs/CLI.md print it. */
export const EXIT_CODES: readonly ExitCodeRow[] = [
  { code: EXIT_OK, meaning: "ok: clean, written, proved" },
  { code: EXIT_FAILED, meaning: "the topology has errors, or a proof or property failed" },
  { code: EXIT_USAGE, meaning: "usage error, or an input that cannot be read or used" },
  { code: EXIT_INTERNAL, meaning: "internal error in vcm (a bug: please report it)" },
];

/** The help text every command ends with (after a blank line). */
export function exitCodesHelp(): string {
  return "\nExit status:\n" + EXIT_CODES.map((r) => `  ${r.code}  ${r.meaning}`).join("\n") + "\n";
}

/** A command-line mistake: printed as `vcm: error: message` with exit code 2, never a stack trace. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Loader codes meaning "the input could not be read" (exit 2 rather than 1). */
export const UNREADABLE_INPUT_CODES: ReadonlySet<string> = new Set(
  [D.fileNotFound, D.notAFile, D.binaryFile, D.invalidUtf8, D.fileTooLarge].map((e) => e.code),
);

/**
 * Checks whose diagnostic means VCM itself failed (exit 3). A proof that could not read a
 * table (`run-internal-error`, often a plugin's fault) is a failed proof: exit 1.
 */
export const INTERNAL_ERROR_CHECKS: ReadonlySet<string> = new Set([D.internalError.name]);

/** The exit code of a command whose result is these diagnostics (and nothing failed besides). */
export function exitCodeOf(diagnostics: readonly Diagnostic[]): number {
  let code = EXIT_OK;
  for (const d of diagnostics) {
    if (d.severity !== "error") continue;
    if (INTERNAL_ERROR_CHECKS.has(d.check)) return EXIT_INTERNAL;
    if (UNREADABLE_INPUT_CODES.has(d.code)) code = EXIT_USAGE;
    else if (code === EXIT_OK) code = EXIT_FAILED;
  }
  return code;
}

/** Commander's collector for repeatable options. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
