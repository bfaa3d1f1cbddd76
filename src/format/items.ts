/**
 * The formatter's view of a file: the parser's own tokens (newlines and `;` included) with the
 * comments the lexer skips put back in between, in source order. Comments are not in the AST;
 * they are read from the text between two tokens, which after a clean lex holds only blanks and
 * comments.
 */
import type { TokenType } from "chevrotain";
import { lexChunks } from "../syntax/lexer.js";
import * as T from "../syntax/tokens.js";

export interface TokenItem {
  kind: "token";
  type: TokenType;
  text: string;
  offset: number;
}

/** One or more line breaks; `blank` when at least one empty line is among them. */
export interface NewlineItem {
  kind: "newline";
  offset: number;
  blank: boolean;
}

export interface CommentItem {
  kind: "comment";
  /** As written; a `//` comment without trailing blanks. */
  text: string;
  offset: number;
  /** `//` (runs to the end of its line), else `/* ... *\/`. */
  line: boolean;
}

export type Item = TokenItem | NewlineItem | CommentItem;

/** Lex `text` (already known to lex cleanly) into items. */
export function lexItems(text: string): Item[] {
  const items: Item[] = [];
  let end = 0;
  lexChunks(text, (chunk) => {
    for (const t of chunk.tokens) {
      comments(text, end, t.startOffset, items);
      if (t.tokenType === T.Newline) {
        items.push({ kind: "newline", offset: t.startOffset, blank: lineBreaks(t.image) > 1 });
      } else {
        items.push({ kind: "token", type: t.tokenType, text: t.image, offset: t.startOffset });
      }
      end = t.startOffset + t.image.length;
    }
  });
  comments(text, end, text.length, items);
  return items;
}

function lineBreaks(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

const BLANK = /[ \t\f\v\uFEFF]/;

/** The comments in `text[from, to)`, which holds nothing but blanks and comments. */
function comments(text: string, from: number, to: number, out: Item[]): void {
  let i = from;
  while (i < to) {
    if (BLANK.test(text[i]!)) {
      i++;
    } else if (text.startsWith("//", i)) {
      out.push({ kind: "comment", text: text.slice(i, to).trimEnd(), offset: i, line: true });
      i = to;
    } else if (text.startsWith("/*", i)) {
      const close = text.indexOf("*/", i + 2);
      const stop = close < 0 || close + 2 > to ? to : close + 2;
      out.push({ kind: "comment", text: text.slice(i, stop), offset: i, line: false });
      i = stop;
    } else {
      throw new Error(`unexpected text between tokens at offset ${i}`);
    }
  }
}

/** The items' comments as written, in order (what "every comment kept" compares). */
export function commentTexts(items: readonly Item[]): string[] {
  const out: string[] = [];
  for (const it of items) if (it.kind === "comment") out.push(it.text);
  return out;
}
