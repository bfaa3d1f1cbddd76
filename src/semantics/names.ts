/**
 * Pass 1, binding names: every declaration of every file in one namespace (scenarios have their
 * own, see `scenarios.ts`). A second declaration of a name is reported once and otherwise
 * ignored. Later passes ask `bind` for the declaration a name refers to, of the kinds they accept.
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { Span } from "../diagnostics/span.js";
import type { IrBuffer, IrTopology } from "../ir/types.js";
import type {
  BufferDecl,
  ConstDecl,
  ContainerDecl,
  DomainDecl,
  EndpointDecl,
  ExpectDecl,
  Identifier,
  MapDecl,
  MapperDecl,
  MemoryDecl,
  PoolDecl,
  ReservationDecl,
  ScenarioDecl,
  SourceFile,
  Statement,
} from "../syntax/ast.js";
import type { Report } from "./context.js";
import type { MemoryPiece } from "./memory-refs.js";
import { didYouMean, MAX_SUGGESTIONS } from "../diagnostics/suggest.js";

/**
 * A buffer's entry also holds what resolving it made, so a reference to it costs the one lookup
 * `bind` makes (a table per kind keyed by name cost a second lookup of every name used; with
 * 100,000 names, hash lookups are most of resolution's time).
 */
export interface BufferEntry {
  kind: "buffer";
  node: BufferDecl;
  /** Its elements, once resolved (`buffers.ts`); null: failed (reported) or not placed. */
  elements?: IrBuffer[] | null;
  /** While its own address is being resolved (a buffer placed at its own address is a cycle). */
  resolving?: boolean;
  /** One piece per element, made on first reference (`memory-refs.ts`); shared, never changed. */
  pieces?: MemoryPiece[];
}

export type Decl =
  | { kind: "const"; node: ConstDecl }
  | { kind: "memory"; node: MemoryDecl }
  | { kind: "pool"; node: PoolDecl }
  | { kind: "mapper"; node: MapperDecl }
  | { kind: "endpoint"; node: EndpointDecl }
  | { kind: "domain"; node: DomainDecl }
  | BufferEntry
  | { kind: "container"; node: ContainerDecl }
  | { kind: "reservation"; node: ReservationDecl };

export type DeclKind = Decl["kind"];

const KIND_LABEL: Record<DeclKind, string> = {
  const: "a const",
  memory: "a memory region",
  pool: "a pool",
  mapper: "a mapper",
  endpoint: "an endpoint",
  domain: "a domain",
  buffer: "a buffer",
  container: "a container",
  reservation: "a reservation",
};

export class NameTable {
  private readonly decls = new Map<string, Decl>();
  private suggestionsLeft = MAX_SUGGESTIONS;
  /** Second and later declarations of a name: reported once, otherwise ignored. */
  private readonly shadowed = new Set<Statement>();
  /** The declarations, first declarations only, in source order. */
  private readonly ordered: Decl[] = [];
  /** The buffers declared, first declarations only, in source order. */
  readonly buffers: BufferEntry[] = [];
  /**
   * The two names bound last and what they bound (the later first): lines in a row name the
   * same region, domain or device, and comparing a short string costs less than a lookup in a
   * table of every name (their cost was most of resolution's). Names found only: the table does
   * not change after binding, so a name binds what it bound before.
   */
  private recentName = "";
  private recentDecl: Decl | undefined;
  private olderName = "";
  private olderDecl: Decl | undefined;

  constructor(private readonly report: Report) {}

  /** How many more unresolved names get a suggestion (saved and restored by `resolveUses`). */
  get suggestionBudget(): number {
    return this.suggestionsLeft;
  }
  set suggestionBudget(n: number) {
    this.suggestionsLeft = n;
  }

  /** The declaration of `name`, whatever its kind (no diagnostic). */
  get(name: string): Decl | undefined {
    return this.decls.get(name);
  }

