/**
 * Splits the token stream into statements before parsing, so a mistake costs one statement: the
 * parser sees each statement alone and cannot run past its end. Also where newlines inside
 * `(...)`/`[...]` are dropped, blank items inside `{...}` collapsed, keywords typed, and nesting
 * depth bounded (deep nesting would recurse in the parser until the stack overflows).
 */
import type { IToken, TokenType } from "chevrotain";
import * as T from "./tokens.js";

/** Deepest `(`/`[` nesting the parser accepts; each level costs a few parser stack frames. */
export const MAX_NESTING = 256;

export interface StatementTokens {
  tokens: IToken[];
  /** The bracket that went past MAX_NESTING; the statement is then not parsed. */
  tooDeep?: IToken;
}

const OPEN: ReadonlySet<TokenType> = new Set([T.LParen, T.LBracket]);
const CLOSE: ReadonlySet<TokenType> = new Set([T.RParen, T.RBracket]);

/**
 * Call `each` with every statement's tokens, in order. A statement ends at a newline or `;`
 * outside brackets and braces. Inside an unclosed `{` (or bracket), a line starting with a
 * top-level statement keyword ends the statement too, so a missing `}` costs one statement.
 */
export function forEachStatement(tokens: IToken[], each: (s: StatementTokens) => void): void {
  let current: IToken[] = [];
  let brackets = 0;
  let braces = 0;
  let tooDeep: IToken | undefined;
  let lineStart = true;

  const flush = (): void => {
    // A block cut short by a missing `}` must not end in a separator, so the error names the `}`.
    const last = current[current.length - 1]?.tokenType;
    if (last === T.Newline || last === T.Semicolon) current.pop();
    if (current.length > 0) each(tooDeep ? { tokens: current, tooDeep } : { tokens: current });
    current = [];
    brackets = 0;
    braces = 0;
    tooDeep = undefined;
  };

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    let type = t.tokenType;
    if (type === T.Identifier) {
      T.retypeKeyword(t);
      type = t.tokenType;
    }
    if (type === T.Newline || type === T.Semicolon) {
      lineStart = type === T.Newline;
      if (brackets > 0) {
        // A newline inside brackets continues the statement; `;` there is a mistake to report.
        if (type === T.Semicolon) current.push(t);
      } else if (braces > 0) {
        // One separator between block items: none after `{` or after another separator.
        const prev = current[current.length - 1]?.tokenType;
        if (prev !== T.LCurly && prev !== T.Newline && prev !== T.Semicolon) current.push(t);
      } else {
        flush();
      }
      continue;
    }
    if (lineStart && (brackets > 0 || braces > 0)) {
      const ends = brackets > 0 ? T.statementStarters.has(type) : T.topLevelOnlyStarters.has(type);
      if (ends) flush();
    }
    lineStart = false;
    if (OPEN.has(type)) {
      brackets++;
      if (brackets > MAX_NESTING && !tooDeep) tooDeep = t;
    } else if (CLOSE.has(type)) {
      if (brackets > 0) brackets--;
    } else if (type === T.LCurly) {
      braces++;
    } else if (type === T.RCurly) {
      if (braces > 0) braces--;
      const prev = current[current.length - 1]?.tokenType;
      if (prev === T.Newline || prev === T.Semicolon) current.pop();
    }
    current.push(t);
  }
  flush();
}
