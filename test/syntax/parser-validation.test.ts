import { expect, test } from "vitest";
import { VcmParser } from "../../src/syntax/parser.js";

test("the grammar passes Chevrotain's validations (the shipped parser skips them)", () => {
  // Building with validations throws on a definition error (ambiguity, left recursion...).
  const validated = new VcmParser(true);
  expect(validated.definitionErrors).toEqual([]);
});