  /**
   * Declares `entries` (every named statement, in source order; `names[i]` is `entries[i]`'s
   * name). The first declaration of a name wins; later ones are reported once, at each, and
   * otherwise ignored. Set in reverse order, so the first declaration is set last and stays:
   * one lookup a name instead of a lookup and a set, and duplicates (rare) cost a second pass.
   */
  declareAll(entries: readonly Decl[], names: readonly string[]): void {
    const decls = this.decls;
    for (let i = entries.length - 1; i >= 0; i--) decls.set(names[i]!, entries[i]!);
    if (decls.size === entries.length) {
      for (let i = 0; i < entries.length; i++) this.keep(entries[i]!);
      return;
    }
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      const first = decls.get(names[i]!)!;
      if (first === entry) this.keep(entry);
      else {
        this.duplicate(entry.node.name, first.node.name.span);
        this.shadowed.add(entry.node);
      }
    }
  }

  private keep(entry: Decl): void {
    this.ordered.push(entry);
    if (entry.kind === "buffer") this.buffers.push(entry);
  }

  /** Cheaper than looking the name up again: there are usually no duplicates at all. */
  isShadowed(s: Statement): boolean {
    return this.shadowed.size > 0 && this.shadowed.has(s);
  }

  duplicate(name: Identifier, previous: Span): void {
    this.report(
      diagnostic(
        D.duplicateName,
        name.span,
        { name: name.name },
        { related: [{ span: previous, message: `'${name.name}' is first declared here` }] },
      ),
    );
  }

  /** The declaration `name` binds, of one of `kinds`; reports unresolved or wrong-kind names. */
  bind<K extends DeclKind>(
    name: Identifier,
    kinds: readonly K[],
  ): Extract<Decl, { kind: K }> | undefined {
    const decl = this.lookup(name.name);
    if (!decl) {
      const wanted = kinds.map((k) => KIND_LABEL[k]).join(" or ");
      // Suggestions cost a pass over every name: only the first MAX_SUGGESTIONS get one, so
      // thousands of unknown names cost linear time (as clang's -fspell-checking-limit).
      const candidates =
        this.suggestionsLeft-- > 0
          ? this.ordered
              .filter((d) => (kinds as readonly DeclKind[]).includes(d.kind))
              .map((d) => d.node.name.name)
          : [];
      return this.report(
        diagnostic(
          D.unresolvedName,
          name.span,
          { name: name.name, wanted },
          this.unresolvedHint(name.name, candidates),
        ),
      );
    }
    if (!(kinds as readonly DeclKind[]).includes(decl.kind)) {
      const wanted = kinds.map((k) => KIND_LABEL[k]).join(" or ");
      return this.report(
        diagnostic(
          D.wrongKind,
          name.span,
          { name: name.name, kind: KIND_LABEL[decl.kind], wanted },
          { related: [{ span: decl.node.name.span, message: `'${name.name}' is declared here` }] },
        ),
      );
    }
    return decl as Extract<Decl, { kind: K }>;
  }

  private lookup(name: string): Decl | undefined {
    if (name === this.recentName) return this.recentDecl;
    if (name === this.olderName) {
      const decl = this.olderDecl;
      this.olderName = this.recentName;
      this.olderDecl = this.recentDecl;
      this.recentName = name;
      this.recentDecl = decl;
      return decl;
    }
    const decl = this.decls.get(name);
    if (decl) {
      this.olderName = this.recentName;
      this.olderDecl = this.recentDecl;
      this.recentName = name;
      this.recentDecl = decl;
    }
    return decl;
  }

  private unresolvedHint(name: string, candidates: string[]): { hint?: string } {
    if (name.includes("-")) {
      const parts = name.split("-");
      if (
        parts.every((p) => p === "" || this.decls.has(p) || /^[0-9]/.test(p)) &&
        parts.some((p) => this.decls.has(p))
      )
        return { hint: `'${name}' is one name; write '${parts.join(" - ")}' for a subtraction` };
    }
    const hint = didYouMean(name, candidates);
    return hint ? { hint } : {};
  }
}

export interface StatementsByKind {
  const: ConstDecl[];
  memory: MemoryDecl[];
  pool: PoolDecl[];
  buffer: BufferDecl[];
  mapper: MapperDecl[];
  endpoint: EndpointDecl[];
  container: ContainerDecl[];
  domain: DomainDecl[];
  reservation: ReservationDecl[];
  map: MapDecl[];
  expect: ExpectDecl[];
  scenario: ScenarioDecl[];
}

/**
 * Declares every named statement of `files`, records the topology's name and its `use` lines in
 * `ir`, and sorts the statements by kind (in source order within a kind) for the passes after
 * it: one pass over the statements, as reading 100,000 of them is itself a cost.
 */
export function bindNames(
  files: readonly SourceFile[],
  ir: IrTopology,
  report: Report,
): { names: NameTable; k: StatementsByKind } {
  const names = new NameTable(report);
  const entries: Decl[] = [];
  const keys: string[] = [];
  const k: StatementsByKind = {
    const: [],
    memory: [],
    pool: [],
    buffer: [],
    mapper: [],
    endpoint: [],
    container: [],
    domain: [],
    reservation: [],
    map: [],
    expect: [],
    scenario: [],
  };
  // Indexed loops: a for-of over 100,000 statements allocates an iterator result per statement
  // until the optimiser catches up.
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    const statements = file.statements;
    for (let j = 0; j < statements.length; j++) {
      const s = statements[j]!;
      switch (s.kind) {
        case "topology":
          if (i === 0 && ir.name === "") ir.name = s.name.name;
          break;
        case "use":
          ir.uses.push({ specifier: s.specifier, fromFile: file.file, span: s.span });
          break;
        case "import":
          break;
        case "map":
          k.map.push(s);
          break;
        case "expect":
          k.expect.push(s);
          break;
        case "scenario":
          k.scenario.push(s);
          break;
        default:
          (k[s.kind] as (typeof s)[]).push(s);
          // A buffer's entry has its later fields from the start (adding them later would
          // move them out of the object and change its shape, for each of 100,000 buffers).
          entries.push(
            s.kind === "buffer"
              ? {
                  kind: "buffer",
                  node: s,
                  elements: undefined,
                  resolving: false,
                  pieces: undefined,
                }
              : ({ kind: s.kind, node: s } as Decl),
          );
          keys.push(s.name.name);
      }
    }
  }
  names.declareAll(entries, keys);
  if (ir.name === "" && files[0]) {
    const base = files[0].file.replace(/^.*[\\/]/, "").replace(/\.vcm$/, "");
    ir.name = base || "topology";
  }
  return { names, k };
}
