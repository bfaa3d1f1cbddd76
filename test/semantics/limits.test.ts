import { expect, test } from "vitest";
import { checkTopology } from "../../src/checks/check-topology.js";
import {
  capDiagnostics,
  MAX_DIAGNOSTICS_PER_FILE,
  MAX_NAME_LENGTH,
} from "../../src/semantics/limits.js";
import { MAX_SUGGESTIONS } from "../../src/diagnostics/suggest.js";
import { formatText } from "../../src/diagnostics/printers/text.js";
import { parseSource } from "../../src/syntax/parse.js";
import { fakeRegistry } from "../fixtures/fake-plugins.js";

function check(text: string) {
  const { ast, diagnostics } = parseSource(text, "t.vcm");
  expect(diagnostics).toEqual([]);
  return checkTopology([ast], fakeRegistry()).diagnostics;
}

const codes = (text: string) => check(text).map((d) => `${d.code} ${d.check}`);

test("a declared name longer than the maximum is VCM0142 at the name", () => {
  const long = "m".repeat(MAX_NAME_LENGTH + 1);
  const ds = check(`topology t\nmemory ${long} 0x8000_0000 .. +1G ram\n`);
  const d = ds.find((x) => x.code === "VCM0142");
  expect(d?.check).toBe("name-too-long");
  expect(d?.severity).toBe("error");
  expect(d?.span?.line).toBe(2);
  expect(d?.span?.column).toBe(8);
  expect(d?.message).toContain(`${MAX_NAME_LENGTH + 1} characters`);
});

test("a name of exactly the maximum length is fine", () => {
  const name = "m".repeat(MAX_NAME_LENGTH);
  expect(codes(`topology t\nmemory ${name} 0x8000_0000 .. +1G ram\n`)).not.toContain(
    "VCM0142 name-too-long",
  );
});

test("more diagnostics than the cap in one file: the rest become one VCM0143 note", () => {
  const lines = ["topology t"];
  for (let i = 0; i < MAX_DIAGNOSTICS_PER_FILE + 5; i++)
    lines.push(`map nothing${i} -> nowhere at 0 rw`);
  const ds = check(lines.join("\n") + "\n");
  const notes = ds.filter((d) => d.code === "VCM0143");
  expect(notes).toHaveLength(1);
  expect(notes[0]!.severity).toBe("note");
  expect(notes[0]!.span?.file).toBe("t.vcm");
  expect(ds.filter((d) => d.span?.file === "t.vcm" && d.code !== "VCM0143")).toHaveLength(
    MAX_DIAGNOSTICS_PER_FILE,
  );
  expect(notes[0]!.message).toMatch(/^\d+ more diagnostics in this file not shown/);
});

test("at or under the cap nothing is dropped and no note is added", () => {
  const span = (file: string) => ({
    file,
    offset: 0,
    endOffset: 1,
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 2,
  });
  const d = (file: string) => ({
    code: "VCM0100",
    check: "unresolved-name",
    severity: "error" as const,
    message: "x",
    span: span(file),
  });
  const three = [d("a.vcm"), d("a.vcm"), d("b.vcm")];
  expect(capDiagnostics(three, 2)).toEqual(three);
  const capped = capDiagnostics([...three, d("a.vcm"), d("a.vcm")], 2);
  expect(capped.map((x) => x.code)).toEqual(["VCM0100", "VCM0100", "VCM0100", "VCM0143"]);
  expect(capped[3]!.message).toContain("2 more diagnostics");
});

test("a buffer array larger than its whole region is VCM0144 at the count, before placing", () => {
  const ds = check(
    "topology t\nmemory ddr 0x8000_0000 .. +2G ram\nbuffer frame[1000000] in ddr size 8M\n",
  );
  const d = ds.find((x) => x.code === "VCM0144");
  expect(d?.check).toBe("array-exceeds-region");
  expect(d?.span?.line).toBe(3);
  expect(d?.span?.column).toBe(14);
  expect(d?.message).toContain("more than all of 'ddr' (2G)");
  // Refused outright: no element-by-element region-full.
  expect(ds.map((x) => x.code)).not.toContain("VCM0111");
});

test("an array that fits its region exactly is not VCM0144", () => {
  const ds = check(
    "topology t\nmemory ddr 0x8000_0000 .. +2G ram\nbuffer frame[256] in ddr size 8M\n",
  );
  expect(ds.map((x) => x.code)).not.toContain("VCM0144");
  expect(ds.filter((x) => x.severity === "error")).toEqual([]);
});

// Fuzz regression: `1 + 1 + ... + 1` is a left spine as deep as the statement is long; the
// evaluator and the unused-declaration walk used to recurse along it and overflow the stack.
test("a 100000-term constant expression evaluates without a stack overflow", () => {
  const terms = 100_000;
  const text = `topology t\nconst X = ${Array(terms).fill("1").join(" + ")}\nmemory ddr 0 .. +X ram\n`;
  const { ast, diagnostics } = parseSource(text, "t.vcm");
  expect(diagnostics).toEqual([]);
  const r = checkTopology([ast], fakeRegistry());
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  expect(r.ir.memories[0]!.range.size).toBe(BigInt(terms));
});

