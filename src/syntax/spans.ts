/**
 * Spans from Chevrotain tokens. The lexer tracks start offsets only (cheaper, smaller tokens);
 * a token ends where its image does.
 */
import type { IToken } from "chevrotain";
import { TextSpan, type LineTable, type Span } from "../diagnostics/span.js";

/** The offset just after `t` (NaN for Chevrotain's end-of-input token). */
export function tokenEnd(t: IToken): number {
  return t.startOffset + t.image.length;
}

export function tokenSpan(lines: LineTable, t: IToken): Span {
  return new TextSpan(lines, t.startOffset, tokenEnd(t));
}

/** From the start of `first` to the end of `last`. */
export function tokensSpan(lines: LineTable, first: IToken, last: IToken): Span {
  return new TextSpan(lines, first.startOffset, tokenEnd(last));
}

/** A zero-width span just after `t` (where a missing token should have been). */
export function afterToken(lines: LineTable, t: IToken): Span {
  return new TextSpan(lines, tokenEnd(t), tokenEnd(t));
}

/** From the start of span `a` to the end of token `last`. */
export function spanToToken(lines: LineTable, a: Span, last: IToken): Span {
  return new TextSpan(lines, a.offset, tokenEnd(last));
}

/** From the start of token `first` to the end of span `b`. */
export function tokenToSpan(lines: LineTable, first: IToken, b: Span): Span {
  return new TextSpan(lines, first.startOffset, b.endOffset);
}

/** From the start of span `a` to the end of span `b`. */
export function spanToSpan(lines: LineTable, a: Span, b: Span): Span {
  return new TextSpan(lines, a.offset, b.endOffset);
}
