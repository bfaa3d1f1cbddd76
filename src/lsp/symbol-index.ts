/**
 * Where each name is declared and used, read from the AST of every file of one analysis (the
 * root and its imports). Declarations share one namespace, as the resolver binds them
 * (`semantics/resolve.ts`); scenarios have their own, and a container's windows are named
 * `container.window`. The first declaration of a name is the one the resolver binds.
 *
 * Built per analysis from the parsed statements only, so a half-typed file still has an index
 * of everything that parsed.
 */
import { TextSpan, type Span } from "../diagnostics/span.js";
import type {
  ContainerItem,
  DomainItem,
  Expr,
  Identifier,
  MapDecl,
  MemoryRef,
  RangeExpr,
  ScenarioStep,
  SourceFile,
  Statement,
  TargetRef,
} from "../syntax/ast.js";

/** What a declared name is; `mmu`/`iommu` and `cpu`/`device`/`dma` are kept apart for completion. */
export type SymbolKind =
  | "const"
  | "memory"
  | "pool"
  | "mmu"
  | "iommu"
  | "cpu"
  | "device"
  | "dma"
  | "domain"
  | "buffer"
  | "container"
  | "reservation"
  | "window"
  | "scenario"
  | "topology";

export interface Declaration {
  /** The key names are looked up by: the name, `scenario:NAME`, or `window:C.W`. */
  key: string;
  name: string;
  kind: SymbolKind;
  /** The name itself. */
  nameSpan: Span;
  /** The whole statement (or block item). */
  statement: Statement | ContainerItem;
  /** The container, for a window. */
  container?: string;
}

export interface Occurrence {
  key: string;
  name: string;
  /** The name only (for `frame[2]`, just `frame`). */
  span: Span;
  declaration: boolean;
}

/** The span of the first `length` characters of `span` (a name at the start of a reference). */
export function nameSpanOf(span: Span, length: number): Span {
  if (span instanceof TextSpan) return new TextSpan(span.lines, span.offset, span.offset + length);
  return {
    file: span.file,
    offset: span.offset,
    endOffset: span.offset + length,
    line: span.line,
    column: span.column,
    endLine: span.line,
    endColumn: span.column + length,
  };
}

const SCENARIO = "scenario:";
const WINDOW = "window:";

export function scenarioKey(name: string): string {
  return SCENARIO + name;
}

export function windowKey(container: string, window: string): string {
  return `${WINDOW}${container}.${window}`;
}

export class SymbolIndex {
  /** First declaration of each key. */
  readonly declarations = new Map<string, Declaration>();
  /** Every declaration, duplicates included, in file order. */
  readonly allDeclarations: Declaration[] = [];
  /** Occurrences per file (display name), in source order. */
  private readonly byFile = new Map<string, Occurrence[]>();
  private readonly byKey = new Map<string, Occurrence[]>();

  constructor(files: readonly SourceFile[]) {
    for (const file of files) {
      const walker = new Walker(this, file.file);
      for (const s of file.statements) walker.statement(s);
    }
    for (const list of this.byFile.values()) list.sort((a, b) => a.span.offset - b.span.offset);
  }

  /** The files' occurrences, in source order. */
  occurrencesIn(file: string): readonly Occurrence[] {
    return this.byFile.get(file) ?? [];
  }

  /** The occurrence under `offset` in `file` (a cursor just after a name counts). */
  at(file: string, offset: number): Occurrence | undefined {
    const list = this.byFile.get(file);
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const o = list[mid]!;
      if (o.span.endOffset < offset) lo = mid + 1;
      else if (o.span.offset > offset) hi = mid - 1;
      else return o;
    }
    return undefined;
  }

  /** Every occurrence of `key`, declarations included. */
  occurrencesOf(key: string): readonly Occurrence[] {
    return this.byKey.get(key) ?? [];
  }

  /** Declared names of the given kinds (first declarations only). */
  namesOf(kinds: readonly SymbolKind[]): Declaration[] {
    return [...this.declarations.values()].filter((d) => kinds.includes(d.kind));
  }

  add(o: Occurrence): void {
    let list = this.byFile.get(o.span.file);
    if (!list) this.byFile.set(o.span.file, (list = []));
    list.push(o);
    let same = this.byKey.get(o.key);
    if (!same) this.byKey.set(o.key, (same = []));
    same.push(o);
  }

  declare(d: Declaration): void {
    this.allDeclarations.push(d);
    if (!this.declarations.has(d.key)) this.declarations.set(d.key, d);
    this.add({ key: d.key, name: d.name, span: d.nameSpan, declaration: true });
  }
}

/** Walks one file's statements, recording declarations and references. */
class Walker {
  constructor(
    private readonly index: SymbolIndex,
    readonly file: string,
  ) {}

  private declare(
    id: Identifier,
    kind: SymbolKind,
    statement: Statement | ContainerItem,
    key = id.name,
    container?: string,
  ): void {
    this.index.declare({
      key,
      name: id.name,
      kind,
      nameSpan: nameSpanOf(id.span, id.name.length),
      statement,
      ...(container ? { container } : {}),
    });
  }

  private ref(id: Identifier | undefined, key = id?.name): void {
    if (!id || !key) return;
    this.index.add({
      key,
      name: id.name,
      span: nameSpanOf(id.span, id.name.length),
      declaration: false,
    });
  }

