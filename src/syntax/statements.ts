/**
 * Splits the token stream into statements before parsing, so a mistake costs one statement: the
 * parser sees each statement alone and cannot run past its end. Also where newlines inside
 * `(...)`/`[...]` are dropped, blank items inside `{...}` collapsed, and nesting
 * depth bounded (deep nesting would recurse in the parser until the stack overflows).
 */
import type { IToken, TokenType } from "chevrotain";
import * as T from "./tokens.js";

/** Deepest `(`/`[` nesting the parser accepts; each level costs a few parser stack frames. */
export const MAX_NESTING = 256;

/**
 * Called with each statement's tokens and, if its brackets went past MAX_NESTING, the bracket
 * that did (the statement is then not parsed). `tokens` is reused for the next statement: it is
 * only valid during the call.
 */
export type StatementHandler = (tokens: IToken[], tooDeep: IToken | undefined) => void;

/**
 * Takes tokens in pieces (a file is lexed in chunks) and calls `each` with every statement, in
 * order. A statement ends at a newline or `;` outside brackets and braces. Inside an unclosed
 * `{` (or bracket), a line starting with a top-level statement keyword ends the statement too,
 * so a missing `}` costs one statement.
 */
export class StatementSplitter {
  private readonly current: IToken[] = [];
  private brackets = 0;
  private braces = 0;
  private tooDeep: IToken | undefined;
  private lineStart = true;

  constructor(private readonly each: StatementHandler) {}

  push(tokens: readonly IToken[]): void {
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      const type = t.tokenType;
      if (type === T.Newline || type === T.Semicolon) {
        this.separator(t, type);
        continue;
      }
      if (this.lineStart && (this.brackets > 0 || this.braces > 0)) {
        const starters = this.brackets > 0 ? T.statementStarters : T.topLevelOnlyStarters;
        if (starters.has(type)) this.finish();
      }
      this.lineStart = false;
      // Compared directly, not looked up in a set: this runs once per token.
      if (type === T.LParen || type === T.LBracket) {
        this.brackets++;
        if (this.brackets > MAX_NESTING && !this.tooDeep) this.tooDeep = t;
      } else if (type === T.RParen || type === T.RBracket) {
        if (this.brackets > 0) this.brackets--;
      } else if (type === T.LCurly) {
        this.braces++;
      } else if (type === T.RCurly) {
        if (this.braces > 0) this.braces--;
        if (this.endsInSeparator()) this.current.pop();
      }
      this.current.push(t);
    }
  }

  /**
   * Copy the tokens of the statement in progress, which the lexer will reuse for its next chunk
   * (call after each chunk).
   */
  keepPending(): void {
    const current = this.current;
    for (let i = 0; i < current.length; i++) {
      const t = current[i]!;
      const copy = { ...t };
      if (t === this.tooDeep) this.tooDeep = copy;
      current[i] = copy;
    }
  }

  /** Hand over the statement in progress (call at the end of the file). */
  finish(): void {
    // A block cut short by a missing `}` must not end in a separator, so the error names the `}`.
    if (this.endsInSeparator()) this.current.pop();
    if (this.current.length > 0) this.each(this.current, this.tooDeep);
    // One array for every statement: a fresh one each time was a large share of the garbage.
    this.current.length = 0;
    this.brackets = 0;
    this.braces = 0;
    this.tooDeep = undefined;
  }

  private separator(t: IToken, type: TokenType): void {
    this.lineStart = type === T.Newline;
    if (this.brackets > 0) {
      // A newline inside brackets continues the statement; `;` there is a mistake to report.
      if (type === T.Semicolon) this.current.push(t);
    } else if (this.braces > 0) {
      // One separator between block items: none after `{` or after another separator.
      const prev = this.current[this.current.length - 1]?.tokenType;
      if (prev !== T.LCurly && !this.endsInSeparator()) this.current.push(t);
    } else {
      this.finish();
    }
  }

  private endsInSeparator(): boolean {
    const last = this.current[this.current.length - 1]?.tokenType;
    return last === T.Newline || last === T.Semicolon;
  }
}
