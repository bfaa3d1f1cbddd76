/** The LSP's index of names: references inside long expressions, without recursing along them. */
import { expect, test } from "vitest";
import { SymbolIndex } from "../../src/lsp/symbol-index.js";
import { parseSource } from "../../src/syntax/parse.js";

// Recursion audit (issue 17): a 100,000-term operator chain is a left spine as deep as the
// line; the walk over expressions recursed along it and overflowed the stack.
test("every name of a 100,000-term expression is a reference, in source order", () => {
  const terms = 100_000;
  const names = Array.from({ length: terms }, (_, i) => `c${i % 3}`);
  const text = `const c0 = 1\nconst c1 = 2\nconst c2 = 3\nconst X = ${names.join(" + ")} - c1[c2]\n`;
  const { ast, diagnostics } = parseSource(text, "t.vcm");
  expect(diagnostics).toEqual([]);
  const index = new SymbolIndex([ast]);
  const refs = index.occurrencesIn("t.vcm").filter((o) => !o.declaration);
  expect(refs.map((o) => o.key)).toEqual([...names, "c1", "c2"]);
  expect(index.occurrencesOf("c1")).toHaveLength(names.filter((n) => n === "c1").length + 2);
});
