/**
 * Lays items out as lines. The token sequence is never changed: only the blanks between tokens,
 * the line breaks and the separators (`;` or a newline, which mean the same) are chosen here.
 * docs/FORMAT.md states the rules.
 */
import * as T from "../syntax/tokens.js";
import type { AlignSpec, LayoutHints } from "./hints.js";
import type { Item, TokenItem } from "./items.js";

export interface Line {
  /** Indentation in levels. */
  indent: number;
  /** The code, without indentation; for a comment-only line, the comment. */
  code: string;
  /** A trailing `//` comment. */
  comment?: string;
  /** Blanks before the trailing comment (set when comments are aligned). */
  commentPad?: number;
  blankBefore: boolean;
  commentOnly: boolean;
  /** For an alignable statement: its class and where (in `code`) its columns start. */
  align?: { cls: string; cuts: number[] };
}

interface Prev {
  type: Item["kind"] | "token";
  token?: TokenItem;
}

export class Layout {
  /** Matching close for each `{`, `[` and `(` item index. */
  private readonly match = new Map<number, number>();

  constructor(
    private readonly items: readonly Item[],
    private readonly hints: LayoutHints,
  ) {
    const stack: number[] = [];
    items.forEach((it, i) => {
      if (it.kind !== "token") return;
      if (it.type === T.LCurly || it.type === T.LBracket || it.type === T.LParen) stack.push(i);
      else if (it.type === T.RCurly || it.type === T.RBracket || it.type === T.RParen) {
        const open = stack.pop();
        if (open !== undefined) this.match.set(open, i);
      }
    });
  }

  lines(): Line[] {
    const out: Line[] = [];
    this.sequence(0, this.items.length, 0, out, undefined);
    return out;
  }

  /** Statements (or block items) in items[from, to), one per line. */
  private sequence(from: number, to: number, indent: number, out: Line[], last?: Line): void {
    const items = this.items;
    const inBlock = last !== undefined;
    let pendingBlank = false;
    let first = true;
    let newlineSinceEntry = last === undefined;
    const run = new AlignRun();
    for (let i = from; i < to;) {
      const it = items[i]!;
      if (it.kind === "newline") {
        if (it.blank && !first) pendingBlank = true;
        newlineSinceEntry = true;
        i++;
        continue;
      }
      if (it.kind === "token" && it.type === T.Semicolon) {
        i++;
        continue;
      }
      if (it.kind === "comment" && !newlineSinceEntry && last) {
        // After `a;` on the same line, or after a `{` that opens a block.
        if (it.line && last.comment === undefined) last.comment = it.text;
        else last.code += " " + it.text;
        i++;
        continue;
      }
      if (it.kind === "comment" && !this.leadsCode(i, to)) {
        if (pendingBlank) run.flush();
        out.push({
          indent,
          code: it.text,
          blankBefore: pendingBlank,
          commentOnly: true,
        });
        pendingBlank = false;
        first = false;
        i++;
        continue;
      }
      const end = this.entryEnd(i, to);
      const lines = this.entry(i, end, indent);
      if (inBlock && last && last.comment === undefined && this.startsTopLevel(i, end)) {
        // `{ ...; pool t }`: a line starting with `pool` would end the block's statement (the
        // parser's recovery rule), so such an item stays on the line before, after a `;`.
        last.code += (last.code.endsWith("{") ? " " : "; ") + lines[0]!.code;
        if (lines[0]!.comment !== undefined) last.comment = lines[0]!.comment;
        for (let k = 1; k < lines.length; k++) out.push(lines[k]!);
        last = lines.length > 1 ? lines[lines.length - 1] : last;
        run.flush();
        newlineSinceEntry = false;
        pendingBlank = false;
        i = end;
        continue;
      }
      lines[0]!.blankBefore = pendingBlank;
      if (pendingBlank) run.flush();
      const only = lines.length === 1 ? lines[0]! : undefined;
      if (only?.align && !only.code.includes("\n")) run.add(only);
      else run.flush();
      for (const l of lines) out.push(l);
      last = lines[lines.length - 1];
      newlineSinceEntry = false;
      pendingBlank = false;
      first = false;
      i = end;
    }
    run.flush();
  }

