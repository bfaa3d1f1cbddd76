/**
 * Random token soups and mutations of a valid topology go through parse + resolve + checks:
 * nothing throws, and every diagnostic points inside the text it is about.
 * FUZZ_RUNS raises the number of runs (default small, to keep the suite fast).
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { expect, test } from "vitest";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { check } from "./harness.js";

const RUNS = Number(process.env["FUZZ_RUNS"] ?? 150);
const VALID = readFileSync("test/fixtures/checks/video.vcm", "utf8");

const TOKENS = [
  "topology",
  "const",
  "memory",
  "pool",
  "mmu",
  "iommu",
  "cpu",
  "device",
  "dma",
  "domain",
  "buffer",
  "map",
  "container",
  "expect",
  "scenario",
  "in",
  "on",
  "at",
  "auto",
  "size",
  "align",
  "chunks",
  "via",
  "behind",
  "attach",
  "type",
  "aperture",
  "reserve",
  "msi",
  "unity",
  "window",
  "register",
  "groups",
  "ram",
  "mmio",
  "->",
  "..",
  "+",
  "-",
  "*",
  "/",
  "<<",
  "[",
  "]",
  "{",
  "}",
  ";",
  ":",
  ".",
  "r",
  "w",
  "rw",
  "p2p",
  "pin",
  "0",
  "1",
  "4K",
  "2M",
  "1G",
  "0xFFFF_FFFF_FFFF_FFFF",
  "0x8000_0000",
  "ddr",
  "frame",
  "vdec",
  "a53",
  "arm-lpae",
  "gart",
  "spapr-tce",
  "c0",
  "x",
  "a-b",
  "\n",
  " ",
  "// vcm: disable foo\n",
];

function assertSpansInside(text: string, ds: readonly Diagnostic[]): void {
  for (const d of ds) {
    expect(d.span, `${d.check}: ${d.message}`).toBeDefined();
    const s = d.span!;
    expect(s.file).toBe("t.vcm");
    expect(s.offset).toBeGreaterThanOrEqual(0);
    expect(s.endOffset).toBeGreaterThanOrEqual(s.offset);
    expect(s.endOffset).toBeLessThanOrEqual(text.length);
  }
}

function run(text: string): void {
  const { diagnostics } = check({ "t.vcm": text });
  expect(diagnostics.filter((d) => d.check === "internal-error")).toEqual([]);
  assertSpansInside(text, diagnostics);
}

test("token soups never throw and keep spans inside the text", () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }), (tokens) =>
      run(tokens.join(" ")),
    ),
    { numRuns: RUNS },
  );
});

test("mutations of a valid topology never throw and keep spans inside the text", () => {
  const edit = fc.record({
    at: fc.nat({ max: VALID.length }),
    remove: fc.nat({ max: 12 }),
    insert: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 4 })),
  });
  fc.assert(
    fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
      let text = VALID;
      for (const e of edits) {
        const at = Math.min(e.at, text.length);
        text = text.slice(0, at) + e.insert + text.slice(at + e.remove);
      }
      run(text);
    }),
    { numRuns: RUNS },
  );
});
