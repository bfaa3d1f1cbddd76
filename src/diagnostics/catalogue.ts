/**
 * THE DIAGNOSTICS CATALOGUE: every diagnostic VCM emits, from every layer, in one table `D`
 * (as TypeScript's diagnosticMessages.json). Each entry has its code, kebab name, phase,
 * default severity, `fixed` flag, a one-line description, its docs anchor and its message
 * template(s). Nothing else in VCM writes a code or a check name: it refers to `D.someName`.
 *
 * Adding a diagnostic: add an entry to the phase file under `catalogue/` (the key, in camel
 * case, is its name: `iovaOverlap` is `iova-overlap`), with the next free code of that phase's
 * range (CODE_RANGES), a description and a template, then `npm run docs:diagnostics`.
 * Reporting one:
 *
 *     diagnostic(D.duplicateName, span, { name })                 // main template
 *     diagnostic(D.outsideRegion.messages.slice, span, { ... })   // a further template
 *     diagnostic(D.unresolvedName, span, { name }, { hint, related })
 *
 * A missing or misspelt placeholder argument, or a misspelt entry, is a compile error.
 * Templates say `{name}`; values are printed with `String()`, so format addresses with
 * `hex()` / sizes with `formatSize()` (`./format.js`) before passing them.
 */
import type { Diagnostic, RelatedInformation } from "./diagnostic.js";
import type { Span } from "./span.js";
import { syntaxEntries } from "./catalogue/syntax.js";
import { loadEntries } from "./catalogue/load.js";
import { resolveEntries } from "./catalogue/resolve.js";
import { checkEntries, checkTexts } from "./catalogue/check.js";
import { lowerEntries } from "./catalogue/lower.js";
import { runEntries } from "./catalogue/run.js";
import type {
  CatalogueEntry,
  Message,
  MessageArgs,
  Placeholders,
  Text,
} from "./catalogue/define.js";

export type {
  CatalogueEntry,
  DiagnosticPhase,
  Entry,
  Message,
  MessageArgs,
  Text,
} from "./catalogue/define.js";
export { CODE_RANGES } from "./catalogue/define.js";

/** Every diagnostic, by its camel-case name. */
export const D = {
  ...syntaxEntries,
  ...loadEntries,
  ...resolveEntries,
  ...checkEntries,
  ...lowerEntries,
  ...runEntries,
};

/** Templates that belong to no entry: the check engine's notes. */
export const TEXT = { ...checkTexts };

const ALL: readonly CatalogueEntry[] = Object.values(D).sort((a, b) =>
  a.code < b.code ? -1 : a.code > b.code ? 1 : 0,
);
const byName = new Map<string, CatalogueEntry>();
const byCode = new Map<string, CatalogueEntry>();
for (const entry of ALL) {
  // A key given twice is caught by the compiler when the phase files are spread; a code or a
  // name given twice is caught here, at load, and by test/diagnostics/catalogue.test.ts.
  if (byName.has(entry.name)) throw new Error(`two diagnostics are named '${entry.name}'`);
  if (byCode.has(entry.code)) throw new Error(`two diagnostics have code ${entry.code}`);
  byName.set(entry.name, entry);
  byCode.set(entry.code, entry);
}

/** Every entry, sorted by code. */
export function catalogueEntries(): readonly CatalogueEntry[] {
  return ALL;
}

/** An entry by kebab name or by code (`VCM0204`, any case); undefined if none. */
export function findEntry(nameOrCode: string): CatalogueEntry | undefined {
  return byName.get(nameOrCode) ?? byCode.get(nameOrCode.toUpperCase());
}

/** An entry that must exist (a name written in VCM's own code): a typo is a bug in VCM. */
export function entryNamed(name: string): CatalogueEntry {
  const entry = byName.get(name);
  if (!entry) throw new Error(`no diagnostic is named '${name}'`);
  return entry;
}

export interface DiagnosticDetails {
  hint?: string;
  related?: RelatedInformation[];
}

/** The arguments after the span: none needed for a template without placeholders. */
export type DiagnosticArgs<M extends string> = [Placeholders<M>] extends [never]
  ? [args?: Record<string, never>, details?: DiagnosticDetails]
  : [args: MessageArgs<M>, details?: DiagnosticDetails];

/** `template` with each `{name}` replaced by `String(args.name)`; one pass, so values are literal. */
export function formatMessage(
  template: string,
  args: Readonly<Record<string, string | number | bigint>>,
): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, key: string) =>
    key in args ? String(args[key]) : whole,
  );
}

/** The arguments of `text()`: none for a template without placeholders. */
export type TextArgs<M extends string> = [Placeholders<M>] extends [never]
  ? [args?: Record<string, never>]
  : [args: MessageArgs<M>];

/** A template filled in, for text that is part of a diagnostic: a hint, a related note, a part. */
export function text<M extends string>(message: Text<M>, ...rest: TextArgs<M>): string {
  return formatMessage(message.template, rest[0] ?? {});
}

/** A diagnostic of `message`'s entry, at the entry's default severity. */
export function diagnostic<M extends string>(
  message: Message<M>,
  span: Span | undefined,
  ...rest: DiagnosticArgs<M>
): Diagnostic {
  const [args, details] = rest;
  return makeDiagnostic(message.entry, span, formatMessage(message.template, args ?? {}), details);
}

/** A diagnostic of `entry` with a message already written (for the transition's old helpers). */
export function makeDiagnostic(
  entry: CatalogueEntry,
  span: Span | undefined,
  text: string,
  details: DiagnosticDetails = {},
): Diagnostic {
  const d: Diagnostic = {
    code: entry.code,
    check: entry.name,
    severity: entry.severity,
    message: text,
  };
  if (span) d.span = span;
  if (details.hint) d.hint = details.hint;
  if (details.related && details.related.length > 0) d.related = details.related;
  return d;
}
