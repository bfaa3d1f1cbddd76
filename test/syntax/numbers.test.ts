import { describe, expect, test } from "vitest";
import { parseNumber, U64_MAX } from "../../src/syntax/numbers.js";
import { parseSource } from "../../src/syntax/parse.js";

describe("number literals", () => {
  test.each([
    ["0", 0n],
    ["42", 42n],
    ["1_000_000", 1_000_000n],
    ["0x8000_0000", 0x8000_0000n],
    ["0XdeadBEEF", 0xdeadbeefn],
    ["0b1010", 10n],
    ["0B1_0000", 16n],
    ["4K", 4096n],
    ["8M", 8n << 20n],
    ["2G", 2n << 30n],
    ["1T", 1n << 40n],
    ["0x10K", 0x10n << 10n],
    ["0b1M", 1n << 20n],
    ["18446744073709551615", U64_MAX],
    ["0xFFFF_FFFF_FFFF_FFFF", U64_MAX],
    ["16777215T", 16777215n << 40n],
  ])("%s = %s", (text, value) => {
    expect(parseNumber(text)).toEqual({ ok: true, value });
  });

  test.each([
    "18446744073709551616",
    "0x1_0000_0000_0000_0000",
    "16777216T",
    "99999999999999999999999",
  ])("%s overflows", (text) => {
    const r = parseNumber(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe("overflow");
  });

  test.each(["0x", "0b", "0b102", "12Q", "4KB", "4k", "0xG1", "1__K_x", "0x_"])(
    "%s is malformed",
    (text) => {
      const r = parseNumber(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toBe("malformed");
    },
  );

  test("overflow is VCM0002 number-overflow with the literal's span, value 0", () => {
    const r = parseSource("const X = 0x1_0000_0000_0000_0000", "n.vcm");
    expect(r.diagnostics.map((d) => [d.code, d.check, d.span?.column, d.span?.endColumn])).toEqual([
      ["VCM0002", "number-overflow", 11, 34],
    ]);
    const c = r.ast.statements[0]!;
    if (c.kind !== "const") throw new Error(c.kind);
    expect(c.value).toMatchObject({ kind: "number", value: 0n, text: "0x1_0000_0000_0000_0000" });
  });

  test("malformed is VCM0006", () => {
    const r = parseSource("const X = 12Q", "n.vcm");
    expect(r.diagnostics.map((d) => [d.code, d.check])).toEqual([["VCM0006", "malformed-number"]]);
  });
});