  /** Names in `e`, left to right; an explicit stack (operator chains are as long as a line). */
  private expr(root: Expr | undefined): void {
    const pending: Expr[] = root ? [root] : [];
    for (let e = pending.pop(); e !== undefined; e = pending.pop()) {
      switch (e.kind) {
        case "number":
          break;
        case "name":
          this.ref({ name: e.name, span: e.span });
          if (e.index) pending.push(e.index);
          break;
        case "unary":
          pending.push(e.operand);
          break;
        case "binary":
          pending.push(e.right, e.left);
          break;
      }
    }
  }

  private range(r: RangeExpr | undefined): void {
    if (!r) return;
    this.expr(r.start);
    this.expr(r.end);
  }

  private memoryRef(m: MemoryRef | undefined): void {
    if (!m) return;
    if (m.kind === "slice") {
      this.ref(m.target);
      this.range(m.range);
    } else {
      this.ref(m.name);
      if (m.index !== undefined && m.index !== "*") this.expr(m.index);
    }
  }

  private target(t: TargetRef): void {
    this.ref(t.name);
    if (t.member) this.ref(t.member, windowKey(t.name.name, t.member.name));
  }

  private map(s: MapDecl): void {
    this.memoryRef(s.source);
    this.target(s.target);
    if (s.at !== "auto") this.expr(s.at);
    this.expr(s.pages);
  }

  statement(s: Statement): void {
    switch (s.kind) {
      case "topology":
        this.declare(s.name, "topology", s, "topology:" + s.name.name);
        return;
      case "import":
      case "use":
        return;
      case "const":
        this.declare(s.name, "const", s);
        this.expr(s.value);
        return;
      case "memory":
        this.declare(s.name, "memory", s);
        this.range(s.range);
        this.ref(s.owner);
        this.ref(s.guest);
        if (s.backing) this.memoryRef(s.backing);
        return;
      case "pool":
        this.declare(s.name, "pool", s);
        this.memoryRef(s.source);
        return;
      case "mapper":
        this.declare(s.name, s.role, s);
        for (const p of s.params)
          for (const v of p.values) {
            if (v.kind === "expr") this.expr(v.expr);
            else if (v.kind === "range") this.range(v.range);
            // The core's own key names a pool; other bare words are the plugin's own values.
            else if (p.key.name === "pool") this.ref({ name: v.word, span: v.span });
          }
        return;
      case "endpoint":
        this.declare(s.name, s.endpointKind, s);
        this.ref(s.mapper);
        this.expr(s.stream);
        this.expr(s.group);
        this.expr(s.dmaMask);
        this.expr(s.offset);
        return;
      case "domain":
        this.declare(s.name, "domain", s);
        this.ref(s.mapper);
        for (const item of s.items) this.domainItem(item);
        return;
      case "buffer":
        this.declare(s.name, "buffer", s);
        this.expr(s.count);
        this.ref(s.region);
        this.expr(s.size);
        this.expr(s.align);
        this.expr(s.at);
        for (const c of s.chunks ?? []) this.memoryRef(c);
        return;
      case "map":
        return this.map(s);
      case "reservation":
        this.declare(s.name, "reservation", s);
        this.target(s.target);
        this.expr(s.size);
        this.expr(s.align);
        this.expr(s.at);
        return;
      case "container":
        this.declare(s.name, "container", s);
        this.ref(s.mapper);
        for (const item of s.items) this.containerItem(s.name.name, item);
        return;
      case "expect":
        return this.expect(s);
      case "scenario":
        this.declare(s.name, "scenario", s, scenarioKey(s.name.name));
        for (const step of s.steps) this.step(step);
        return;
    }
  }

  private domainItem(item: DomainItem): void {
    if (item.kind === "aperture" || item.kind === "reserve") this.range(item.range);
    else if (item.kind === "attach") for (const d of item.devices) this.ref(d);
    else if (item.kind === "stage") this.expr(item.stage);
    else if (item.kind === "nested") this.ref(item.parent);
    else if (item.kind === "tables") this.ref(item.pool);
  }

  private containerItem(container: string, item: ContainerItem): void {
    switch (item.kind) {
      case "groups":
        for (const g of item.groups) this.expr(g);
        return;
      case "locked-limit":
      case "host-page":
      case "backing-page":
        return this.expr(item.value);
      case "owner":
        return;
      case "remove":
        return this.ref(item.window, windowKey(container, item.window.name));
      case "register":
        return this.memoryRef(item.source);
      case "window":
        this.declare(item.name, "window", item, windowKey(container, item.name.name), container);
        this.expr(item.at);
        this.expr(item.size);
        this.expr(item.page);
        this.expr(item.levels);
        return;
    }
  }

  private expect(s: Extract<Statement, { kind: "expect" }>): void {
    this.ref(s.endpoint);
    if (s.expectation === "access") this.memoryRef(s.object);
    else if (s.expectation === "faults") this.expr(s.at);
    else {
      this.memoryRef(s.object);
      this.expr(s.at);
    }
  }

  private step(step: ScenarioStep): void {
    switch (step.kind) {
      case "map":
        return this.map(step);
      case "expect":
        return this.expect(step);
      case "unmap":
        this.memoryRef(step.source);
        this.target(step.target);
        return;
      case "migrate":
        this.memoryRef(step.buffer);
        this.ref(step.to);
        return;
      case "revoke":
        this.ref(step.region);
        this.memoryRef(step.dummy);
        return;
      case "register":
      case "unregister":
        this.ref(step.container);
        this.memoryRef(step.source);
        return;
      case "attach":
        this.ref(step.device);
        this.ref(step.domain);
        return;
      case "detach":
        return this.ref(step.device);
      case "power-off":
      case "restore":
        return this.ref(step.region);
    }
  }
}
