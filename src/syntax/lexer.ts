/**
 * Lexing a file: the hand-written scanner (`scanner.ts`) in chunks, so tokens die young (holding
 * millions of tokens at once made garbage collection cost more than lexing and parsing
 * together). The Chevrotain lexer built from the same token definitions is the reference the
 * scanner is tested against (`createLexer`).
 */
import { Lexer, type ILexerConfig } from "chevrotain";
import { Scanner, type ScanOutput } from "./scanner.js";
import { lexedTokens } from "./tokens.js";

export const LEXER_CONFIG: ILexerConfig = {
  positionTracking: "onlyOffset",
  ensureOptimizations: false,
  skipValidations: true,
};

/**
 * The Chevrotain lexer of `tokens.ts` (the scanner's reference); tests pass
 * `ensureOptimizations: true, skipValidations: false` so a broken token definition fails loudly.
 */
export function createLexer(overrides: Partial<ILexerConfig> = {}): Lexer {
  return new Lexer(lexedTokens, { ...LEXER_CONFIG, ...overrides });
}

const scanner = new Scanner();

/** Characters per chunk (the last token of a chunk may run past it). */
export const CHUNK_SIZE = 1 << 16;

/** Tokens with file-wide offsets, keywords typed, names and numbers interned per file. */
export type LexedChunk = ScanOutput;

/**
 * Lex `text` chunk by chunk, calling `each` in order. The token objects of a chunk are reused
 * for the next one: copy any that must outlive the call (`StatementSplitter.keepPending`).
 */
export function lexChunks(text: string, each: (chunk: LexedChunk) => void): void {
  scanner.reset(text);
  try {
    let start = 0;
    while (start < text.length) {
      scanner.recycle();
      const chunk: LexedChunk = { tokens: [], errors: [], directives: [], unterminated: [] };
      start = scanner.scan(text, start, start + CHUNK_SIZE, chunk);
      each(chunk);
    }
  } finally {
    // The AST holds the strings it needs; a table sized for a large file is not kept.
    scanner.reset(text.length <= 1 << 22 ? text : "");
  }
}
