/**
 * The syntax layer's entry point: text in, AST and diagnostics out. Never throws.
 */
import type { IRecognitionException, IToken } from "chevrotain";
import type { SourceFile, Statement } from "./ast.js";
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { LineTable, TextSpan, type Span } from "../diagnostics/span.js";

import { readDirectives } from "./directives.js";
import { lexChunks } from "./lexer.js";
import type { LexError } from "./scanner.js";
import { parser } from "./parser.js";
import { afterToken, tokenEnd, tokenSpan } from "./spans.js";
import { MAX_NESTING, StatementSplitter } from "./statements.js";
import { UnterminatedString } from "./tokens.js";

export interface ParseResult {
  ast: SourceFile;
  diagnostics: Diagnostic[];
}

export function parseSource(text: string, file: string): ParseResult {
  const ast: SourceFile = { file, text, statements: [], directives: [] };
  const diagnostics: Diagnostic[] = [];
  try {
    parseInto(ast, diagnostics);
  } catch (e) {
    // A bug in the parser must not take the tool down; report it where the user can see it.
    diagnostics.push(
      diagnostic(D.syntaxError.messages.internal, startSpan(file), { error: String(e) }),
    );
  }
  return { ast, diagnostics };
}

function parseInto(ast: SourceFile, diagnostics: Diagnostic[]): void {
  const { file } = ast;
  const lines = LineTable.of(file, ast.text);
  parser.lines = lines;
  // Offsets of lexical mistakes in the current chunk: a statement holding one is reported already.
  let lexicalErrors: number[] = [];
  let nextLexical = 0;
  // Whether the statements being split may hold an unterminated string (to report).
  let openStrings = false;

  const splitter = new StatementSplitter((tokens, tooDeep) => {
    const start = tokens[0]!.startOffset;
    const end = tokenEnd(tokens[tokens.length - 1]!);
    while (nextLexical < lexicalErrors.length && lexicalErrors[nextLexical]! < start) nextLexical++;
    let alreadyReported = nextLexical < lexicalErrors.length && lexicalErrors[nextLexical]! < end;
    for (let i = 0; openStrings && i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.tokenType === UnterminatedString) {
        diagnostics.push(diagnostic(D.unterminatedString, tokenSpan(lines, t)));
        alreadyReported = true;
      }
    }
    if (tooDeep) {
      diagnostics.push(
        diagnostic(D.nestingTooDeep, tokenSpan(lines, tooDeep), { max: MAX_NESTING }),
      );
      return;
    }
    // Setting an array's length is a runtime call: skipped for the statements that found nothing.
    if (parser.extraDiagnostics.length > 0) parser.extraDiagnostics = [];
    parser.input = tokens;
    const statement: Statement | undefined = parser.statement();
    if (!alreadyReported) {
      for (const e of parser.errors) diagnostics.push(fromParserError(e, tokens, lines));
    }
    const extra = parser.extraDiagnostics;
    for (let i = 0; i < extra.length; i++) diagnostics.push(extra[i]!);
    // A statement comes back only if it is whole: errors inside a block item drop just that
    // item, and a deleted stray token leaves the rest intact.
    if (statement) ast.statements.push(statement);
  });

  lexChunks(ast.text, (chunk) => {
    for (const err of chunk.errors) diagnostics.push(invalidCharacter(ast.text, lines, err));
    for (const t of chunk.unterminated) {
      diagnostics.push(diagnostic(D.unterminatedComment, tokenSpan(lines, t)));
    }
    for (const d of readDirectives(chunk.directives, lines, diagnostics)) ast.directives.push(d);
    // Statements still open from the last chunk may hold earlier errors: keep those offsets.
    lexicalErrors = lexicalErrors.slice(nextLexical).concat(chunk.errors.map((e) => e.offset));
    nextLexical = 0;
    if (chunk.openString) openStrings = true;
    splitter.push(chunk.tokens);
    splitter.keepPending();
  });
  splitter.finish();
  parser.input = [];
  parser.extraDiagnostics = [];
}

function invalidCharacter(text: string, lines: LineTable, err: LexError): Diagnostic {
  const ch = text.slice(err.offset, err.offset + err.length);
  const shown = ch.length > 20 ? ch.slice(0, 17) + "..." : ch;
  const span = new TextSpan(lines, err.offset, err.offset + err.length);
  return ch.length > 1
    ? diagnostic(D.invalidCharacter.messages.plural, span, { text: shown })
    : diagnostic(D.invalidCharacter, span, { text: shown });
}

function fromParserError(e: IRecognitionException, tokens: IToken[], lines: LineTable): Diagnostic {
  const t = e.token;
  let span: Span;
  if (Number.isNaN(t.startOffset) || t.startOffset === undefined) {
    // End of the statement: point just after its last token.
    span = afterToken(lines, tokens[tokens.length - 1]!);
  } else {
    span = tokenSpan(lines, t);
  }
  return diagnostic(D.syntaxError.messages.parser, span, { message: e.message });
}

function startSpan(file: string): Span {
  return { file, offset: 0, endOffset: 0, line: 1, column: 1, endLine: 1, endColumn: 1 };
}
