import { expect, test } from "vitest";
import { VcmParser } from "../../src/syntax/parser.js";

test("the grammar passes Chevrotain's validations (the shipped parser skips them)", () => {
  // Built with validations, the grammar analysis throws on a definition error (an ambiguity,
  // left recursion, a rule used but not defined...).
  expect(() => new VcmParser(true)).not.toThrow();
});
