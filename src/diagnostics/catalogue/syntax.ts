/** Syntax: the text does not parse (VCM0001-0009). A file that does not parse has no meaning, so these are fixed. */
import { defineEntries } from "./define.js";

export const syntaxEntries = defineEntries("syntax", {
  syntaxError: {
    code: 1,
    fixed: true,
    description: "The text does not follow the VCM grammar.",
    message: "{message}",
  },
  numberOverflow: {
    code: 2,
    fixed: true,
    description: "A number literal is larger than 2^64-1.",
    message: "{message}",
  },
  invalidCharacter: {
    code: 3,
    fixed: true,
    description: "A character that cannot start any token.",
    message: "{message}",
  },
  nestingTooDeep: {
    code: 4,
    fixed: true,
    description: "Parentheses or brackets nested deeper than the parser allows.",
    message: "{message}",
  },
  badDirective: {
    code: 5,
    severity: "warning",
    fixed: true,
    description:
      "A `// vcm:` comment that is not `disable`, `warn` or `error` followed by a check name.",
    message: "{message}",
  },
  malformedNumber: {
    code: 6,
    fixed: true,
    description: "A number literal with a bad digit, prefix or suffix (e.g. `0x`, `12Q`, `0b102`).",
    message: "{message}",
  },
  unterminatedString: {
    code: 7,
    fixed: true,
    description: "A string literal with no closing quote on its line.",
    message: "{message}",
  },
  unterminatedComment: {
    code: 8,
    fixed: true,
    description: "A `/*` comment with no closing `*/`.",
    message: "{message}",
  },
  duplicateClause: {
    code: 9,
    fixed: true,
    description: "A clause given twice in one statement (e.g. two `size` clauses on a buffer).",
    message: "{message}",
  },
});
