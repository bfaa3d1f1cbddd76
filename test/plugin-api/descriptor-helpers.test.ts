import { describe, expect, it } from "vitest";
import {
  DESC_LEAF,
  DESC_TABLE,
  decodedDescriptor,
  describeDecoded,
  descriptorWords,
  nineBitLevels,
  pfnFromWords,
  sizeLabel,
  writeTableAddress,
} from "../../src/plugin-api/index.js";

describe("radix descriptor helpers", () => {
  it("pfnFromWords reads address bits 51:12 and ignores the flags around them", () => {
    // 0x000f_abcd_1234_5000 | bit 63 | low flags 0xfff.
    expect(pfnFromWords(0x1234_5fff, 0x800f_abcd)).toBe(0xf_abcd_1234_5);
    expect(pfnFromWords(0x0000_0fff, 0xfff0_0000)).toBe(0);
  });

  it("writeTableAddress splits a table address above 4G and ORs the flags of each word", () => {
    const out = descriptorWords();
    writeTableAddress(0x12_3456_7000, 0x803, 0x6000_0000, out);
    expect([out.lo, out.hi]).toEqual([0x3456_7803, 0x6000_0012]);
    expect(pfnFromWords(out.lo, out.hi) * 4096).toBe(0x12_3456_7000);
  });

  it("nineBitLevels counts architectural levels down and narrows the root to the input bits", () => {
    const four = nineBitLevels(4, (n) => (n <= 2 ? [12 + 9 * (n - 1)] : []));
    expect(four.map((l) => [l.number, l.shift, l.bits, l.tables])).toEqual([
      [4, 39, 9, true],
      [3, 30, 9, true],
      [2, 21, 9, true],
      [1, 12, 9, false],
    ]);
    expect(four.map((l) => l.pageShifts)).toEqual([[], [], [21], [12]]);
    expect(nineBitLevels(6, () => [], 64)[0]!.bits).toBe(7);
  });

  it("sizeLabel and describeDecoded give the usual dump lines", () => {
    expect([12, 21, 30, 39, 40].map(sizeLabel)).toEqual(["4K", "2M", "1G", "512G", "1T"]);
    const d = decodedDescriptor();
    d.kind = DESC_LEAF;
    d.paPfn = 0x40200;
    d.pageShift = 21;
    expect(describeDecoded("PDE", d, " RW")).toBe("PDE 2M page pa=0x40200000 RW");
    d.kind = DESC_TABLE;
    d.tablePa = 0x101000;
    expect(describeDecoded("PML4E", d, "")).toBe("PML4E table -> 0x101000");
    const bad = decodedDescriptor();
    bad.fault = "not present (P=0)";
    expect(describeDecoded("PTE", bad, "")).toBe("PTE invalid (not present (P=0))");
  });
});
