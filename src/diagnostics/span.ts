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

/**
 * Where each line of one file starts, shared by every span of that file so a span needs only
 * its two offsets: a parsed 100,000-statement file holds about a million spans.
 */
export class LineTable {
  private constructor(
    readonly file: string,
    /** Offsets of line starts, ascending; the first is 0. */
    private readonly starts: Int32Array,
  ) {}

  /** Line breaks are `\r\n`, `\n` or a lone `\r` (as the lexer counts them). */
  static of(file: string, text: string): LineTable {
    const starts: number[] = [0];
    if (text.indexOf("\r") < 0) {
      for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
    } else {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
      }
    }
    return new LineTable(file, Int32Array.from(starts));
  }

  /** The 1-based line holding `offset`. */
  lineOf(offset: number): number {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** The 1-based column of `offset` on line `line` (from `lineOf`). */
  columnOf(offset: number, line: number): number {
    return offset - this.starts[line - 1]! + 1;
  }
}

/**
 * A span of parsed text: two offsets and the file's line table; `line`, `column`, `endLine`
 * and `endColumn` are computed when read (most spans are never printed). JSON output and
 * `spanToPlain` give the full seven-field form.
 */
export class TextSpan implements Span {
  readonly offset: number;
  readonly endOffset: number;

  constructor(
    readonly lines: LineTable,
    offset: number,
    endOffset: number,
  ) {
    // `| 0` keeps the fields small integers: a double stored once would box every span's fields.
    this.offset = offset | 0;
    this.endOffset = endOffset | 0;
  }

  get file(): string {
    return this.lines.file;
  }
  get line(): number {
    return this.lines.lineOf(this.offset);
  }
  get column(): number {
    return this.lines.columnOf(this.offset, this.line);
  }
  // The end is just after the last character, on that character's line (a span ending in a
  // line break ends on the line it breaks, not at column 1 of the next).
  get endLine(): number {
    return this.endOffset > this.offset ? this.lines.lineOf(this.endOffset - 1) : this.line;
  }
  get endColumn(): number {
    if (this.endOffset <= this.offset) return this.column;
    const last = this.endOffset - 1;
    return this.lines.columnOf(last, this.lines.lineOf(last)) + 1;
  }

  toJSON(): Span {
    return spanToPlain(this);
  }
}

/** A plain-object copy with all seven fields as own properties (for spreading, deep equality). */
export function spanToPlain(s: Span): Span {
  return {
    file: s.file,
    offset: s.offset,
    endOffset: s.endOffset,
    line: s.line,
    column: s.column,
    endLine: s.endLine,
    endColumn: s.endColumn,
  };
}

/** Span covering `a` through `b` (both in the same file). */
export function joinSpans(a: Span, b: Span): Span {
  if (a instanceof TextSpan && b instanceof TextSpan && a.lines === b.lines) {
    return new TextSpan(a.lines, a.offset, b.endOffset);
  }
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