  /** Whether the entry starts with a word that, at the start of a line, starts a statement. */
  private startsTopLevel(from: number, to: number): boolean {
    const first = this.nextToken(from - 1, to);
    return first !== undefined && T.topLevelOnlyStarters.has(first.type);
  }

  /** A comment followed, on its line, by code (a block comment before a statement). */
  private leadsCode(i: number, to: number): boolean {
    for (let j = i + 1; j < to; j++) {
      const it = this.items[j]!;
      if (it.kind === "newline") return false;
      if (it.kind === "token") return it.type !== T.Semicolon;
    }
    return false;
  }

  /** The end of the entry starting at `i`: the first separator outside brackets and braces. */
  private entryEnd(i: number, to: number): number {
    let j = i;
    while (j < to) {
      const it = this.items[j]!;
      if (it.kind === "newline") return j;
      if (it.kind === "token") {
        if (it.type === T.Semicolon) return j;
        const close = this.match.get(j);
        if (close !== undefined) {
          j = close + 1;
          continue;
        }
      }
      j++;
    }
    return j;
  }

  /** One statement or block item: its first line, continuation lines and nested blocks. */
  private entry(from: number, to: number, indent: number): Line[] {
    const lines: Line[] = [];
    let spec = this.specFor(from, to);
    let cur = newLine(indent);
    const cuts: number[] = [];
    let prev: Prev | undefined;
    let depth = 0;
    for (let i = from; i < to; i++) {
      const it = this.items[i]!;
      if (it.kind === "newline") {
        // Inside brackets: a continuation line, as the author broke it.
        lines.push(cur);
        const next = this.nextToken(i, to);
        const closes = next && (next.type === T.RBracket || next.type === T.RParen);
        cur = newLine(indent + Math.max(depth - (closes ? 1 : 0), 0));
        prev = undefined;
        continue;
      }
      if (it.kind === "comment") {
        if (it.line) {
          cur.comment = it.text;
        } else {
          cur.code += this.space(prev, { type: "comment" }) + it.text;
          prev = { type: "comment" };
          spec = undefined; // a comment inside the code would shift its columns
        }
        continue;
      }
      const space = this.space(prev, { type: "token", token: it });
      if (spec && lines.length === 0 && spec.cuts[cuts.length] === it.offset) {
        cuts.push(cur.code.length + space.length);
      }
      if (it.type === T.LCurly) {
        const close = this.match.get(i)!;
        cur.code += space + "{";
        if (this.multiLine(i, close)) {
          lines.push(cur);
          this.sequence(i + 1, close, indent + 1, lines, cur);
          cur = newLine(indent);
          cur.code = "}";
        } else {
          const inner = this.inline(i + 1, close);
          cur.code += inner === "" ? " }" : ` ${inner} }`;
        }
        prev = { type: "token", token: this.items[close] as TokenItem };
        i = close;
        continue;
      }
      if (it.type === T.LBracket || it.type === T.LParen) depth++;
      else if (it.type === T.RBracket || it.type === T.RParen) depth--;
      cur.code += space + it.text;
      prev = { type: "token", token: it };
    }
    lines.push(cur);
    if (spec && lines.length === 1 && cuts.length > 0) {
      lines[0]!.align = { cls: spec.cls, cuts };
    }
    return lines;
  }

  private specFor(from: number, to: number): AlignSpec | undefined {
    for (let i = from; i < to; i++) {
      const it = this.items[i]!;
      if (it.kind === "token") return this.hints.align.get(it.offset);
    }
    return undefined;
  }

  private nextToken(i: number, to: number): TokenItem | undefined {
    for (let j = i + 1; j < to; j++) {
      const it = this.items[j]!;
      if (it.kind === "token") return it;
    }
    return undefined;
  }

