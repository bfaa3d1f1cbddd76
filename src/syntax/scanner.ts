/**
 * The hand-written VCM lexer: one pass over `charCodeAt`, dispatching on the first character.
 * It produces exactly what the Chevrotain lexer built from `tokens.ts` produces (same token
 * types, images, offsets, groups and error runs; a differential test holds the two together),
 * with keywords and permission words already typed, and every name and number image interned:
 * a word's hash is computed while scanning it, so a name seen before costs no new string.
 *
 * Chevrotain's lexer took ~20% of parsing (regular-expression matching per token, a copy of each
 * image, then a map lookup per identifier to type keywords and another to share images).
 */
import type { IToken, TokenType } from "chevrotain";
import * as T from "./tokens.js";

/** A run of characters no token starts with (Chevrotain's error recovery drops the same run). */
export interface LexError {
  offset: number;
  length: number;
}

/** What one call of `scan` found, offsets file-wide. */
export interface ScanOutput {
  tokens: IToken[];
  errors: LexError[];
  directives: IToken[];
  unterminated: IToken[];
  /** Whether `tokens` holds an UnterminatedString (most files have none: no need to look). */
  openString?: boolean;
}

// Character classes (ASCII; everything else starts no token).
const OTHER = 0;
const BLANK = 1;
const BREAK = 2;
const DIGIT = 3;
const LETTER = 4; // A-Z a-z _
const PUNCT = 5; // single-character tokens without a longer form
const SPECIAL = 6; // / " - . < >

const charClass = new Uint8Array(128);
const punctType: (TokenType | undefined)[] = new Array<TokenType | undefined>(128);
const punctImage: string[] = new Array<string>(128);
{
  for (const c of " \t\f\v") charClass[c.charCodeAt(0)] = BLANK;
  charClass[10] = BREAK;
  charClass[13] = BREAK;
  for (let c = 48; c <= 57; c++) charClass[c] = DIGIT;
  for (let c = 65; c <= 90; c++) charClass[c] = LETTER;
  for (let c = 97; c <= 122; c++) charClass[c] = LETTER;
  charClass[95] = LETTER;
  const single: [string, TokenType][] = [
    [";", T.Semicolon],
    ["(", T.LParen],
    [")", T.RParen],
    ["[", T.LBracket],
    ["]", T.RBracket],
    ["{", T.LCurly],
    ["}", T.RCurly],
    [":", T.Colon],
    [",", T.Comma],
    ["=", T.Equals],
    ["+", T.Plus],
    ["*", T.Star],
    ["%", T.Percent],
    ["&", T.Amp],
    ["|", T.Pipe],
    ["~", T.Tilde],
  ];
  for (const [ch, type] of single) {
    const c = ch.charCodeAt(0);
    charClass[c] = PUNCT;
    punctType[c] = type;
    punctImage[c] = ch;
  }
  for (const c of '/"-.<>') charClass[c.charCodeAt(0)] = SPECIAL;
}

function isWordChar(c: number): boolean {
  return c < 128 && (charClass[c] === LETTER || charClass[c] === DIGIT);
}

/**
 * Interned images by hash: open addressing over parallel arrays. Seeded with the keywords and
 * permission words (and their token types); names and numbers of a file are added as seen and
 * dropped at the next `reset`.
 */
class ImageTable {
  private strings: (string | undefined)[] = [];
  private hashes = new Int32Array(0);
  private types: TokenType[] = [];
  private size = 0;
  private readonly seeds: [string, TokenType][] = [];

  constructor(seeds: Iterable<[string, TokenType]>) {
    for (const s of seeds) this.seeds.push(s);
    this.reset();
  }

  /**
   * Back to the seeds only (a file's names are not kept past its parse), with room for about
   * `expected` images (growing costs a rehash of every name).
   */
  reset(expected = 0): void {
    let capacity = 512;
    while (capacity < 2 * (expected + this.seeds.length)) capacity *= 2;
    if (this.size === this.seeds.length && this.hashes.length === capacity) return;
    if (this.hashes.length === capacity) {
      // Same size: empty it in place (allocating a large table is slower than clearing it).
      this.strings.fill(undefined);
      this.hashes.fill(0);
      this.size = 0;
    } else this.allocate(capacity);
    for (const [image, type] of this.seeds)
      this.insert(hashOf(image, 0, image.length), image, type);
  }

