/** The one VCM lexer instance, reused for every file (building a Chevrotain lexer is costly). */
import { Lexer, type ILexerConfig, type ILexingResult } from "chevrotain";
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

export function lex(text: string): ILexingResult {
  return lexer.tokenize(text);
}
