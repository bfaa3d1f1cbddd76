import { mkdtempSync, mkdirSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { MAX_SOURCE_BYTES, firstInvalidUtf8, readSource } from "../../src/workspace/read-source.js";

const dir = mkdtempSync(join(tmpdir(), "vcm-read-"));
function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

describe("readSource", () => {
  it("reads UTF-8 text and drops a byte-order mark", () => {
    const r = readSource(file("ok.vcm", "\uFEFFtopology t\n"), "ok.vcm");
    expect(r).toEqual({ ok: true, text: "topology t\n" });
  });

  it("reports a missing file as file-not-found", () => {
    const r = readSource(join(dir, "nope.vcm"), "nope.vcm");
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.diagnostic.code).toBe("VCM0010");
      expect(r.diagnostic.message).toContain("no such file");
      expect(r.diagnostic.span?.file).toBe("nope.vcm");
    }
  });

  it("reports a missing import at the import line", () => {
    const span = {
      file: "a.vcm",
      offset: 5,
      endOffset: 9,
      line: 2,
      column: 1,
      endLine: 2,
      endColumn: 5,
    };
    const r = readSource(join(dir, "nope.vcm"), "nope.vcm", span);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.diagnostic.code).toBe("VCM0015");
      expect(r.diagnostic.span).toEqual(span);
    }
  });

  it("reports a directory", () => {
    mkdirSync(join(dir, "sub"), { recursive: true });
    const r = readSource(join(dir, "sub"), "sub");
    expect(!r.ok && r.diagnostic.code).toBe("VCM0011");
  });

  it("reports a binary file with the position of the NUL byte", () => {
    const r = readSource(
      file("bin.vcm", new Uint8Array([0x61, 0x0a, 0x62, 0x00, 0x63])),
      "bin.vcm",
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.diagnostic.code).toBe("VCM0012");
      expect(r.diagnostic.span?.line).toBe(2);
      expect(r.diagnostic.span?.column).toBe(2);
    }
  });

  it.each([
    ["a lone continuation byte", [0x61, 0x80]],
    ["a truncated sequence", [0x61, 0xe2, 0x82]],
    ["an overlong encoding", [0xc0, 0xaf]],
    ["a surrogate", [0xed, 0xa0, 0x80]],
    ["a code point past U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
  ])("reports invalid UTF-8: %s", (_name, bytes) => {
    const r = readSource(file("bad.vcm", new Uint8Array(bytes)), "bad.vcm");
    expect(!r.ok && r.diagnostic.code).toBe("VCM0013");
  });

  it("accepts multi-byte UTF-8 in comments", () => {
    const r = readSource(file("u.vcm", "// µ → 𝄞\n"), "u.vcm");
    expect(r.ok).toBe(true);
  });

  it("refuses a file over the size limit without reading it", () => {
    const p = join(dir, "huge.vcm");
    writeFileSync(p, "");
    // A sparse file: its size is over the limit but no bytes are written.
    truncateSync(p, MAX_SOURCE_BYTES + 1);
    const r = readSource(p, "huge.vcm");
    expect(!r.ok && r.diagnostic.code).toBe("VCM0014");
  });
});

describe("UTF-8 validation", () => {
  it("the native strict decoder refuses exactly what the byte loop refuses", () => {
    // readSource decodes with the strict decoder and runs the loop only to locate a mistake.
    const strict = new TextDecoder("utf-8", { fatal: true });
    const valid = (bytes: Uint8Array): boolean => {
      try {
        strict.decode(bytes);
        return true;
      } catch {
        return false;
      }
    };
    // Pieces: ASCII, valid encodings, the classic mistakes, and any byte at all.
    const encoder = new TextEncoder();
    const piece = fc.oneof(
      fc.integer({ min: 0x20, max: 0x7f }).map((b) => [b]),
      fc
        .integer({ min: 0x80, max: 0x10ffff })
        .map((cp) => [...encoder.encode(String.fromCodePoint(cp))]),
      fc.constantFrom(
        [0xed, 0xa0, 0x80], // a surrogate
        [0xc0, 0x80], // overlong NUL
        [0xe0, 0x80, 0x80], // overlong
        [0xf0, 0x80, 0x80, 0x80], // overlong
        [0xf4, 0x90, 0x80, 0x80], // past U+10FFFF
        [0xe2, 0x82], // cut short
        [0x80], // a lone continuation byte
      ),
      fc.integer({ min: 0, max: 0xff }).map((b) => [b]),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const list = pieces.flat();
        const bytes = Uint8Array.from(list);
        expect(firstInvalidUtf8(bytes) < 0).toBe(valid(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it("reports where a file stops being UTF-8", () => {
    const p = file("bad-utf8.vcm", Uint8Array.from([0x63, 0x70, 0x75, 0x20, 0xed, 0xa0, 0x80]));
    const r = readSource(p, "bad-utf8.vcm");
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.diagnostic.code, r.diagnostic.span?.column]).toEqual(["VCM0013", 5]);
  });
});