  /**
   * A block goes one item per line when the author put a line break between `{` and its first
   * item (as Prettier does for object literals), or when a `//` comment is inside.
   */
  private multiLine(open: number, close: number): boolean {
    for (let j = open + 1; j < close; j++) {
      const it = this.items[j]!;
      if (it.kind === "comment" && it.line) return true;
    }
    for (let j = open + 1; j < close; j++) {
      const it = this.items[j]!;
      if (it.kind === "newline") return true;
      if (it.kind === "token" && it.type !== T.Semicolon) return false;
    }
    return false;
  }

  /** A block's items on one line, separated by `; `. */
  private inline(from: number, to: number): string {
    const entries: string[] = [];
    let cur = "";
    let prev: Prev | undefined;
    let depth = 0;
    for (let i = from; i < to; i++) {
      const it = this.items[i]!;
      const separator =
        (it.kind === "newline" && depth === 0) || (it.kind === "token" && it.type === T.Semicolon);
      if (separator) {
        if (cur !== "") entries.push(cur);
        cur = "";
        prev = undefined;
        continue;
      }
      if (it.kind === "newline") continue;
      if (it.kind === "comment") {
        cur += this.space(prev, { type: "comment" }) + it.text;
        prev = { type: "comment" };
        continue;
      }
      if (it.type === T.LCurly) {
        const close = this.match.get(i)!;
        const inner = this.inline(i + 1, close);
        cur +=
          this.space(prev, { type: "token", token: it }) + (inner === "" ? "{ }" : `{ ${inner} }`);
        prev = { type: "token", token: this.items[close] as TokenItem };
        i = close;
        continue;
      }
      if (it.type === T.LBracket || it.type === T.LParen) depth++;
      else if (it.type === T.RBracket || it.type === T.RParen) depth--;
      cur += this.space(prev, { type: "token", token: it }) + it.text;
      prev = { type: "token", token: it };
    }
    if (cur !== "") entries.push(cur);
    return entries.join("; ");
  }

  /** The blank between two neighbours on one line: "" or " ". */
  private space(prev: Prev | undefined, next: Prev): string {
    if (!prev) return "";
    const a = prev.token;
    const b = next.token;
    if (b) {
      const t = b.type;
      if (t === T.Comma || t === T.Semicolon || t === T.RParen || t === T.Dot) return "";
      if (t === T.RBracket) return this.hints.listBrackets.has(b.offset) ? " " : "";
      if (t === T.LBracket && !this.hints.listBrackets.has(b.offset)) return a ? "" : " ";
    }
    if (a) {
      const t = a.type;
      if (t === T.LParen || t === T.Dot) return "";
      if (t === T.LBracket) return this.hints.listBrackets.has(a.offset) ? " " : "";
      if (this.hints.prefixOps.has(a.offset)) return "";
    }
    return " ";
  }
}

function newLine(indent: number): Line {
  return { indent, code: "", blankBefore: false, commentOnly: false };
}

/**
 * Consecutive statements of one class (blank lines end a run; comment lines do not) get their
 * columns padded to the widest cell of the run.
 */
class AlignRun {
  private lines: Line[] = [];

  add(line: Line): void {
    const cls = line.align!.cls;
    if (this.lines.length > 0 && this.lines[0]!.align!.cls !== cls) this.flush();
    this.lines.push(line);
  }

  flush(): void {
    const run = this.lines;
    this.lines = [];
    if (run.length < 2) return;
    const cells = run.map((l) => split(l.code, l.align!.cuts));
    const widths: number[] = [];
    for (const c of cells) {
      for (let k = 0; k < c.length - 1; k++) widths[k] = Math.max(widths[k] ?? 0, c[k]!.length);
    }
    run.forEach((line, n) => {
      const c = cells[n]!;
      line.code = c
        .map((cell, k) => (k < c.length - 1 ? cell.padEnd(widths[k]!) : cell))
        .join(" ")
        .trimEnd();
    });
  }
}

/** `code` cut at `cuts`: the cells, then the rest. */
function split(code: string, cuts: number[]): string[] {
  const out: string[] = [];
  let start = 0;
  for (const c of cuts) {
    out.push(code.slice(start, c).trimEnd());
    start = c;
  }
  out.push(code.slice(start));
  return out;
}
