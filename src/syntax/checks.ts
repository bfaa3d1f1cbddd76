/**
 * The syntax layer's diagnostics, now entries of the catalogue (src/diagnostics/catalogue.ts):
 * these names stay while the parser's call sites move to `diagnostic(D.x, span, args)`.
 */
import { D, catalogueEntries } from "../diagnostics/catalogue.js";
import type { CheckDefinition } from "../checks/definition.js";

export const SYNTAX_ERROR = D.syntaxError;
export const NUMBER_OVERFLOW = D.numberOverflow;
export const INVALID_CHARACTER = D.invalidCharacter;
export const NESTING_TOO_DEEP = D.nestingTooDeep;
export const BAD_DIRECTIVE = D.badDirective;
export const MALFORMED_NUMBER = D.malformedNumber;
export const UNTERMINATED_STRING = D.unterminatedString;
export const UNTERMINATED_COMMENT = D.unterminatedComment;
export const DUPLICATE_CLAUSE = D.duplicateClause;

export const syntaxChecks: CheckDefinition[] = catalogueEntries().filter(
  (e) => e.phase === "syntax",
);
