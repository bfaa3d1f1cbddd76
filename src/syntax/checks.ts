/**
 * The checks the syntax layer reports. All are fixed: a file that does not parse has no meaning,
 * so these cannot be turned off (a bad directive is only a warning: the rest of the file is fine).
 */
import type { CheckDefinition } from "../checks/definition.js";

function syntaxCheck(
  code: string,
  name: string,
  description: string,
  severity: CheckDefinition["severity"] = "error",
): CheckDefinition {
  return { code, name, phase: "syntax", severity, description, fixed: true };
}

export const SYNTAX_ERROR = syntaxCheck(
  "VCM0001",
  "syntax-error",
  "The text does not follow the VCM grammar.",
);
export const NUMBER_OVERFLOW = syntaxCheck(
  "VCM0002",
  "number-overflow",
  "A number literal is larger than 2^64-1.",
);
export const INVALID_CHARACTER = syntaxCheck(
  "VCM0003",
  "invalid-character",
  "A character that cannot start any token.",
);
export const NESTING_TOO_DEEP = syntaxCheck(
  "VCM0004",
  "nesting-too-deep",
  "Parentheses or brackets nested deeper than the parser allows.",
);
export const BAD_DIRECTIVE = syntaxCheck(
  "VCM0005",
  "bad-directive",
  "A `// vcm:` comment that is not `disable`, `warn` or `error` followed by a check name.",
  // The file still means something; only the directive is ignored.
  "warning",
);
export const MALFORMED_NUMBER = syntaxCheck(
  "VCM0006",
  "malformed-number",
  "A number literal with a bad digit, prefix or suffix (e.g. `0x`, `12Q`, `0b102`).",
);
export const UNTERMINATED_STRING = syntaxCheck(
  "VCM0007",
  "unterminated-string",
  "A string literal with no closing quote on its line.",
);
export const UNTERMINATED_COMMENT = syntaxCheck(
  "VCM0008",
  "unterminated-comment",
  "A `/*` comment with no closing `*/`.",
);
export const DUPLICATE_CLAUSE = syntaxCheck(
  "VCM0009",
  "duplicate-clause",
  "A clause given twice in one statement (e.g. two `size` clauses on a buffer).",
);

export const syntaxChecks: CheckDefinition[] = [
  SYNTAX_ERROR,
  NUMBER_OVERFLOW,
  INVALID_CHARACTER,
  NESTING_TOO_DEEP,
  BAD_DIRECTIVE,
  MALFORMED_NUMBER,
  UNTERMINATED_STRING,
  UNTERMINATED_COMMENT,
  DUPLICATE_CLAUSE,
];
