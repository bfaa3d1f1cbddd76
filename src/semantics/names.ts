/**
 * Pass 1, binding names: every declaration of every file in one namespace (scenarios have their
 * own, see `scenarios.ts`). A second declaration of a name is reported once and otherwise
 * ignored. Later passes ask `bind` for the declaration a name refers to, of the kinds they accept.
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { Span } from "../diagnostics/span.js";
import type { IrTopology } from "../ir/types.js";
import type {
  BufferDecl,
  ConstDecl,
  ContainerDecl,
  DomainDecl,
  EndpointDecl,
  Identifier,
  MapperDecl,
  MemoryDecl,
  PoolDecl,
  ReservationDecl,
  SourceFile,
  Statement,
} from "../syntax/ast.js";
import type { Report } from "./context.js";
import { didYouMean, MAX_SUGGESTIONS } from "../diagnostics/suggest.js";

export type Decl =
  | { kind: "const"; node: ConstDecl }
  | { kind: "memory"; node: MemoryDecl }
  | { kind: "pool"; node: PoolDecl }
  | { kind: "mapper"; node: MapperDecl }
  | { kind: "endpoint"; node: EndpointDecl }
  | { kind: "domain"; node: DomainDecl }
  | { kind: "buffer"; node: BufferDecl }
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

  declare(s: Decl["node"], kind: DeclKind): void {
    const prev = this.decls.get(s.name.name);
    if (prev) {
      this.duplicate(s.name, prev.node.name.span);
      this.shadowed.add(s);
    } else this.decls.set(s.name.name, { kind, node: s } as Decl);
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
    const decl = this.decls.get(name.name);
    if (!decl) {
      const wanted = kinds.map((k) => KIND_LABEL[k]).join(" or ");
      // Suggestions cost a pass over every name: only the first MAX_SUGGESTIONS get one, so
      // thousands of unknown names cost linear time (as clang's -fspell-checking-limit).
      const candidates =
        this.suggestionsLeft-- > 0
          ? [...this.decls.entries()]
              .filter(([, d]) => (kinds as readonly DeclKind[]).includes(d.kind))
              .map(([n]) => n)
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

/**
 * Declares every named statement of `files` and records the topology's name and its `use`
 * lines in `ir`.
 */
export function bindNames(files: readonly SourceFile[], ir: IrTopology, report: Report): NameTable {
  const names = new NameTable(report);
  files.forEach((file, i) => {
    const statements = file.statements;
    for (let j = 0; j < statements.length; j++) {
      const s = statements[j]!;
      if (s.kind === "topology") {
        if (i === 0 && ir.name === "") ir.name = s.name.name;
        continue;
      }
      if (s.kind === "use") {
        ir.uses.push({ specifier: s.specifier, fromFile: file.file, span: s.span });
        continue;
      }
      if (s.kind === "import" || s.kind === "map" || s.kind === "expect" || s.kind === "scenario")
        continue;
      names.declare(s, s.kind);
    }
  });
  if (ir.name === "" && files[0]) {
    const base = files[0].file.replace(/^.*[\\/]/, "").replace(/\.vcm$/, "");
    ir.name = base || "topology";
  }
  return names;
}
