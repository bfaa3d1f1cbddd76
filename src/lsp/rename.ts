/**
 * Rename a declared name everywhere it is used, across imports (`navigation.ts` finds the
 * places). The new name must be a VCM name (`[A-Za-z_][A-Za-z0-9_]*` with inner hyphens, at most
 * 256 characters) and must not already be declared, so a rename never changes what binds.
 */
import {
  ResponseError,
  ErrorCodes,
  type Position,
  type Range,
  type TextEdit,
  type WorkspaceEdit,
} from "vscode-languageserver";
import { locationOf, occurrenceAt, occurrencesEverywhere } from "./navigation.js";
import { rangeOfSpan } from "./positions.js";
import type { DocumentContext } from "./server.js";
import type { WorkspaceFiles } from "./workspace-files.js";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*$/;
const MAX_NAME = 256;

export function prepareRename(
  c: DocumentContext,
  position: Position,
): { range: Range; placeholder: string } | null {
  const o = occurrenceAt(c, position);
  if (!o || !c.analysis.index.declarations.has(o.key)) return null;
  return { range: rangeOfSpan(o.span), placeholder: o.name };
}

export function renameAt(
  c: DocumentContext,
  position: Position,
  newName: string,
  files: WorkspaceFiles,
): WorkspaceEdit | null {
  const o = occurrenceAt(c, position);
  if (!o) return null;
  const d = c.analysis.index.declarations.get(o.key);
  if (!d) throw new ResponseError(ErrorCodes.InvalidRequest, `'${o.name}' is not declared`);
  if (!NAME.test(newName) || newName.length > MAX_NAME)
    throw new ResponseError(
      ErrorCodes.InvalidParams,
      `'${newName}' is not a VCM name (letters, digits, _ and inner hyphens, at most ${MAX_NAME})`,
    );
  const newKey = o.key.slice(0, o.key.length - o.name.length) + newName;
  if (newName !== o.name && c.analysis.index.declarations.has(newKey))
    throw new ResponseError(ErrorCodes.InvalidParams, `'${newName}' is already declared`);
  const changes: Record<string, TextEdit[]> = {};
  for (const x of occurrencesEverywhere(c, o.key, files)) {
    const { uri, range } = locationOf(x.span, c.analysis.cwd);
    (changes[uri] ??= []).push({ range, newText: newName });
  }
  return { changes };
}
