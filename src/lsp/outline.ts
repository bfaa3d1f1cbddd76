/**
 * The document outline (document symbols), workspace symbols and folding ranges, all read from
 * the parsed statements: a half-typed file still has an outline of what parsed.
 */
import {
  FoldingRangeKind,
  SymbolKind as LspSymbolKind,
  type DocumentSymbol,
  type FoldingRange,
  type WorkspaceSymbol,
} from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { pathOfUri, rangeOfSpan, uriOfPath } from "./positions.js";
import type { DocumentContext } from "./server.js";
import { SymbolIndex, type Declaration, type SymbolKind } from "./symbol-index.js";
import type { WorkspaceFiles } from "./workspace-files.js";

const KIND: Record<SymbolKind, LspSymbolKind> = {
  const: LspSymbolKind.Constant,
  memory: LspSymbolKind.Struct,
  pool: LspSymbolKind.Array,
  mmu: LspSymbolKind.Class,
  iommu: LspSymbolKind.Class,
  cpu: LspSymbolKind.Object,
  device: LspSymbolKind.Object,
  dma: LspSymbolKind.Object,
  domain: LspSymbolKind.Namespace,
  buffer: LspSymbolKind.Variable,
  container: LspSymbolKind.Module,
  reservation: LspSymbolKind.Field,
  window: LspSymbolKind.Field,
  scenario: LspSymbolKind.Event,
  topology: LspSymbolKind.File,
};

function symbolOf(d: Declaration, children?: DocumentSymbol[]): DocumentSymbol {
  return {
    name: d.name,
    detail: d.kind,
    kind: KIND[d.kind],
    range: rangeOfSpan(d.statement.span),
    selectionRange: rangeOfSpan(d.nameSpan),
    ...(children && children.length > 0 ? { children } : {}),
  };
}

export function documentSymbols(c: DocumentContext): DocumentSymbol[] {
  const mine = c.analysis.index.allDeclarations.filter((d) => d.nameSpan.file === c.file);
  const windows = new Map<string, DocumentSymbol[]>();
  for (const d of mine)
    if (d.kind === "window" && d.container) {
      let list = windows.get(d.container);
      if (!list) windows.set(d.container, (list = []));
      list.push(symbolOf(d));
    }
  return mine
    .filter((d) => d.kind !== "window")
    .map((d) => symbolOf(d, d.kind === "container" ? windows.get(d.name) : undefined));
}

export function foldingRanges(c: DocumentContext): FoldingRange[] {
  const source = c.analysis.checked.files.find((f) => f.file === c.file);
  if (!source) return [];
  const out: FoldingRange[] = [];
  for (const s of source.statements) {
    if (s.span.endLine > s.span.line)
      out.push({
        startLine: s.span.line - 1,
        endLine: s.span.endLine - 1,
        kind: FoldingRangeKind.Region,
      });
  }
  // Runs of two or more `//` comment lines, and `/* */` comments over several lines.
  const lines = source.text.split(/\r\n|\r|\n/);
  let runStart = -1;
  for (let i = 0; i <= lines.length; i++) {
    const comment = i < lines.length && /^\s*\/\//.test(lines[i]!);
    if (comment && runStart < 0) runStart = i;
    if (!comment && runStart >= 0) {
      if (i - 1 > runStart)
        out.push({ startLine: runStart, endLine: i - 1, kind: FoldingRangeKind.Comment });
      runStart = -1;
    }
  }
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i]!.indexOf("/*");
    if (open < 0 || lines[i]!.indexOf("*/", open + 2) >= 0) continue;
    let end = i + 1;
    while (end < lines.length && !lines[end]!.includes("*/")) end++;
    if (end < lines.length)
      out.push({ startLine: i, endLine: end, kind: FoldingRangeKind.Comment });
  }
  return out;
}

/** Declarations in every workspace `.vcm` file and open document whose name contains `query`. */
export function workspaceSymbols(
  query: string,
  files: WorkspaceFiles,
  open: readonly TextDocument[],
): WorkspaceSymbol[] {
  const q = query.toLowerCase();
  const paths = new Set(files.vcmFiles());
  for (const d of open) {
    const p = pathOfUri(d.uri);
    if (p) paths.add(p);
  }
  const out: WorkspaceSymbol[] = [];
  const seen = new Set<string>();
  for (const path of paths) {
    const own = files.closure(path)[0];
    if (!own) continue;
    for (const d of new SymbolIndex([own]).allDeclarations) {
      if (q && !d.name.toLowerCase().includes(q)) continue;
      const id = `${path}:${d.nameSpan.offset}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({
        name: d.container ? `${d.container}.${d.name}` : d.name,
        kind: KIND[d.kind],
        containerName: d.kind,
        location: { uri: uriOfPath(path), range: rangeOfSpan(d.nameSpan) },
      });
      if (out.length >= 1000) return out;
    }
  }
  return out;
}
