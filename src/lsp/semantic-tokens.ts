/**
 * Semantic tokens: every name coloured by what it is declared as (the TextMate grammar cannot
 * know that `frame` is a buffer and `smmu` an IOMMU), plus a mapper's format (a plugin) and its
 * parameter keys. Keywords, numbers and comments are left to the TextMate grammar.
 */
import type { SemanticTokens, SemanticTokensLegend } from "vscode-languageserver";
import type { Span } from "../diagnostics/span.js";
import type { DocumentContext } from "./server.js";
import type { SymbolKind } from "./symbol-index.js";

const TYPES = [
  "namespace",
  "class",
  "struct",
  "variable",
  "property",
  "type",
  "function",
  "event",
  "interface",
] as const;
const MODIFIERS = ["declaration", "readonly", "defaultLibrary"] as const;

export const SEMANTIC_TOKENS_LEGEND: SemanticTokensLegend = {
  tokenTypes: [...TYPES],
  tokenModifiers: [...MODIFIERS],
};

type TokenType = (typeof TYPES)[number];

const TYPE_OF: Record<SymbolKind, TokenType> = {
  const: "variable",
  memory: "struct",
  pool: "struct",
  buffer: "variable",
  reservation: "variable",
  mmu: "class",
  iommu: "class",
  cpu: "interface",
  device: "interface",
  dma: "interface",
  domain: "namespace",
  container: "namespace",
  window: "property",
  scenario: "event",
  topology: "namespace",
};

interface Token {
  span: Span;
  type: TokenType;
  modifiers: number;
}

const bit = (m: (typeof MODIFIERS)[number]) => 1 << MODIFIERS.indexOf(m);

export function semanticTokens(c: DocumentContext): SemanticTokens {
  const index = c.analysis.index;
  const tokens: Token[] = [];
  for (const o of index.occurrencesIn(c.file)) {
    const d = index.declarations.get(o.key);
    if (!d) continue;
    let modifiers = o.declaration ? bit("declaration") : 0;
    if (d.kind === "const") modifiers |= bit("readonly");
    tokens.push({ span: o.span, type: TYPE_OF[d.kind], modifiers });
  }
  const source = c.analysis.checked.files.find((f) => f.file === c.file);
  for (const s of source?.statements ?? []) {
    if (s.kind !== "mapper") continue;
    tokens.push({ span: s.format.span, type: "type", modifiers: bit("defaultLibrary") });
    for (const p of s.params) tokens.push({ span: p.key.span, type: "property", modifiers: 0 });
  }
  tokens.sort((a, b) => a.span.offset - b.span.offset);
  const data: number[] = [];
  let line = 0;
  let character = 0;
  let lastEnd = -1;
  for (const t of tokens) {
    if (t.span.offset < lastEnd || t.span.endLine !== t.span.line) continue;
    const l = t.span.line - 1;
    const ch = t.span.column - 1;
    data.push(
      l - line,
      l === line ? ch - character : ch,
      t.span.endOffset - t.span.offset,
      TYPES.indexOf(t.type),
      t.modifiers,
    );
    line = l;
    character = ch;
    lastEnd = t.span.endOffset;
  }
  return { data };
}
