/**
 * The canonical upper half of x86-64 paging, golden values from the Intel SDM vol. 3A, not from
 * this code: 3.3.7.1 "Canonical addressing" (bits 63:47, or 63:56 with 5 levels, all equal) and
 * 4.5 figures 4-8 / 4-9: the PML4 index is VA[47:39], the PML5 index VA[56:48], so the first
 * upper-half address 0xffff_8000_0000_0000 is PML4 entry 256 and 0xff00_0000_0000_0000 is PML5
 * entry 256. Tables come first-fit from the pool at 0x10_0000: root, then one per level.
 * Bits: P=0x1 RW=0x2 US=0x4 A=0x20 D=0x40, XD=bit 63; table entries are P|RW|US|A = 0x27.
 */
import { describe, expect, it } from "vitest";
import { lowerText } from "../../test/runtime/helpers.js";

function topology(levels: 4 | 5, maps: string): string {
  return `
memory dram 0x10_0000 .. +16M ram
memory data 0x4000_0000 .. +1G ram
pool tables in dram[0 .. +1M]
mmu m : x86-64 { levels ${levels} }
cpu c via m
buffer b in data size 4K
${maps}
`;
}

describe("x86-64 canonical upper half", () => {
  it("4 levels: 0xffff_8000_0000_0000 is PML4 entry 256, the last page entry 511", () => {
    const l = lowerText(
      topology(
        4,
        "map b -> c at 0xFFFF_8000_0000_0000 rw priv cacheable\n" +
          "map b -> c at 0xFFFF_FFFF_FFFF_F000 rw priv cacheable",
      ),
    );
    const m = l.compiled.memory;
    expect(l.compiled.tables[0]!.context.root).toBe(0x10_0000n);
    expect(m.read64(0x10_0000n + 256n * 8n)).toBe(0x10_1027n); // PML4E[256]
    expect(m.read64(0x10_1000n)).toBe(0x10_2027n); // PDPTE[0]
    expect(m.read64(0x10_2000n)).toBe(0x10_3027n); // PDE[0]
    // PTE[0]: 0x4000_0000 | P|RW|A|D (0x63), supervisor (no US), XD.
    expect(m.read64(0x10_3000n)).toBe(0x8000_0000_4000_0063n);
    expect(m.read64(0x10_0000n + 511n * 8n)).toBe(0x10_4027n); // PML4E[511]
    expect(m.read64(0x10_4000n + 511n * 8n)).toBe(0x10_5027n); // PDPTE[511]
    expect(m.read64(0x10_5000n + 511n * 8n)).toBe(0x10_6027n); // PDE[511]
    expect(m.read64(0x10_6000n + 511n * 8n)).toBe(0x8000_0000_4000_0063n); // PTE[511]
    // Entries 0..255 (the lower half) are untouched.
    for (let i = 0n; i < 256n; i++) expect(m.read64(0x10_0000n + i * 8n)).toBe(0n);
  });

  it("4 levels: the top lower-half page is PML4 entry 255, below the upper half", () => {
    const l = lowerText(topology(4, "map b -> c at 0x7FFF_FFFF_F000 rw cacheable"));
    expect(l.compiled.memory.read64(0x10_0000n + 255n * 8n)).toBe(0x10_1027n);
    expect(l.compiled.memory.read64(0x10_0000n + 256n * 8n)).toBe(0n);
  });

  it("5 levels: 0xff00_0000_0000_0000 is PML5 entry 256, CR4.LA57 set", () => {
    const l = lowerText(topology(5, "map b -> c at 0xFF00_0000_0000_0000 rw priv cacheable"));
    const m = l.compiled.memory;
    expect(m.read64(0x10_0000n + 256n * 8n)).toBe(0x10_1027n); // PML5E[256]
    expect(m.read64(0x10_1000n)).toBe(0x10_2027n); // PML4E[0]
    expect(m.read64(0x10_2000n)).toBe(0x10_3027n); // PDPTE[0]
    expect(m.read64(0x10_3000n)).toBe(0x10_4027n); // PDE[0]
    expect(m.read64(0x10_4000n)).toBe(0x8000_0000_4000_0063n); // PTE[0]
    expect(l.compiled.tables[0]!.context.registers).toMatchObject({
      CR3: 0x10_0000n,
      CR4: 0x1020n, // PAE (bit 5) | LA57 (bit 12)
      EFER: 0xd00n, // LME | LMA | NXE
    });
    const decode = l.plugins.get("x86-64")!.decodeRegisters!;
    const half = { root: 0x10_0000n, bits: 57, granule: 4096n };
    expect(decode({}, l.compiled.tables[0]!.context.registers)).toEqual({
      lower: half,
      upper: half,
    });
    // CR3's PCD/PWT (bits 4:3) and PCID are not part of the root; without LA57, 48 bits.
    expect(decode({}, { CR3: 0x10_0018n, CR4: 0x20n })?.lower).toEqual({ ...half, bits: 48 });
  });

  it("the halves are [0, 2^47) and [2^64 - 2^47, 2^64) with 4 levels, 2^56 with 5", () => {
    const four = lowerText(topology(4, "")).compiled.tables[0]!.halves;
    expect(four).toEqual([
      { half: "lower", base: 0n, size: 1n << 47n, input: 0n },
      { half: "upper", base: 0xffff_8000_0000_0000n, size: 1n << 47n, input: 1n << 47n },
    ]);
    const five = lowerText(topology(5, "")).compiled.tables[0]!.halves;
    expect(five![1]).toEqual({
      half: "upper",
      base: 0xff00_0000_0000_0000n,
      size: 1n << 56n,
      input: 1n << 56n,
    });
  });
});
