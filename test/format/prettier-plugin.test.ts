/** `vcm/prettier` inside Prettier 3 itself (in process): same text as formatVcm, errors at a position. */
import { format } from "prettier";
import { describe, expect, it } from "vitest";
import { formatVcm } from "../../src/format/index.js";
import * as plugin from "../../src/format/prettier-plugin.js";

const MESSY = "topology t\nscenario s {\nmap  a->d rw // x\n}\n";

describe("vcm/prettier", () => {
  it("formats .vcm files by file name, as formatVcm does", async () => {
    const out = await format(MESSY, { filepath: "board.vcm", plugins: [plugin] });
    expect(out).toBe(formatVcm(MESSY));
    expect(out).toBe("topology t\nscenario s {\n  map a -> d rw // x\n}\n");
  });

  it("takes tabWidth, useTabs and endOfLine from Prettier's options", async () => {
    const opts = { parser: "vcm", plugins: [plugin] };
    expect(await format(MESSY, { ...opts, tabWidth: 4 })).toContain("\n    map a -> d rw");
    expect(await format(MESSY, { ...opts, useTabs: true })).toContain("\n\tmap a -> d rw");
    expect(await format(MESSY, { ...opts, endOfLine: "crlf" })).toBe(
      formatVcm(MESSY).replaceAll("\n", "\r\n"),
    );
  });

  it("reports a syntax error with the VCM code at its line and column", async () => {
    const error = await format("memory ddr 0 .. +1G ram\nbuffer b in ddr size\n", {
      parser: "vcm",
      plugins: [plugin],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SyntaxError);
    const e = error as SyntaxError & { loc: { start: { line: number; column: number } } };
    expect(e.message).toContain("VCM0001");
    expect(e.loc.start).toEqual({ line: 2, column: 21 });
  });
});
