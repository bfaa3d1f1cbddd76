import { describe, expect, it } from "vitest";
import { JsonSpans, jsonPointer, parseJsonWithSpans } from "../../src/diagnostics/json-span.js";

const TEXT = `{
  "pools": [
    { "name": "a", "base": "0x1000" },
    { "name": "b", "nested": { "x": [1, 2, 3] } }
  ],
  "s": "q\\"uote"
}`;

function at(path: (string | number)[]) {
  const s = new JsonSpans("m.json", TEXT).at(path);
  return [s.line, s.column, TEXT.slice(s.offset, s.endOffset)];
}

describe("JSON spans", () => {
  it("finds a scalar property from its name to its value", () => {
    expect(at(["pools", 0, "base"])).toEqual([3, 20, '"base": "0x1000"']);
    expect(at(["s"])).toEqual([6, 3, '"s": "q\\"uote"']);
  });

  it("finds array elements and an object-valued property at its name", () => {
    expect(at(["pools", 1, "nested", "x", 2])).toEqual([4, 44, "3"]);
    expect(at(["pools", 1, "nested"])).toEqual([4, 20, '"nested"']);
  });

  it("reports a missing property at the object that lacks it", () => {
    expect(at(["pools", 0, "size"]).slice(0, 2)).toEqual([3, 5]);
    expect(at(["pools", 7]).slice(0, 2)).toEqual([2, 12]);
  });

  it("gives the line and column of a syntax error", () => {
    const r = parseJsonWithSpans("c.json", '{\n  "a": [1,\n  }');
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect([r.span.line, r.span.column, r.message]).toEqual([3, 3, "unexpected character '}'"]);
    const end = parseJsonWithSpans("c.json", '{"a": 1');
    expect(!end.ok && [end.span.line, end.span.column]).toEqual([1, 8]);
    expect(parseJsonWithSpans("c.json", "[1, 2]").ok).toBe(true);
  });

  it("writes JSON pointers", () => {
    expect(jsonPointer(["a/b", 0, "c~d"])).toBe("/a~1b/0/c~0d");
    expect(jsonPointer([])).toBe("/");
  });
});

describe("JSON nesting from untrusted files", () => {
  it("an unclosed 200,000-deep array is a syntax error at the 257th bracket, not a stack overflow", () => {
    const r = parseJsonWithSpans("deep.json", "[".repeat(200_000));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toBe("nested deeper than 256 levels");
    expect(r.span.column).toBe(257);
  });

  it("nesting up to the limit is scanned: the real mistake is found", () => {
    const r = parseJsonWithSpans("ok.json", "[".repeat(256) + "1x" + "]".repeat(256));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).not.toContain("nested deeper");
    expect(r.span.column).toBe(258);
  });
});
