/**
 * Limits that say so: input beyond what a topology could sensibly hold is a diagnostic, not
 * work. A declared name longer than MAX_NAME_LENGTH (VCM0142) and, per file, diagnostics past
 * MAX_DIAGNOSTICS_PER_FILE (one VCM0143 note counts the rest), so a fuzzed or generated file
 * cannot make the tool print (or compare) without bound.
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import type { Identifier, SourceFile } from "../syntax/ast.js";

/** The longest declared name, in characters (Linux's longest identifiers are under 100). */
export const MAX_NAME_LENGTH = 256;

/** Diagnostics shown per file before one "N more" note replaces the rest. */
export const MAX_DIAGNOSTICS_PER_FILE = 1000;

/** Per parsed file (a file kept by a parse cache is not walked again). */
const nameLengthsOf = new WeakMap<SourceFile, Diagnostic[]>();

/** VCM0142 for every declaration whose name is longer than MAX_NAME_LENGTH. */
export function nameLengthDiagnostics(files: readonly SourceFile[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const f of files) {
    let found = nameLengthsOf.get(f);
    if (!found) nameLengthsOf.set(f, (found = fileNameLengths(f)));
    for (const d of found) out.push(d);
  }
  return out;
}

function fileNameLengths(f: SourceFile): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const s of f.statements) {
    const name = (s as { name?: Identifier | string }).name;
    if (typeof name !== "object" || name === null || typeof name.name !== "string") continue;
    if (name.name.length <= MAX_NAME_LENGTH) continue;
    out.push(
      diagnostic(D.nameTooLong, name.span, {
        length: name.name.length,
        max: MAX_NAME_LENGTH,
      }),
    );
  }
  return out;
}

/**
 * The first MAX_DIAGNOSTICS_PER_FILE diagnostics of each file (order kept), then for each file
 * over the cap one note (VCM0143, or `note`) at its first dropped diagnostic. Diagnostics without a span
 * are never dropped.
 */
export function capDiagnostics(
  diagnostics: readonly Diagnostic[],
  max = MAX_DIAGNOSTICS_PER_FILE,
  /** The note counting what was left out (default: VCM0143; lowering passes VCM0324). */
  note: (span: Span | undefined, count: number, max: number) => Diagnostic = tooManyNote,
): Diagnostic[] {
  const shown = new Map<string, number>();
  const dropped = new Map<string, { first: Diagnostic; count: number }>();
  const out: Diagnostic[] = [];
  for (const d of diagnostics) {
    if (!d.span) {
      out.push(d);
      continue;
    }
    const file = d.span.file;
    const n = shown.get(file) ?? 0;
    if (n < max) {
      shown.set(file, n + 1);
      out.push(d);
      continue;
    }
    const gone = dropped.get(file);
    if (gone) gone.count++;
    else dropped.set(file, { first: d, count: 1 });
  }
  for (const { first, count } of dropped.values()) out.push(note(first.span, count, max));
  return out;
}

function tooManyNote(span: Span | undefined, count: number, max: number): Diagnostic {
  return count === 1
    ? diagnostic(D.tooManyDiagnostics.messages.one, span, { max })
    : diagnostic(D.tooManyDiagnostics, span, { count, max });
}
