/**
 * The hand-written scanner against the Chevrotain lexer built from the same token definitions
 * (the reference): same token types, images and offsets, same directive and unterminated-comment
 * groups, same error runs; over every sample and fixture, and fuzzed text.
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { IToken } from "chevrotain";
import { CHUNK_SIZE, createLexer, lexChunks } from "../../src/syntax/lexer.js";
import { Scanner, type ScanOutput } from "../../src/syntax/scanner.js";
import * as T from "../../src/syntax/tokens.js";
import { parseSource } from "../../src/syntax/parse.js";

const FUZZ_RUNS = Number(process.env["FUZZ_RUNS"] ?? 300);
const reference = createLexer();

type Lexed = {
  tokens: [string, string, number][];
  errors: [number, number][];
  directives: [string, number][];
  unterminated: [string, number][];
};

const row = (t: IToken): [string, string, number] => [t.tokenType.name, t.image, t.startOffset];
const at = (t: IToken): [string, number] => [t.image, t.startOffset];

function byChevrotain(text: string): Lexed {
  const r = reference.tokenize(text);
  for (const t of r.tokens) if (t.tokenType === T.Identifier) T.retypeKeyword(t);
  return {
    tokens: r.tokens.map(row),
    errors: r.errors.map((e) => [e.offset, e.length]),
    directives: (r.groups["directives"] ?? []).map(at),
    unterminated: (r.groups["unterminated"] ?? []).map(at),
  };
}

/** Scanned in pieces of `piece` characters (the last token of a piece may run past it). */
function byScanner(text: string, piece = text.length + 1): Lexed {
  const out: ScanOutput = { tokens: [], errors: [], directives: [], unterminated: [] };
  const scanner = new Scanner();
  for (let at = 0; at < text.length;) at = scanner.scan(text, at, at + piece, out);
  return {
    tokens: out.tokens.map(row),
    errors: out.errors.map((e) => [e.offset, e.length]),
    directives: out.directives.map(at),
    unterminated: out.unterminated.map(at),
  };
}

function vcmFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...vcmFiles(path));
    else if (name.endsWith(".vcm")) out.push(path);
  }
  return out;
}

const root = new URL("../..", import.meta.url).pathname;
const files = [...vcmFiles(join(root, "samples")), ...vcmFiles(join(root, "test"))];

describe("scanner = Chevrotain lexer", () => {
  test("found the samples and fixtures", () => {
    expect(files.length).toBeGreaterThan(20);
  });

  test.each(files.map((f) => [f.slice(root.length), f]))("%s", (_, file) => {
    const text = readFileSync(file, "utf8");
    expect(byScanner(text)).toEqual(byChevrotain(text));
    expect(byScanner(text, 97)).toEqual(byChevrotain(text));
  });

  test("every token kind, edge cases and errors", () => {
    const cases = [
      "",
      "a-b a- -b a--b a-1 1-a _x x_ A9-z_-q",
      "0x8000_0000 2G 0b101 12abc 0_ 9",
      '"s" "a\\"b" "\\\\" "open\n"x\\\n"y\\\u2028z"\r"last',
      "// c\n//vcm: disable x\n// \t vcm:warn y\n//vcm\n/* a\n b */ /* open",
      "/**/ /*/ */ /* */*/",
      "-> - > >> < << <<< >>> <> .. . ... { } [ ] ( ) : , = + * / % & | ~ ;",
      "\r\n\r\n  \n\t\n \r x \n\n y\r\n  \r\n\tz",
      "a\u00e9b \u2028 \uFEFFc \f\v d # $ @ ! ? ^ ` ' \\ \u0000 \ud83d\ude00 e",
      "r rw rwx xr rr rwxr priv map Map domain dma-mask power-off power-offx",
      "<x >y <\n >",
    ];
    for (const text of cases) {
      expect(byScanner(text), JSON.stringify(text)).toEqual(byChevrotain(text));
      expect(byScanner(text, 3), JSON.stringify(text)).toEqual(byChevrotain(text));
    }
  });

  test("fuzzed text from the language's characters", () => {
    const pieces = [
      ...'abrwxz_AZ09-<>./*"\\;:,=+%&|~()[]{} \t\r\n\u2028\uFEFF#é',
      "//",
      "/*",
      "*/",
      "vcm:",
      "0x",
      "map",
      "dma-mask",
      "rw",
      "\r\n",
    ];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...pieces), { maxLength: 80 }),
        fc.integer({ min: 1, max: 40 }),
        (parts, piece) => {
          const text = parts.join("");
          expect(byScanner(text)).toEqual(byChevrotain(text));
          expect(byScanner(text, piece)).toEqual(byChevrotain(text));
        },
      ),
      { numRuns: FUZZ_RUNS },
    );
  });

  test("fuzzed arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120, unit: "binary" }), (text) => {
        expect(byScanner(text)).toEqual(byChevrotain(text));
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  test("many distinct names (the image table grows) and names equal to keywords", () => {
    const words: string[] = [];
    for (let i = 0; i < 5000; i++) words.push(`n${i}`, `${i}K`, i % 7 === 0 ? "map" : "rw");
    const text = words.join(" ");
    expect(byScanner(text)).toEqual(byChevrotain(text));
  });

  test("a file bigger than a chunk lexes as one piece would", () => {
    const line = "map buf0_0 -> dom0 at auto rw // c\n/* b\n */ buffer x size 4K\n";
    const text = line.repeat(Math.ceil((3 * CHUNK_SIZE) / line.length)) + '"tail';
    const tokens: [string, string, number][] = [];
    lexChunks(text, (chunk) => {
      for (const t of chunk.tokens) tokens.push(row(t));
    });
    expect(tokens).toEqual(byChevrotain(text).tokens);
  });
});

describe("token reuse between chunks", () => {
  test("a statement spanning chunks keeps its own tokens", () => {
    // The lexer reuses one chunk's token objects for the next: a statement still open at the
    // end of a chunk must not see them overwritten.
    const names = Array.from({ length: 30_000 }, (_, i) => `dev${i}`);
    const lines: string[] = [];
    for (let i = 0; i < names.length; i += 10)
      lines.push(`  attach ${names.slice(i, i + 10).join(" ")}`);
    const text = `cpu c0\ndomain d on m {\n${lines.join("\n")}\n}\ncpu c1\n`;
    expect(text.length).toBeGreaterThan(3 * CHUNK_SIZE);
    const r = parseSource(text, "t.vcm");
    expect(r.diagnostics).toEqual([]);
    const [c0, d, c1] = r.ast.statements;
    expect(c0?.kind === "endpoint" && c0.name.name).toBe("c0");
    expect(c1?.kind === "endpoint" && c1.name.name).toBe("c1");
    if (d?.kind !== "domain") throw new Error(`not a domain: ${d?.kind}`);
    const attached = d.items.flatMap((item) => (item.kind === "attach" ? item.devices : []));
    expect(attached.map((x) => x.name)).toEqual(names);
    expect(attached.every((x, i) => text.slice(x.span.offset, x.span.endOffset) === names[i])).toBe(
      true,
    );
  });
});