  /** The slot of `text[start, end)` with hash `h`: its own, or the empty one it would take. */
  find(h: number, text: string, start: number, end: number): number {
    const mask = this.hashes.length - 1;
    const len = end - start;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const s = this.strings[slot];
      if (s === undefined) return slot;
      if (this.hashes[slot] === h && s.length === len && text.startsWith(s, start)) return slot;
    }
  }

  imageAt(slot: number): string | undefined {
    return this.strings[slot];
  }
  typeAt(slot: number): TokenType {
    return this.types[slot]!;
  }

  /** Fill the empty `slot` (from `find`); returns the stored image. */
  fill(slot: number, h: number, image: string, type: TokenType): void {
    this.strings[slot] = image;
    this.hashes[slot] = h;
    this.types[slot] = type;
    if (++this.size * 2 > this.hashes.length) this.grow();
  }

  private insert(h: number, image: string, type: TokenType): void {
    this.fill(this.find(h, image, 0, image.length), h, image, type);
  }

  private allocate(capacity: number): void {
    // Filled by push: `new Array(n)` of a large n is a dictionary, slow to store into.
    const strings: (string | undefined)[] = [];
    const types: TokenType[] = [];
    for (let i = 0; i < capacity; i++) {
      strings.push(undefined);
      types.push(T.Identifier);
    }
    this.strings = strings;
    this.types = types;
    this.hashes = new Int32Array(capacity);
    this.size = 0;
  }

  private grow(): void {
    const { strings, hashes, types } = this;
    this.allocate(hashes.length * 2);
    for (let i = 0; i < strings.length; i++) {
      const s = strings[i];
      if (s !== undefined) this.insert(hashes[i]!, s, types[i]!);
    }
  }
}

function hashOf(text: string, start: number, end: number): number {
  let h = 0;
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h;
}

function permissionWords(): string[] {
  const out: string[] = [];
  const grow = (prefix: string): void => {
    for (const c of "rwx") {
      out.push(prefix + c);
      if (prefix.length < 2) grow(prefix + c);
    }
  };
  grow("");
  return out;
}

function token(image: string, startOffset: number, type: TokenType): IToken {
  // The shape Chevrotain's lexer gives with `positionTracking: "onlyOffset"`.
  return { image, startOffset, tokenTypeIdx: type.tokenTypeIdx!, tokenType: type } as IToken;
}

export class Scanner {
  private readonly images = new ImageTable([
    ...T.keywordTypes,
    ...permissionWords().map((w): [string, TokenType] => [w, T.Perms]),
  ]);

  /**
   * Token objects handed out since the last `recycle`: a file is lexed in chunks, and reusing
   * one chunk's token objects for the next spares the collector most of the garbage of parsing.
   */
  private readonly pool: IToken[] = [];
  private used = 0;

  /**
   * Forget the names of the previous file (and the token pool); `text`, the next file, sizes the
   * image table.
   */
  reset(text = ""): void {
    // About one distinct name or number per 64 characters in generated topologies.
    this.images.reset(text.length >> 6);
    this.pool.length = 0;
    this.used = 0;
  }

  /**
   * Let the next `scan` overwrite the tokens handed out so far: call only once nothing holds
   * them (directive and comment tokens are never reused).
   */
  recycle(): void {
    this.used = 0;
  }