// Recursion audit: `~~~...~1` is a spine of unary operators the parser builds without recursing;
// the evaluator used to recurse along it (50,000 operators overflowed the stack).
test("a constant of 100,000 unary operators evaluates without a stack overflow", () => {
  const text = `topology t\nconst X = ${"~~".repeat(50_000)}4096\nmemory ddr 0 .. +X ram\n`;
  const { ast, diagnostics } = parseSource(text, "t.vcm");
  expect(diagnostics).toEqual([]);
  const r = checkTopology([ast], fakeRegistry());
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  expect(r.ir.memories[0]!.range.size).toBe(4096n);
});

// Recursion audit: a const may name one declared after it; a chain of such forward references
// was folded by recursion, one level per const (50,000 overflowed the stack).
test("a chain of 50,000 forward const references folds without a stack overflow", () => {
  const n = 50_000;
  const lines = ["topology t"];
  for (let i = 0; i < n; i++) lines.push(`const c${i} = c${i + 1} + 1`);
  lines.push(`const c${n} = 4096`, "memory ddr 0 .. +c0 ram");
  const { ast, diagnostics } = parseSource(lines.join("\n") + "\n", "t.vcm");
  expect(diagnostics).toEqual([]);
  const r = checkTopology([ast], fakeRegistry());
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  expect(r.ir.memories[0]!.range.size).toBe(BigInt(4096 + n));
});

test("a cycle of forward const references is still reported once, where it closes", () => {
  const text = "topology t\nconst a = b + 1\nconst b = c\nconst c = a\nmemory ddr 0 .. +4K ram\n";
  const { ast } = parseSource(text, "t.vcm");
  const errors = checkTopology([ast], fakeRegistry()).diagnostics.filter(
    (d) => d.severity === "error",
  );
  expect(errors.map((d) => [d.code, d.message, d.span?.line])).toEqual([
    ["VCM0114", "const 'a' depends on itself", 2],
  ]);
});

// Complexity bench find: each unknown name compared itself with every name, so n misspellings
// among n names cost n^2. Only the first MAX_SUGGESTIONS unknown names get a suggestion.
test(`the first ${MAX_SUGGESTIONS} unknown names get a suggestion, later ones none`, () => {
  const n = MAX_SUGGESTIONS + 5;
  const lines = ["topology t"];
  for (let i = 0; i < n; i++) lines.push(`const value_${i} = ${i}`);
  for (let i = 0; i < n; i++) lines.push(`const use_${i} = valeu_${i}`);
  const unresolved = check(lines.join("\n") + "\n").filter((d) => d.code === "VCM0100");
  expect(unresolved).toHaveLength(n);
  expect(unresolved.slice(0, MAX_SUGGESTIONS).map((d) => d.hint)).toEqual(
    Array.from({ length: MAX_SUGGESTIONS }, (_, i) => `did you mean 'value_${i}'?`),
  );
  expect(unresolved.slice(MAX_SUGGESTIONS).map((d) => d.hint)).toEqual(Array(5).fill(undefined));
});

// Fuzz regression (issue 17): a 400 KB topology of two long hyphenated names around an invalid
// character, one of them misspelled in a reference, kept `vcm check` busy for minutes (the
// did-you-mean distance grew with the names). Lexing, parsing with recovery, the checks and
// printing must now take well under a second of CPU.
test("the fuzzed 400 KB topology of long names checks and prints in under a second of CPU", () => {
  const longName = (length: number, seed: string) => {
    let s = seed;
    while (s.length < length) s += "-" + seed;
    return s.slice(0, length).replace(/-$/, "x");
  };
  const a = longName(100_000, "alpha-beta");
  const text = [
    "topology t",
    `memory ${a} 0x1_0000_0000 .. +4K ram`,
    `memory ${a}$${longName(95_000, "gamma-delta")} 0x2_0000_0000 .. +4K ram`,
    `buffer b in ${a.slice(0, -1)}y size 4K`,
  ].join("\n");
  expect(text.length).toBeGreaterThan(390_000);
  const cpu = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  const start = cpu();
  const { ast, diagnostics: syntax } = parseSource(text + "\n", "fuzz.vcm");
  const ds = [...syntax, ...checkTopology([ast], fakeRegistry()).diagnostics];
  const printed = formatText(ds, { sources: new Map([["fuzz.vcm", text]]), color: false });
  const seconds = (cpu() - start) / 1e6;
  expect(ds.map((d) => d.code)).toEqual(expect.arrayContaining(["VCM0003", "VCM0142", "VCM0100"]));
  // The misspelling is one edit away: still suggested, in linear work.
  expect(ds.find((d) => d.code === "VCM0100")?.hint).toBe(`did you mean '${a}'?`);
  expect(printed.length).toBeGreaterThan(0);
  expect(seconds).toBeLessThan(1);
});
