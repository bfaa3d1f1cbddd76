/**
 * The one VCM lexer instance, reused for every file (building a Chevrotain lexer is costly).
 * Big files are lexed in chunks of whole lines so tokens die young: holding millions of tokens
 * at once made garbage collection cost more than lexing and parsing together.
 */
import { Lexer, type ILexerConfig, type ILexingError, type IToken } from "chevrotain";
import { lexedTokens } from "./tokens.js";

export const LEXER_CONFIG: ILexerConfig = {
  // Lines and columns come from the file's line table when a span is read, not from the lexer.
  positionTracking: "onlyOffset",
  ensureOptimizations: false,
  // The token definitions are fixed: validating them costs ~15 ms of every command's start-up
  // (issue 14). A test builds the lexer with validations on, so a broken definition still fails.
  skipValidations: true,
};

/**
 * Build a lexer; tests pass `ensureOptimizations: true, skipValidations: false` so a broken
 * token definition or a lost optimisation fails loudly.
 */
export function createLexer(overrides: Partial<ILexerConfig> = {}): Lexer {
  return new Lexer(lexedTokens, { ...LEXER_CONFIG, ...overrides });
}

const lexer = createLexer();

/** Characters per chunk (rounded up to the end of a line). */
export const CHUNK_SIZE = 1 << 16;

export interface LexedChunk {
  /** Tokens with file-wide offsets. */
  tokens: IToken[];
  errors: ILexingError[];
  directives: IToken[];
  unterminated: IToken[];
}

/** Lex `text` chunk by chunk, calling `each` in order. */
export function lexChunks(text: string, each: (chunk: LexedChunk) => void): void {
  let start = 0;
  while (start < text.length) {
    let end = chunkEnd(text, start + CHUNK_SIZE);
    let result = lexer.tokenize(start === 0 && end === text.length ? text : text.slice(start, end));
    // A block comment cut by the chunk boundary: extend the chunk past its end and lex again.
    while (end < text.length && (result.groups["unterminated"]?.length ?? 0) > 0) {
      const close = text.indexOf("*/", end);
      end = close < 0 ? text.length : chunkEnd(text, close + 2);
      result = lexer.tokenize(text.slice(start, end));
    }
    const chunk: LexedChunk = {
      tokens: result.tokens,
      errors: result.errors,
      directives: result.groups["directives"] ?? [],
      unterminated: result.groups["unterminated"] ?? [],
    };
    if (start > 0) shift(chunk, start);
    each(chunk);
    start = end;
  }
}

/** The end of the line containing `at` (after its `\n`), or the end of the text. */
function chunkEnd(text: string, at: number): number {
  if (at >= text.length) return text.length;
  const nl = text.indexOf("\n", at);
  return nl < 0 ? text.length : nl + 1;
}

function shift(chunk: LexedChunk, offset: number): void {
  const fix = (t: IToken): void => {
    t.startOffset += offset;
  };
  chunk.tokens.forEach(fix);
  chunk.directives.forEach(fix);
  chunk.unterminated.forEach(fix);
  for (const e of chunk.errors) {
    e.offset += offset;
  }
}
