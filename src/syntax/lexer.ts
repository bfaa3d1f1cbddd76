/**
 * The one VCM lexer instance, reused for every file (building a Chevrotain lexer is costly).
 * Big files are lexed in chunks of whole lines so tokens die young: holding millions of tokens
 * at once made garbage collection cost more than lexing and parsing together.
 */
import { Lexer, type ILexerConfig, type ILexingError, type IToken } from "chevrotain";
import { lexedTokens } from "./tokens.js";

export const LEXER_CONFIG: ILexerConfig = {
  positionTracking: "full",
  // Newline tokens carry their own line breaks; these are the characters that count as one.
  lineTerminatorsPattern: /\r\n?|\n/g,
  lineTerminatorCharacters: ["\n", "\r"],
  ensureOptimizations: false,
};

/** Build a lexer; tests pass `ensureOptimizations: true` so a lost optimisation fails loudly. */
export function createLexer(overrides: Partial<ILexerConfig> = {}): Lexer {
  return new Lexer(lexedTokens, { ...LEXER_CONFIG, ...overrides });
}

const lexer = createLexer();

/** Characters per chunk (rounded up to the end of a line). */
export const CHUNK_SIZE = 1 << 16;

export interface LexedChunk {
  /** Tokens with file-wide offsets and lines. */
  tokens: IToken[];
  errors: ILexingError[];
  directives: IToken[];
  unterminated: IToken[];
}

/** Lex `text` chunk by chunk, calling `each` in order. */
export function lexChunks(text: string, each: (chunk: LexedChunk) => void): void {
  let start = 0;
  let line = 0; // lines before `start`
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
    if (start > 0) shift(chunk, start, line);
    each(chunk);
    if (end < text.length) line += countLines(text, start, end);
    start = end;
  }
}

/** The end of the line containing `at` (after its `\n`), or the end of the text. */
function chunkEnd(text: string, at: number): number {
  if (at >= text.length) return text.length;
  const nl = text.indexOf("\n", at);
  return nl < 0 ? text.length : nl + 1;
}

function countLines(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) n++;
  }
  return n;
}

function shift(chunk: LexedChunk, offset: number, lines: number): void {
  const fix = (t: IToken): void => {
    t.startOffset += offset;
    t.endOffset! += offset;
    t.startLine! += lines;
    t.endLine! += lines;
  };
  chunk.tokens.forEach(fix);
  chunk.directives.forEach(fix);
  chunk.unterminated.forEach(fix);
  for (const e of chunk.errors) {
    e.offset += offset;
    if (e.line !== undefined) e.line += lines;
  }
}
