/** Syntax: the text does not parse (VCM0001-0009). A file that does not parse has no meaning, so these are fixed. */
import { defineEntries } from "./define.js";

export const syntaxEntries = defineEntries("syntax", {
  syntaxError: {
    code: 1,
    fixed: true,
    description:
      "The text does not follow the VCM grammar. The `parser` message passes through Chevrotain's recognition error, whose text the parser's error-message provider (src/syntax/error-messages.ts) already wrote from this entry's other templates.",
    message: "expected {expected} but found {found}",
    messages: {
      parser: "{message}",
      closeBlock: "expected '}' to close the block but found the end of the statement",
      afterItem: "expected a newline, ';' or '}' after the item, but found {found}",
      notAllParsed: "unexpected {found}: expected the end of the statement (newline or ';')",
      atLeastOne: "expected at least one {expected} but found {found}",
      internal: "internal parser error: {error}",
      mapperWord: "a {kind} names its MMU with '{want}', not '{got}'",
      domainType:
        "expected a domain type (dma, identity, blocked or unmanaged) but found '{found}'",
      chunkSlice: "a chunk must be a slice such as ddr[0x100_0000 .. +64K]",
      permissionTwice: "permission '{letter}' is given twice in '{perms}'",
      windowNeeds: "window '{name}' needs {missing}",
      bufferOnly: "expected a buffer here, not a slice",
    },
  },
  numberOverflow: {
    code: 2,
    fixed: true,
    description: "A number literal is larger than 2^64-1.",
    message: "number {text} does not fit in 64 bits (the maximum is 0xFFFF_FFFF_FFFF_FFFF)",
  },
  invalidCharacter: {
    code: 3,
    fixed: true,
    description: "A character that cannot start any token.",
    message: "invalid character '{text}'",
    messages: {
      plural: "invalid characters '{text}'",
    },
  },
  nestingTooDeep: {
    code: 4,
    fixed: true,
    description: "Parentheses or brackets nested deeper than the parser allows.",
    message: "parentheses and brackets nest deeper than {max} levels; the statement is skipped",
  },
  badDirective: {
    code: 5,
    severity: "warning",
    fixed: true,
    description:
      "A `// vcm:` comment that is not `disable`, `warn`, `error`, `disable-line` or `disable-next-line` followed by a check name.",
    message:
      "a 'vcm:' comment must start with disable, warn, error, disable-line or disable-next-line, not '{action}'",
    messages: {
      noCheck: "'vcm: {action}' needs the name of a check",
      notACheck:
        "'{check}' is not a check name (kebab-case such as unused-declaration, or a code such as VCM0201)",
    },
  },
  malformedNumber: {
    code: 6,
    fixed: true,
    description: "A number literal with a bad digit, prefix or suffix (e.g. `0x`, `12Q`, `0b102`).",
    message:
      "malformed number '{text}': expected {expected}, then an optional size suffix K, M, G or T",
  },
  unterminatedString: {
    code: 7,
    fixed: true,
    description: "A string literal with no closing quote on its line.",
    message: "string has no closing '\"'",
  },
  unterminatedComment: {
    code: 8,
    fixed: true,
    description: "A `/*` comment with no closing `*/`.",
    message: "'/*' comment has no closing '*/'",
  },
  duplicateClause: {
    code: 9,
    fixed: true,
    description: "A clause given twice in one statement (e.g. two `size` clauses on a buffer).",
    message: "{what} has two '{clause}' clauses",
  },
});
