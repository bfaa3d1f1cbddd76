import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { createLexer } from "../../src/syntax/lexer.js";
import { parseSource } from "../../src/syntax/parse.js";
import { MAX_NESTING } from "../../src/syntax/statements.js";

const SAMPLE = readFileSync(new URL("./sample.vcm", import.meta.url), "utf8");
const FUZZ_RUNS = Number(process.env["FUZZ_RUNS"] ?? 200);

function spansInside(text: string, file: string, r: ReturnType<typeof parseSource>): void {
  for (const d of r.diagnostics) {
    expect(d.span, d.message).toBeDefined();
    const s = d.span!;
    expect(s.file).toBe(file);
    expect(s.offset).toBeGreaterThanOrEqual(0);
    expect(s.endOffset).toBeGreaterThanOrEqual(s.offset);
    expect(s.endOffset).toBeLessThanOrEqual(text.length);
    expect(s.line).toBeGreaterThanOrEqual(1);
    expect(s.column).toBeGreaterThanOrEqual(1);
    expect(d.message.length).toBeGreaterThan(0);
  }
}

describe("robustness", () => {
  test("the sample parses with no diagnostics", () => {
    const r = parseSource(SAMPLE, "sample.vcm");
    expect(r.diagnostics).toEqual([]);
    expect(r.ast.statements.length).toBeGreaterThan(30);
  });

  test("the lexer keeps Chevrotain's first-character optimisation and valid definitions", () => {
    // The shipped lexer skips Chevrotain's validations (start-up time): they run here.
    expect(() => createLexer({ ensureOptimizations: true, skipValidations: false })).not.toThrow();
    expect(createLexer({ skipValidations: false }).lexerDefinitionErrors).toEqual([]);
  });

  test("10,000-deep parentheses give VCM0004, not a stack overflow", () => {
    const text = "const X = " + "(".repeat(10_000) + "1" + ")".repeat(10_000) + "\ncpu after";
    const r = parseSource(text, "deep.vcm");
    expect(r.diagnostics.map((d) => [d.code, d.check])).toEqual([["VCM0004", "nesting-too-deep"]]);
    expect(r.ast.statements.map((s) => s.kind)).toEqual(["endpoint"]);
  });

  test(`nesting up to ${MAX_NESTING} levels parses`, () => {
    const text = "const X = " + "(x[".repeat(MAX_NESTING / 2) + "1" + "])".repeat(MAX_NESTING / 2);
    const r = parseSource(text, "deep.vcm");
    expect(r.diagnostics).toEqual([]);
  });

  test("10,000 unary operators and 10,000 additions do not recurse", () => {
    const r = parseSource(
      "const X = " + "-~".repeat(5_000) + "1\nconst Y = " + "1 + ".repeat(10_000) + "1",
      "u.vcm",
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.ast.statements).toHaveLength(2);
  });

  test("a 10 MB input parses quickly and completely", () => {
    let text = "";
    let copies = 0;
    for (; text.length < 10_000_000; copies++) text += SAMPLE + "\n";
    const t0 = performance.now();
    const r = parseSource(text, "big.vcm");
    const ms = performance.now() - t0;
    expect(r.diagnostics).toEqual([]);
    expect(r.ast.statements.length).toBe(copies * parseSource(SAMPLE, "s").ast.statements.length);
    const last = r.ast.statements[r.ast.statements.length - 1]!;
    expect(text.slice(last.span.offset, last.span.endOffset)).toMatch(/^scenario[^]*\}$/);
    expect(last.span.line).toBe(text.slice(0, last.span.offset).split("\n").length);
    // Generous bound for a loaded CI machine; `npm run bench` measures throughput properly.
    expect(ms).toBeLessThan(15_000);
  });

  test("random strings never throw and every diagnostic points into the text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: "binary" }), (text) => {
        const r = parseSource(text, "fuzz.vcm");
        spansInside(text, "fuzz.vcm", r);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  test("random token soups never throw", () => {
    const pieces = [
      "map",
      "cpu",
      "{",
      "}",
      "(",
      ")",
      "[",
      "]",
      "..",
      "+",
      "-",
      "->",
      "0x1",
      "4K",
      "x",
      "rw",
      ";",
      "\n",
      " ",
      '"s"',
      "/*",
      "*/",
      "//",
      "at",
      "auto",
      "scenario",
      "domain",
      "window",
      "*",
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 60 }), (parts) => {
        const text = parts.join(" ");
        spansInside(text, "soup.vcm", parseSource(text, "soup.vcm"));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  test("mutations of a valid sample never throw and spans stay inside the text", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(SAMPLE.length), fc.nat(8), fc.string({ maxLength: 6 })), {
          minLength: 1,
          maxLength: 5,
        }),
        (edits) => {
          let text = SAMPLE;
          for (const [at, del, ins] of edits) {
            const p = Math.min(at, text.length);
            text = text.slice(0, p) + ins + text.slice(p + del);
          }
          const r = parseSource(text, "mut.vcm");
          spansInside(text, "mut.vcm", r);
        },
      ),
      { numRuns: Math.max(20, Math.floor(FUZZ_RUNS / 4)) },
    );
  });
});
