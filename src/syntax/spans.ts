/** Spans from Chevrotain tokens (whose end offsets and columns are inclusive; ours are exclusive). */
import type { IToken } from "chevrotain";
import type { Span } from "../diagnostics/span.js";

export function tokenSpan(file: string, t: IToken): Span {
  return {
    file,
    offset: t.startOffset,
    endOffset: t.endOffset! + 1,
    line: t.startLine!,
    column: t.startColumn!,
    endLine: t.endLine!,
    endColumn: t.endColumn! + 1,
  };
}

/** From the start of `first` to the end of `last`. */
export function tokensSpan(file: string, first: IToken, last: IToken): Span {
  return {
    file,
    offset: first.startOffset,
    endOffset: last.endOffset! + 1,
    line: first.startLine!,
    column: first.startColumn!,
    endLine: last.endLine!,
    endColumn: last.endColumn! + 1,
  };
}

/** A zero-width span just after `t` (where a missing token should have been). */
export function afterToken(file: string, t: IToken): Span {
  return {
    file,
    offset: t.endOffset! + 1,
    endOffset: t.endOffset! + 1,
    line: t.endLine!,
    column: t.endColumn! + 1,
    endLine: t.endLine!,
    endColumn: t.endColumn! + 1,
  };
}

/** From the start of span `a` to the end of token `last`. */
export function spanToToken(a: Span, last: IToken): Span {
  return {
    file: a.file,
    offset: a.offset,
    line: a.line,
    column: a.column,
    endOffset: last.endOffset! + 1,
    endLine: last.endLine!,
    endColumn: last.endColumn! + 1,
  };
}
