/**
 * Quick fixes:
 * - "Change to 'NAME'" for a diagnostic whose hint says "did you mean 'NAME'?" (an unresolved
 *   name, an unknown format, parameter or check name);
 * - "Align BUFFER to SIZE" on a `map` line whose buffer's alignment forces smaller pages than
 *   its table offers, saying how many leaves it saves (the lowering's own page choice);
 * - "Disable CHECK on this line": a trailing `// vcm: disable-line CHECK`, or, on a line that
 *   already has a comment, `// vcm: disable-next-line CHECK` on a line of its own above it;
 * - "Disable CHECK in this file": `// vcm: disable CHECK` on the first line. A file-wide
 *   directive in a topology's top file applies to its imports too (grammar/REFERENCE.md,
 *   `SeverityPolicy`); the title says so.
 */
import {
  CodeActionKind,
  type CodeAction,
  type CodeActionParams,
  type Diagnostic as LspDiagnostic,
  type TextEdit,
} from "vscode-languageserver";
import { findCheck } from "../checks/registry.js";
import type { BufferDecl, MapDecl } from "../syntax/ast.js";
import { editDistance } from "../diagnostics/suggest.js";
import type { DiagnosticData } from "./diagnostics.js";
import { statementAt } from "./statement-at.js";
import { bestLeaves, mapLinePages } from "./map-pages.js";
import { locationOf } from "./navigation.js";
import { rangeOfSpan } from "./positions.js";
import type { DocumentContext } from "./server.js";
import { pageSizeName } from "./units.js";

const SUGGESTION = /did you mean '([^']+)'\?/;
const WORD = /[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*/g;

function dataOf(d: LspDiagnostic): DiagnosticData | undefined {
  const data = d.data as Partial<DiagnosticData> | undefined;
  return data && typeof data.check === "string" && typeof data.vcmCode === "string"
    ? (data as DiagnosticData)
    : undefined;
}

function didYouMean(c: DocumentContext, d: LspDiagnostic): CodeAction | undefined {
  const hint = dataOf(d)?.hint ?? d.message;
  const suggestion = SUGGESTION.exec(hint)?.[1];
  if (!suggestion) return undefined;
  const start = c.document.offsetAt(d.range.start);
  const text = c.document.getText(d.range);
  // The misspelt word in the range: the one closest to the suggestion.
  let best: { index: number; word: string; distance: number } | undefined;
  for (const m of text.matchAll(WORD)) {
    if (m[0] === suggestion) continue;
    const distance = editDistance(m[0], suggestion);
    if (!best || distance < best.distance) best = { index: m.index, word: m[0], distance };
  }
  if (!best) return undefined;
  const range = {
    start: c.document.positionAt(start + best.index),
    end: c.document.positionAt(start + best.index + best.word.length),
  };
  return {
    title: `Change '${best.word}' to '${suggestion}'`,
    kind: CodeActionKind.QuickFix,
    diagnostics: [d],
    isPreferred: true,
    edit: { changes: { [c.uri]: [{ range, newText: suggestion }] } },
  };
}

function disableCheck(c: DocumentContext, d: LspDiagnostic): CodeAction[] {
  const data = dataOf(d);
  if (!data || findCheck(data.check)?.fixed) return [];
  const line = d.range.start.line;
  const lineText = c.document
    .getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } })
    .replace(/\r?\n$/, "");
  // A line that already has a comment gets the directive on a line of its own above it.
  const onThisLine: TextEdit =
    lineText.includes("//") || lineText.includes("/*")
      ? {
          range: { start: { line, character: 0 }, end: { line, character: 0 } },
          newText: `${/^\s*/.exec(lineText)![0]}// vcm: disable-next-line ${data.check}\n`,
        }
      : {
          range: {
            start: { line, character: lineText.length },
            end: { line, character: lineText.length },
          },
          newText: `  // vcm: disable-line ${data.check}`,
        };
  const top = { line: 0, character: 0 };
  return [
    {
      title: `Disable '${data.check}' on this line`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [d],
      edit: { changes: { [c.uri]: [onThisLine] } },
    },
    {
      // The document is checked as the top file of its topology: the directive reaches its imports.
      title: `Disable '${data.check}' in this file and the files it imports`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [d],
      edit: {
        changes: {
          [c.uri]: [
            { range: { start: top, end: top }, newText: `// vcm: disable ${data.check}\n` },
          ],
        },
      },
    },
  ];
}

/** "Align BUFFER to SIZE": where a `map` line's buffer alignment forces smaller pages. */
function alignActions(c: DocumentContext, map: MapDecl): CodeAction[] {
  const { analysis } = c;
  const ir = analysis.checked.ir;
  if (!ir) return [];
  const pages = mapLinePages(analysis, map);
  // Per buffer declaration: leaves now and at the best alignment, over the line's mappings.
  const byBuffer = new Map<string, { now: number; best: number; align: bigint; current: bigint }>();
  for (const p of pages.mappings) {
    const m = p.mapping;
    if (!p.leaves || !p.pageSizes || m.iova !== "auto" || m.source.buffer === undefined) continue;
    const buffer = ir.buffers.find((b) => b.name === m.source.buffer);
    if (!buffer || !buffer.placed) continue;
    const best = bestLeaves(m, p.pageSizes);
    if (!best) continue;
    const now = p.leaves.reduce((sum, [, n]) => sum + n, 0);
    const name = buffer.array?.name ?? buffer.name;
    const entry = byBuffer.get(name) ?? { now: 0, best: 0, align: 0n, current: buffer.align };
    entry.now += now;
    entry.best += best.leaves;
    if (best.align > entry.align) entry.align = best.align;
    byBuffer.set(name, entry);
  }
  const out: CodeAction[] = [];
  for (const [name, e] of byBuffer) {
    if (e.best >= e.now || e.align <= e.current) continue;
    const decl = analysis.index.declarations.get(name);
    if (!decl || decl.kind !== "buffer") continue;
    const statement = decl.statement as BufferDecl;
    const size = pageSizeName(e.align);
    const location = locationOf(statement.span, analysis.cwd);
    const edit: TextEdit = statement.align
      ? { range: rangeOfSpan(statement.align.span), newText: size }
      : {
          range: { start: location.range.end, end: location.range.end },
          newText: ` align ${size}`,
        };
    const saved = e.now - e.best;
    out.push({
      title: `Align '${name}' to ${size}: ${e.now.toLocaleString("en-US")} → ${e.best.toLocaleString("en-US")} leaves (saves ${saved.toLocaleString("en-US")})`,
      kind: CodeActionKind.QuickFix,
      edit: { changes: { [location.uri]: [edit] } },
    });
  }
  return out;
}

export function codeActions(c: DocumentContext, params: CodeActionParams): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of params.context.diagnostics) {
    if (!dataOf(d)) continue;
    const fix = didYouMean(c, d);
    if (fix) out.push(fix);
    out.push(...disableCheck(c, d));
  }
  const from = c.document.offsetAt(params.range.start);
  const at = statementAt(c.analysis, c.file, from);
  const map = at?.statement.kind === "map" ? at.statement : undefined;
  if (map) out.push(...alignActions(c, map));
  return out;
}
