/**
 * The shape of a catalogue entry, and the types that make a message template's placeholders
 * checked arguments: `"'{name}' is declared twice"` needs `{ name }`, so a call that forgets one
 * does not compile (as TypeScript's own diagnosticMessages.json does with `{0}`).
 */
import type { Severity } from "../diagnostic.js";

export type DiagnosticPhase = "syntax" | "load" | "resolve" | "check" | "lower" | "run";

/** Code ranges, so each layer adds codes without colliding with another. */
export const CODE_RANGES: Readonly<Record<DiagnosticPhase, readonly [number, number]>> = {
  syntax: [1, 9],
  load: [10, 39],
  resolve: [100, 199],
  check: [200, 299],
  lower: [300, 399],
  run: [400, 499],
};

/** Characters no placeholder name holds: `{ "plugins": [...] }` in a template is literal text. */
type NotInName = " " | '"' | "'" | ":" | "," | "." | "[" | "(" | "{" | "-";

/** The names between braces in a template: `"{a} and {b}"` gives `"a" | "b"`. */
export type Placeholders<M extends string> = M extends `${string}{${infer P}}${infer Rest}`
  ? (P extends `${string}${NotInName}${string}` | "" ? never : P) | Placeholders<Rest>
  : never;

/** The arguments a template needs, one per placeholder. */
export type MessageArgs<M extends string> = {
  readonly [K in Placeholders<M>]: string | number | bigint;
};

/** What every entry says about itself (what `--list-checks`, the docs and SARIF show). */
export interface CatalogueEntry {
  /** Stable code, e.g. `VCM0123`. Never reused for another meaning. */
  readonly code: string;
  /** Stable kebab name, e.g. `outside-aperture`: the entry's key in `D`, in kebab case. */
  readonly name: string;
  readonly phase: DiagnosticPhase;
  /** The default severity; `-W` / `-E` and `// vcm:` directives change it unless `fixed`. */
  readonly severity: Severity;
  /** true: the severity cannot be changed (syntax, I/O, internal errors). */
  readonly fixed: boolean;
  /** One line, shown by `vcm check --list-checks`, in SARIF and in docs/DIAGNOSTICS.md. */
  readonly description: string;
  /** Where docs/DIAGNOSTICS.md describes it, e.g. `docs/DIAGNOSTICS.md#vcm0204-iova-overlap`. */
  readonly anchor: string;
  /** The main message template. */
  readonly template: string;
  /** Further templates: other wordings, hints, related-location notes. */
  readonly messages: Readonly<Record<string, Message>>;
}

/** A template that belongs to no entry (the check engine's own notes). */
export interface Text<M extends string = string> {
  readonly template: M;
}

/** One message template of an entry: what `diagnostic()` takes. */
export interface Message<M extends string = string> extends Text<M> {
  readonly entry: CatalogueEntry;
}

/** An entry of `D`: its facts, its main template, and named further templates (`messages`). */
export type Entry<M extends string, V> = CatalogueEntry &
  Message<M> & { readonly messages: { readonly [K in keyof V]: Message<V[K] & string> } };

/** How an entry is written in a phase file; the phase and the name come from where it stands. */
export interface EntrySpec {
  /** The number of the code: 204 is `VCM0204`. */
  readonly code: number;
  /** Default "error". */
  readonly severity?: Severity;
  readonly fixed?: boolean;
  readonly description: string;
  /** The main message template, with `{placeholder}`s. */
  readonly message: string;
  /** Further templates of the same diagnostic, by a short name. */
  readonly messages?: Readonly<Record<string, string>>;
}

type EntriesOf<T extends Record<string, EntrySpec>> = {
  readonly [K in keyof T]: Entry<
    T[K]["message"],
    T[K]["messages"] extends Readonly<Record<string, string>> ? T[K]["messages"] : {}
  >;
};

/** Templates that belong to no entry, typed like an entry's. */
export function defineTexts<const T extends Record<string, string>>(
  texts: T,
): { readonly [K in keyof T]: Text<T[K]> } {
  const out: Record<string, Text> = {};
  for (const [key, template] of Object.entries(texts)) out[key] = { template };
  return out as { readonly [K in keyof T]: Text<T[K]> };
}

/** `duplicateName` -> `duplicate-name`. */
export function kebabName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

export function formatCode(code: number): string {
  return "VCM" + String(code).padStart(4, "0");
}

/** The entries of one phase, typed from their literal templates. */
export function defineEntries<const T extends Record<string, EntrySpec>>(
  phase: DiagnosticPhase,
  specs: T,
): EntriesOf<T> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const code = formatCode(spec.code);
    const name = kebabName(key);
    const entry = {
      code,
      name,
      phase,
      severity: spec.severity ?? "error",
      fixed: spec.fixed ?? false,
      description: spec.description,
      anchor: `docs/DIAGNOSTICS.md#${code.toLowerCase()}-${name}`,
      template: spec.message,
    };
    const messages: Record<string, Message> = {};
    for (const [k, template] of Object.entries(spec.messages ?? {}))
      messages[k] = Object.defineProperty({ template } as Message, "entry", { value: entry });
    // Not enumerable: an entry printed or spread stays plain data, without a cycle.
    Object.defineProperty(entry, "entry", { value: entry });
    Object.defineProperty(entry, "messages", { value: messages });
    out[key] = entry;
  }
  return out as EntriesOf<T>;
}
