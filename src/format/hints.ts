/**
 * What the formatter needs from the AST beyond the tokens: which `-`/`~`/`+` are prefix operators
 * (printed without a space after), which brackets open and close a `chunks [ ... ]` list (printed
 * with spaces inside), and for alignable statements the tokens where their columns start.
 * Everything is keyed by token offset.
 */
import type { Span } from "../diagnostics/span.js";
import type { Expr, SourceFile, Statement, ScenarioStep } from "../syntax/ast.js";
import type { Item } from "./items.js";

/** The columns of one statement: `cuts` are the offsets of the tokens that start a column. */
export interface AlignSpec {
  /** Statements align only with neighbours of the same class. */
  cls: string;
  /** In order; the text after the last cut is the unaligned rest of the line. */
  cuts: number[];
}

export interface LayoutHints {
  prefixOps: Set<number>;
  listBrackets: Set<number>;
  align: Map<number, AlignSpec>;
}

export function layoutHints(ast: SourceFile, items: readonly Item[]): LayoutHints {
  const tokens: number[] = [];
  for (const it of items) if (it.kind === "token") tokens.push(it.offset);
  const at = new TokenIndex(tokens);
  const hints: LayoutHints = { prefixOps: new Set(), listBrackets: new Set(), align: new Map() };
  walk(ast.statements, hints, at);
  for (const s of ast.statements) {
    addAlign(s, hints, at);
    if (s.kind === "scenario") for (const step of s.steps) addAlign(step, hints, at);
  }
  return hints;
}

class TokenIndex {
  constructor(private readonly offsets: number[]) {}

  /** Offset of the first token starting at or after `offset`, if any. */
  atOrAfter(offset: number): number | undefined {
    const o = this.offsets;
    let lo = 0;
    let hi = o.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (o[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return o[lo];
  }

  /** Offset of the last token starting before `offset`, if any. */
  before(offset: number): number | undefined {
    const o = this.offsets;
    let lo = 0;
    let hi = o.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (o[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? o[lo - 1] : undefined;
  }

  /** Offset of the first token after the text of `span` (the next clause), if any. */
  after(span: Span): number | undefined {
    return this.atOrAfter(span.endOffset);
  }
}

/**
 * Visit every node for unary operators, `.. +SIZE` and chunk lists. An explicit stack: an
 * operator chain is as deep as the statement is long (issue 17).
 */
function walk(root: unknown, hints: LayoutHints, at: TokenIndex): void {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (Array.isArray(value)) {
      for (const v of value) pending.push(v);
      continue;
    }
    if (typeof value !== "object" || value === null) continue;
    const node = value as Record<string, unknown>;
    if (node["kind"] === "unary") {
      const op = at.before((node["operand"] as Expr).span.offset);
      if (op !== undefined) hints.prefixOps.add(op);
    } else if (node["kind"] === "range" && node["endIsSize"] === true) {
      const plus = at.before((node["end"] as Expr).span.offset);
      if (plus !== undefined) hints.prefixOps.add(plus);
    } else if (node["kind"] === "buffer" && Array.isArray(node["chunks"])) {
      const chunks = node["chunks"] as { span: Span }[];
      if (chunks.length > 0) {
        const open = at.before(chunks[0]!.span.offset);
        const close = at.after(chunks[chunks.length - 1]!.span);
        if (open !== undefined) hints.listBrackets.add(open);
        if (close !== undefined) hints.listBrackets.add(close);
      }
    }
    for (const key of Object.keys(node)) {
      // Spans hold the file's line table: nothing to visit there.
      if (key === "span" || key.endsWith("Span") || key === "pinnable") continue;
      pending.push(node[key]);
    }
  }
}

function addAlign(s: Statement | ScenarioStep, hints: LayoutHints, at: TokenIndex): void {
  const spec = alignSpec(s, at);
  if (spec) hints.align.set(s.span.offset, spec);
}

/** Column starts per statement kind; a missing one ends the list (the rest is not aligned). */
function alignSpec(s: Statement | ScenarioStep, at: TokenIndex): AlignSpec | undefined {
  const cuts = (cls: string, ...points: (number | undefined)[]): AlignSpec => {
    const out: number[] = [];
    for (const p of points) {
      if (p === undefined || (out.length > 0 && p <= out[out.length - 1]!)) break;
      out.push(p);
    }
    return { cls, cuts: out };
  };
  switch (s.kind) {
    case "memory":
      return cuts(
        "memory",
        s.name.span.offset,
        s.range.start.span.offset,
        at.after(s.range.start.span),
        at.atOrAfter(at.after(s.range.start.span)! + 1),
        at.after(s.range.span),
      );
    case "pool":
      return cuts("pool", s.name.span.offset, at.after(s.name.span));
    case "mapper":
      return cuts(
        "mapper",
        s.name.span.offset,
        at.after(s.name.span),
        s.format.span.offset,
        at.after(s.format.span),
      );
    case "endpoint": {
      const clause = s.mapper ? at.before(s.mapper.span.offset) : undefined;
      // The mapper clause is a column only where it comes first after the name.
      const first = clause !== undefined && clause === at.after(s.name.span);
      return first
        ? cuts("endpoint", s.name.span.offset, clause, at.after(s.mapper!.span))
        : cuts("endpoint", s.name.span.offset);
    }
    case "domain":
      return cuts(
        "domain",
        s.name.span.offset,
        at.after(s.name.span),
        s.mapper.span.offset,
        at.after(s.mapper.span),
      );
    case "buffer": {
      // `frame[4]` is one column: the clause after the count's `]`.
      const nameEnd = s.count ? at.after(s.count.span) : undefined;
      const next = nameEnd !== undefined ? at.atOrAfter(nameEnd + 1) : at.after(s.name.span);
      return cuts("buffer", s.name.span.offset, next);
    }
    case "map":
      return cuts(
        "map",
        s.source.span.offset,
        at.after(s.source.span),
        s.target.span.offset,
        at.after(s.target.span),
      );
    case "const":
      return cuts("const", s.name.span.offset, at.after(s.name.span), s.value.span.offset);
    case "reservation":
      return cuts(
        "reservation",
        s.name.span.offset,
        at.before(s.target.span.offset),
        s.target.span.offset,
        at.after(s.target.span),
      );
    case "expect":
      return cuts("expect", s.endpoint.span.offset, at.after(s.endpoint.span));
    default:
      return undefined;
  }
}