  /**
   * Lex `text` from `from`, appending to `out`, the tokens that start before `stop` (the last may
   * run past it). Returns where the next call continues: lexing in pieces gives the same tokens
   * as lexing at once.
   */
  scan(text: string, from: number, stop: number, out: ScanOutput): number {
    const n = text.length;
    const tokens = out.tokens;
    let i = from;
    while (i < n && i < stop) {
      const c = text.charCodeAt(i);
      const cls = c < 128 ? charClass[c]! : c === 0xfeff ? BLANK : OTHER;
      switch (cls) {
        case BLANK:
          i++;
          while (i < n && isBlank(text.charCodeAt(i))) i++;
          break;
        case BREAK: {
          const start = i;
          i = afterBreak(text, i);
          for (;;) {
            let j = i;
            while (j < n && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j++;
            if (j < n && charClass[text.charCodeAt(j)] === BREAK) i = afterBreak(text, j);
            else break;
          }
          const image = i - start === 1 ? (c === 10 ? "\n" : "\r") : text.slice(start, i);
          this.emit(tokens, image, start, T.Newline);
          break;
        }
        case LETTER: {
          const start = i;
          let h = c;
          i++;
          for (;;) {
            let d = i < n ? text.charCodeAt(i) : 0;
            while (isWordChar(d)) {
              h = (Math.imul(h, 31) + d) | 0;
              d = ++i < n ? text.charCodeAt(i) : 0;
            }
            // An inner hyphen followed by a word character continues the name (`va-bits`).
            if (d === 45 && i + 1 < n && isWordChar(text.charCodeAt(i + 1))) {
              h = (Math.imul(h, 31) + 45) | 0;
              i++;
            } else break;
          }
          this.word(tokens, text, start, i, h, T.Identifier);
          break;
        }
        case DIGIT: {
          const start = i;
          let h = c;
          i++;
          let d = i < n ? text.charCodeAt(i) : 0;
          while (isWordChar(d)) {
            h = (Math.imul(h, 31) + d) | 0;
            d = ++i < n ? text.charCodeAt(i) : 0;
          }
          this.word(tokens, text, start, i, h, T.NumberLiteral);
          break;
        }
        case PUNCT:
          this.emit(tokens, punctImage[c]!, i, punctType[c]!);
          i++;
          break;
        case SPECIAL:
          i = this.special(text, i, c, out);
          break;
        default:
          i = this.error(text, i, out);
      }
    }
    return i;
  }

  /** A name or number: its interned image and (for names) keyword or permissions type. */
  private word(
    tokens: IToken[],
    text: string,
    start: number,
    end: number,
    h: number,
    type: TokenType,
  ): void {
    const slot = this.images.find(h, text, start, end);
    const kept = this.images.imageAt(slot);
    if (kept !== undefined) return this.emit(tokens, kept, start, this.images.typeAt(slot));
    const image = text.slice(start, end);
    this.images.fill(slot, h, image, type);
    this.emit(tokens, image, start, type);
  }

  /** Append a token, reusing one handed out before the last `recycle`. */
  private emit(tokens: IToken[], image: string, startOffset: number, type: TokenType): void {
    let t = this.pool[this.used];
    if (t === undefined) {
      t = token(image, startOffset, type);
      this.pool.push(t);
    } else {
      t.image = image;
      t.startOffset = startOffset;
      t.tokenTypeIdx = type.tokenTypeIdx!;
      t.tokenType = type;
    }
    this.used++;
    tokens.push(t);
  }

  /** Tokens starting with `/ " - . < >`; returns the offset after the token. */
  private special(text: string, i: number, c: number, out: ScanOutput): number {
    const n = text.length;
    const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
    switch (c) {
      case 47: // '/'
        if (next === 47) {
          let end = i + 2;
          while (end < n && charClass[text.charCodeAt(end)] !== BREAK) end++;
          if (isDirective(text, i + 2, end)) {
            out.directives.push(token(text.slice(i, end), i, T.DirectiveComment));
          }
          return end;
        }
        if (next === 42) {
          const close = text.indexOf("*/", i + 2);
          if (close >= 0) return close + 2;
          out.unterminated.push(token(text.slice(i), i, T.UnterminatedComment));
          return n;
        }
        this.emit(out.tokens, "/", i, T.Slash);
        return i + 1;
      case 34: // '"'
        return this.string(text, i, out);
      case 45: // '-'
        if (next === 62) {
          this.emit(out.tokens, "->", i, T.Arrow);
          return i + 2;
        }
        this.emit(out.tokens, "-", i, T.Minus);
        return i + 1;
      case 46: // '.'
        if (next === 46) {
          this.emit(out.tokens, "..", i, T.DotDot);
          return i + 2;
        }
        this.emit(out.tokens, ".", i, T.Dot);
        return i + 1;
      case 60: // '<'
        if (next === 60) {
          this.emit(out.tokens, "<<", i, T.ShiftLeft);
          return i + 2;
        }
        return this.error(text, i, out);
      default: // '>'
        if (next === 62) {
          this.emit(out.tokens, ">>", i, T.ShiftRight);
          return i + 2;
        }
        return this.error(text, i, out);
    }
  }

  /** `"..."`, or up to where an unterminated one stops (end of line, or a `\` before one). */
  private string(text: string, start: number, out: ScanOutput): number {
    const n = text.length;
    let i = start + 1;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        this.emit(out.tokens, text.slice(start, i + 1), start, T.StringLiteral);
        return i + 1;
      }
      if (c === 10 || c === 13) break;
      if (c === 92) {
        // `\\.`: `.` is any character but a line terminator.
        if (i + 1 >= n || isLineTerminator(text.charCodeAt(i + 1))) break;
        i += 2;
      } else i++;
    }
    this.emit(out.tokens, text.slice(start, i), start, T.UnterminatedString);
    out.openString = true;
    return i;
  }

  /** Characters from `start` up to the next one a token can start with. */
  private error(text: string, start: number, out: ScanOutput): number {
    let i = start + 1;
    while (i < text.length && !startsToken(text, i)) i++;
    out.errors.push({ offset: start, length: i - start });
    return i;
  }
}

function isBlank(c: number): boolean {
  return (c < 128 && charClass[c] === BLANK) || c === 0xfeff;
}

function isLineTerminator(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
}

/** The offset after the line break at `i` (`\r\n`, `\r` or `\n`). */
function afterBreak(text: string, i: number): number {
  return text.charCodeAt(i) === 13 && text.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
}

/** `//[ \t]*vcm:` (the text after `//` from `from`). */
function isDirective(text: string, from: number, end: number): boolean {
  let i = from;
  while (i < end && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  return end - i >= 4 && text.startsWith("vcm:", i);
}

/** Whether some token (or skipped text) matches at `i`. */
function startsToken(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c >= 128) return c === 0xfeff;
  const cls = charClass[c]!;
  if (cls === OTHER) return false;
  if (c === 60 || c === 62) return text.charCodeAt(i + 1) === c; // `<<`, `>>` only
  return true;
}
