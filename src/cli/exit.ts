/** Exit codes shared by every command. */
import { D } from "../diagnostics/catalogue.js";

export const EXIT_OK = 0;
/** Diagnostics with errors, or a proof that failed. */
export const EXIT_FAILED = 1;
/** Bad usage, or an input that could not be read at all. */
export const EXIT_USAGE = 2;

/** A command-line mistake: printed as `vcm: message` with exit code 2, never a stack trace. */
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

/** Commander's collector for repeatable options. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
