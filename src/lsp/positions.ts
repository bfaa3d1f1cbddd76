/**
 * Between VCM spans (1-based lines and columns in UTF-16 units, offsets) and LSP positions
 * (0-based lines and UTF-16 characters), and between file paths and `file:` URIs. Spans name
 * files by display name (relative to the server's working directory when shorter), so a span's
 * file is resolved against that directory.
 */
import { join, resolve as resolvePath } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Position, Range } from "vscode-languageserver";
import type { Span } from "../diagnostics/span.js";

export function rangeOfSpan(span: Span): Range {
  return {
    start: { line: Math.max(0, span.line - 1), character: Math.max(0, span.column - 1) },
    end: { line: Math.max(0, span.endLine - 1), character: Math.max(0, span.endColumn - 1) },
  };
}

/** A range of `length` characters from `span`'s start (a name at the start of a longer span). */
export function rangeAtStart(span: Span, length: number): Range {
  const start = { line: span.line - 1, character: span.column - 1 };
  return { start, end: { line: start.line, character: start.character + length } };
}

/**
 * Documents that are not files (an editor's `untitled:` buffers) are checked as if saved in
 * the workspace folder under a made-up name: their path by URI and URI by path.
 */
const virtualPaths = new Map<string, string>();
const virtualUris = new Map<string, string>();

/** Gives the non-file document `uri` a path in `dir` (the workspace folder); returns it. */
export function openVirtual(uri: string, dir: string): string {
  const known = virtualPaths.get(uri);
  if (known) return known;
  const name = uri.replace(/^[a-z]+:/i, "").replace(/[^A-Za-z0-9_-]+/g, "-");
  const path = join(dir, `.${name || "untitled"}.unsaved.vcm`);
  virtualPaths.set(uri, path);
  virtualUris.set(path, uri);
  return path;
}

export function closeVirtual(uri: string): void {
  const path = virtualPaths.get(uri);
  if (path) virtualUris.delete(path);
  virtualPaths.delete(uri);
}

export function uriOfPath(path: string): string {
  return virtualUris.get(path) ?? pathToFileURL(path).href;
}

/** The absolute path of a `file:` URI, or of an open non-file document; else undefined. */
export function pathOfUri(uri: string): string | undefined {
  if (!uri.startsWith("file:")) return virtualPaths.get(uri);
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

/** The absolute path of a span's file (spans hold display names relative to `cwd`). */
export function pathOfSpanFile(file: string, cwd: string): string {
  return resolvePath(cwd, file);
}

/** Offset of an LSP position in `text` (clamped to the text). */
export function offsetAt(text: string, position: Position): number {
  let offset = 0;
  for (let line = 0; line < position.line; line++) {
    const next = text.indexOf("\n", offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  const lineEnd = text.indexOf("\n", offset);
  const end = lineEnd < 0 ? text.length : lineEnd;
  return Math.min(offset + position.character, end);
}

/** The LSP position of `offset` in `text`. */
export function positionAt(text: string, offset: number): Position {
  let line = 0;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, character: offset - lineStart };
}

/** Whether `offset` lies in [span.offset, span.endOffset] (a cursor just after a name counts). */
export function spanHolds(span: Span, offset: number): boolean {
  return offset >= span.offset && offset <= span.endOffset;
}
