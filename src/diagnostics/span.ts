/** A region of source text. Lines and columns are 1-based; offsets are 0-based UTF-16 indices. */
export interface Span {
  file: string;
  offset: number;
  endOffset: number;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** Span covering `a` through `b` (both in the same file). */
export function joinSpans(a: Span, b: Span): Span {
  return {
    file: a.file,
    offset: a.offset,
    line: a.line,
    column: a.column,
    endOffset: b.endOffset,
    endLine: b.endLine,
    endColumn: b.endColumn,
  };
}

/** A zero-width span at the start of a file, for problems that belong to a whole file. */
export function fileSpan(file: string): Span {
  return { file, offset: 0, endOffset: 0, line: 1, column: 1, endLine: 1, endColumn: 1 };
}
