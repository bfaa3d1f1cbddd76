import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { LineTable, TextSpan, joinSpans, spanToPlain } from "../../src/diagnostics/span.js";
import { parseSource } from "../../src/syntax/parse.js";

/** Line and column of `offset` by walking the text from the start (the obvious way). */
function naivePosition(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset; i++) {
    const c = text[i];
    if (c === "\n" || (c === "\r" && text[i + 1] !== "\n")) {
      line++;
      column = 1;
    } else {
      column++;
    }
  }
  return { line, column };
}

const FUZZ_RUNS = Number(process.env["FUZZ_RUNS"] ?? 200);

describe("LineTable and TextSpan", () => {
  test("positions agree with a walk over the text, for \\n, \\r\\n and lone \\r", () => {
    const piece = fc.constantFrom("a", "bc", " ", "\n", "\r\n", "\r", "é", "\t");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), fc.nat(), fc.nat(), (pieces, a, b) => {
        const text = pieces.join("");
        const lines = LineTable.of("t.vcm", text);
        const start = a % (text.length + 1);
        const end = start + (b % (text.length - start + 1));
        const span = new TextSpan(lines, start, end);
        const s = naivePosition(text, start);
        expect([span.line, span.column]).toEqual([s.line, s.column]);
        // The end is just after the last character, on that character's line.
        const e =
          end > start
            ? (({ line, column }) => ({ line, column: column + 1 }))(naivePosition(text, end - 1))
            : s;
        expect([span.endLine, span.endColumn]).toEqual([e.line, e.column]);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  test("JSON and plain copies carry all seven fields", () => {
    const lines = LineTable.of("f.vcm", "ab\ncdef\n");
    const span = new TextSpan(lines, 4, 6);
    const plain = {
      file: "f.vcm",
      offset: 4,
      endOffset: 6,
      line: 2,
      column: 2,
      endLine: 2,
      endColumn: 4,
    };
    expect(spanToPlain(span)).toEqual(plain);
    expect(JSON.parse(JSON.stringify({ span }))).toEqual({ span: plain });
    expect(span).toMatchObject({ file: "f.vcm", line: 2, column: 2 });
  });

  test("joinSpans of two text spans stays light; of plain spans stays plain", () => {
    const lines = LineTable.of("f.vcm", "ab\ncdef\n");
    const joined = joinSpans(new TextSpan(lines, 0, 1), new TextSpan(lines, 4, 6));
    expect(joined).toBeInstanceOf(TextSpan);
    expect(spanToPlain(joined)).toMatchObject({ offset: 0, endOffset: 6, line: 1, endLine: 2 });
    const a = { file: "g", offset: 0, endOffset: 1, line: 1, column: 1, endLine: 1, endColumn: 2 };
    const b = { file: "g", offset: 5, endOffset: 7, line: 2, column: 3, endLine: 2, endColumn: 5 };
    expect(joinSpans(a, b)).toEqual({ ...a, endOffset: 7, endLine: 2, endColumn: 5 });
  });

  test("parsed spans in a CRLF file point at the right lines and columns", () => {
    const text = "topology t\r\ncpu a\r\n\r\nmemory ddr 0 .. +1M ram\r\n";
    const r = parseSource(text, "crlf.vcm");
    expect(r.diagnostics).toEqual([]);
    const m = r.ast.statements[2]!;
    if (m.kind !== "memory") throw new Error(m.kind);
    expect(spanToPlain(m.name.span)).toEqual({
      file: "crlf.vcm",
      offset: 28,
      endOffset: 31,
      line: 4,
      column: 8,
      endLine: 4,
      endColumn: 11,
    });
  });

  test("a lexical error on a later line of a big file is placed on its line", () => {
    const body = "cpu a\n".repeat(30_000); // several lexer chunks
    const r = parseSource(`topology t\n${body}cpu @b\n`, "big.vcm");
    expect(r.diagnostics.map((d) => [d.check, d.span?.line, d.span?.column])).toEqual([
      ["invalid-character", 30_002, 5],
    ]);
  });
});
