/**
 * Go to definition and find references. A name binds to its first declaration (as the
 * resolver binds it). References are gathered from every topology that loads the declaring
 * file: the document's own (root and imports) and every other open document or workspace file
 * whose imports reach it, so a name declared in a shared file is found in all its importers.
 */
import { dirname, resolve as resolvePath } from "node:path";
import type { Location, Position } from "vscode-languageserver";
import type { Span } from "../diagnostics/span.js";
import { pathOfSpanFile, rangeOfSpan, uriOfPath } from "./positions.js";
import type { DocumentContext } from "./server.js";
import { SymbolIndex, type Occurrence } from "./symbol-index.js";
import type { WorkspaceFiles } from "./workspace-files.js";

export function locationOf(span: Span, cwd: string): Location {
  return { uri: uriOfPath(pathOfSpanFile(span.file, cwd)), range: rangeOfSpan(span) };
}

/** The name under the cursor, if any. */
export function occurrenceAt(c: DocumentContext, position: Position): Occurrence | undefined {
  return c.analysis.index.at(c.file, c.document.offsetAt(position));
}

export function definitionAt(c: DocumentContext, position: Position): Location | null {
  const offset = c.document.offsetAt(position);
  // On an import's path: the imported file, when the loader read it.
  const source = c.analysis.checked.files.find((f) => f.file === c.file);
  const imported = source?.statements.find(
    (s) => s.kind === "import" && offset >= s.pathSpan.offset && offset <= s.pathSpan.endOffset,
  );
  if (imported?.kind === "import") {
    const target = resolvePath(dirname(c.path), imported.path);
    if (c.analysis.paths.includes(target))
      return {
        uri: uriOfPath(target),
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      };
    return null;
  }
  const o = occurrenceAt(c, position);
  const d = o ? c.analysis.index.declarations.get(o.key) : undefined;
  return d ? locationOf(d.nameSpan, c.analysis.cwd) : null;
}

/**
 * Every occurrence of `key` in the topologies that load `declaredIn` (absolute), or only in
 * the document's own topology when the name has no declaration. Deduplicated by place.
 */
export function occurrencesEverywhere(
  c: DocumentContext,
  key: string,
  files: WorkspaceFiles,
): { span: Span; declaration: boolean }[] {
  const cwd = c.analysis.cwd;
  const d = c.analysis.index.declarations.get(key);
  const seen = new Set<string>();
  const out: { span: Span; declaration: boolean }[] = [];
  const take = (index: SymbolIndex) => {
    for (const o of index.occurrencesOf(key)) {
      const id = `${pathOfSpanFile(o.span.file, cwd)}:${o.span.offset}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ span: o.span, declaration: o.declaration });
    }
  };
  take(c.analysis.index);
  if (!d) return out;
  const declaredIn = pathOfSpanFile(d.nameSpan.file, cwd);
  const own = new Set(c.analysis.paths);
  for (const root of files.vcmFiles()) {
    if (own.has(root)) continue;
    const closure = files.closure(root);
    if (!closure.some((f) => pathOfSpanFile(f.file, cwd) === declaredIn)) continue;
    for (const f of closure) own.add(pathOfSpanFile(f.file, cwd));
    take(new SymbolIndex(closure));
  }
  return out;
}

export function referencesAt(
  c: DocumentContext,
  position: Position,
  includeDeclaration: boolean,
  files: WorkspaceFiles,
): Location[] | null {
  const o = occurrenceAt(c, position);
  if (!o) return null;
  return occurrencesEverywhere(c, o.key, files)
    .filter((x) => includeDeclaration || !x.declaration)
    .map((x) => locationOf(x.span, c.analysis.cwd));
}
