import { describe, expect, test } from "vitest";
import { parseSource } from "../../src/syntax/parse.js";

const VALID_AFTER = "\ncpu after_a\ndevice after_b behind m";

/** Parse `bad` followed by valid statements: one diagnostic, the later statements all there. */
function oneMistake(bad: string) {
  const r = parseSource(bad + VALID_AFTER, "r.vcm");
  const names = r.ast.statements
    .filter((s) => s.kind === "endpoint")
    .map((s) => (s.kind === "endpoint" ? s.name.name : ""));
  expect(names.slice(-2)).toEqual(["after_a", "after_b"]);
  expect(r.diagnostics).toHaveLength(1);
  return r.diagnostics[0]!;
}

describe("one mistake gives one diagnostic and the rest still parses", () => {
  test.each([
    ["memory ddr 0 .. +2G rma", "expected 'ram', 'mmio' or 'reserved' but found 'rma'", 1, 21],
    ["const X Y = 5", "expected '=' but found 'Y'", 1, 9],
    ["const Z = (1 + 2", "expected ')' but found the end of the statement", 1, 17],
    [
      "map b -> d at auto",
      "expected permissions (r, w, x) but found the end of the statement",
      1,
      19,
    ],
    ["frobnicate x", "expected a statement", 1, 1],
    ["buffer b in ddr size", "expected an expression (a number, a name or '(')", 1, 21],
    ["cpu a via m extra", "unexpected 'extra': expected the end of the statement", 1, 13],
    ["expect x writes", "expected name but found the end of the statement", 1, 16],
    ["domain d on m {\n  type dma\n  aperture 0 4G\n}", "expected '..' but found '4G'", 3, 14],
    [
      "scenario s {\n  migrate b to\n  detach x\n}",
      "expected name but found the end of the line",
      2,
      15,
    ],
    ["mmu q : fmt {\n  stage 1", "expected '}' to close the block", 2, 10],
    ["const W = 1 @ 2", "invalid character '@'", 1, 13],
    ['use "abc', "string has no closing", 1, 5],
    ["const A = 0x", "malformed number '0x'", 1, 11],
    ["buffer e size 1 size 2", "a buffer has two 'size' clauses", 1, 17],
    ["cpu a behind m", "a cpu names its MMU with 'via', not 'behind'", 1, 7],
    ["map b -> d at auto rr", "permission 'r' is given twice", 1, 20],
    ["container c { window w at 0 size 1 }", "expected 'on' but found '{'", 1, 13],
  ])("%j", (bad, message, line, column) => {
    const d = oneMistake(bad);
    expect(d.message).toContain(message);
    expect(d.span).toMatchObject({ file: "r.vcm", line, column });
    expect(d.severity).toBe("error");
  });

  test("the error is VCM0001 syntax-error and names what was expected", () => {
    const d = oneMistake("pool p ddr");
    expect(d).toMatchObject({ code: "VCM0001", check: "syntax-error" });
    expect(d.message).toBe("expected 'in' but found 'ddr'");
  });

  test("a bad block item drops only that item", () => {
    const r = parseSource("domain d on m {\n  type dma\n  aperture 0 4G\n  attach a\n}", "r.vcm");
    expect(r.diagnostics).toHaveLength(1);
    const d = r.ast.statements[0]!;
    if (d.kind !== "domain") throw new Error(d.kind);
    expect(d.items.map((i) => i.kind)).toEqual(["type", "attach"]);
  });

  test("a missing '}' costs one statement: the next top-level line starts anew", () => {
    const r = parseSource("scenario s {\n  detach x\nmemory ocm 0 .. 1M ram\ncpu c", "r.vcm");
    expect(r.diagnostics).toHaveLength(1);
    expect(r.ast.statements.map((s) => s.kind)).toEqual(["memory", "endpoint"]);
  });

  test("two mistakes on two lines give two diagnostics", () => {
    const r = parseSource("cpu\ncpu ok\nmemory m 0 .. 1 rom\ncpu ok2", "r.vcm");
    expect(r.diagnostics.map((d) => d.span?.line)).toEqual([1, 3]);
    expect(r.ast.statements).toHaveLength(2);
  });

  test("an unterminated block comment is reported once", () => {
    const r = parseSource("cpu a\n/* never closed\ncpu b", "r.vcm");
    expect(r.diagnostics.map((d) => [d.code, d.check, d.span?.line])).toEqual([
      ["VCM0008", "unterminated-comment", 2],
    ]);
    expect(r.ast.statements).toHaveLength(1);
  });
});
