/**
 * Spans across threads. A parsed span is a TextSpan whose line and column are getters over its
 * file's LineTable; structured clone keeps the fields but drops the class, so a worker's spans
 * lose `file`, `line`... Workers send failures with plain seven-field spans, and the main thread
 * puts back its own span object (the one a single-thread run reports), found by file and offsets.
 */
import { LineTable, TextSpan, spanToPlain, type Span } from "../diagnostics/span.js";
import type { IrTopology } from "../ir/types.js";

interface ClonedTextSpan {
  lines: { file: string; starts: Int32Array };
  offset: number;
  endOffset: number;
}

const isClonedTextSpan = (s: object): s is ClonedTextSpan =>
  !(s instanceof TextSpan) && "lines" in s && typeof s.lines === "object" && s.lines !== null;

/** Worker side: a plain span, whether `span` survived the clone as a TextSpan's fields or not. */
export function plainSpan(span: Span): Span {
  if (isClonedTextSpan(span)) {
    // Give the cloned fields their classes back (in place: each span and table once).
    if (!(span.lines instanceof LineTable)) Object.setPrototypeOf(span.lines, LineTable.prototype);
    Object.setPrototypeOf(span, TextSpan.prototype);
  }
  return spanToPlain(span);
}

const keyOf = (s: Span) => `${s.file}\0${s.offset}\0${s.endOffset}`;

/** Main side: the IR's own spans of the things failures point at (endpoints, mappings, expects). */
export class SpanIndex {
  private index: Map<string, Span> | undefined;

  constructor(private readonly ir: IrTopology) {}

  own(span: Span): Span {
    if (!this.index) {
      this.index = new Map();
      for (const list of [this.ir.endpoints, this.ir.mappings, this.ir.expects]) {
        for (const x of list) this.index.set(keyOf(x.span), x.span);
      }
    }
    return this.index.get(keyOf(span)) ?? span;
  }
}
