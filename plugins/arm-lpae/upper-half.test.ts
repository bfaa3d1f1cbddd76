/**
 * The TTBR1 (upper, kernel) half of an AArch64 stage-1 context, golden values from the Arm ARM
 * (DDI 0487), not from this code:
 * - D8.2 "Translation table walks": with TnSZ = 64 - bits, the initial lookup level and the root
 *   table's entries follow from the granule (4K: 9 index bits per level, 16K: 11, 64K: 13; the
 *   level-3 index starts at bit 12, 14, 16). VA 2^64 - 2^bits is TTBR1's input 0.
 * - D19.2 "TCR_EL1": T0SZ [5:0], EPD0 7, IRGN0 [9:8], ORGN0 [11:10], SH0 [13:12], TG0 [15:14]
 *   (0b00 4K, 0b01 64K, 0b10 16K), T1SZ [21:16], A1 22, EPD1 23, IRGN1 [25:24], ORGN1 [27:26],
 *   SH1 [29:28], TG1 [31:30] (0b01 16K, 0b10 4K, 0b11 64K: not TG0's encoding), IPS [34:32].
 * - TTBR1_EL1: BADDR (the root) in [47:1], ASID [63:48] unused while TCR.A1 = 0.
 */
import { describe, expect, it } from "vitest";
import { lowerText } from "../../test/runtime/helpers.js";

/** One TCR_EL1 field by the manual's bit positions. */
const FIELDS = {
  T0SZ: [0, 6],
  EPD0: [7, 1],
  IRGN0: [8, 2],
  ORGN0: [10, 2],
  SH0: [12, 2],
  TG0: [14, 2],
  T1SZ: [16, 6],
  A1: [22, 1],
  EPD1: [23, 1],
  IRGN1: [24, 2],
  ORGN1: [26, 2],
  SH1: [28, 2],
  TG1: [30, 2],
  IPS: [32, 3],
} as const;

function tcrFields(tcr: bigint): Record<keyof typeof FIELDS, number> {
  const out = {} as Record<keyof typeof FIELDS, number>;
  for (const [name, [lsb, width]] of Object.entries(FIELDS)) {
    out[name as keyof typeof FIELDS] = Number((tcr >> BigInt(lsb)) & ((1n << BigInt(width)) - 1n));
  }
  return out;
}

const TG0 = { 4096: 0b00, 65536: 0b01, 16384: 0b10 } as const;
const TG1 = { 16384: 0b01, 4096: 0b10, 65536: 0b11 } as const;

/** [granule, bits, initial lookup level, root entries] from D8.2. */
const ROOTS: [4096 | 16384 | 65536, number, number, number][] = [
  [4096, 39, 1, 512],
  [4096, 42, 0, 8],
  [4096, 47, 0, 256],
  [4096, 48, 0, 512],
  [16384, 39, 1, 8],
  [16384, 42, 1, 64],
  [16384, 47, 1, 2048],
  [16384, 48, 0, 2],
  [65536, 39, 2, 1024],
  [65536, 42, 2, 8192],
  [65536, 47, 1, 32],
  [65536, 48, 1, 64],
];

function topology(granule: number, bits: number): string {
  return `
memory dram 0x4000_0000 .. +1G ram
memory data 0x8000_0000 .. +1G ram
pool tables in dram[0 .. +64M]
mmu m : arm-lpae { stage 1; granule ${granule}; va-bits 32; va-bits-upper ${bits}; pa-bits 40 }
cpu c via m
buffer first in data size ${granule}
buffer last in data size ${granule}
map first -> c at ${(1n << 64n) - (1n << BigInt(bits))} rw priv cacheable
map last -> c at ${(1n << 64n) - BigInt(granule)} rw priv cacheable
map first -> c at 0x1000_0000 rw cacheable
`;
}

describe("arm-lpae TTBR1: the upper half's own root", () => {
  for (const [granule, bits, level, entries] of ROOTS) {
    it(`${granule / 1024}K granule, ${bits}-bit upper half: level-${level} root of ${entries} entries`, () => {
      const l = lowerText(topology(granule, bits));
      const lower = l.compiled.tables.find((t) => t.name === "c")!;
      const upper = l.compiled.tables.find((t) => t.name === "c.upper")!;
      const regs = upper.context.registers;
      expect(lower.context.registers).toEqual(regs);
      expect(regs["TTBR1"]).toBe(upper.context.root);
      expect(regs["TTBR0"]! & ((1n << 48n) - 1n)).toBe(lower.context.root);
      expect(tcrFields(regs["TCR"]!)).toEqual({
        T0SZ: 64 - 32,
        EPD0: 0,
        IRGN0: 0b01, // write-back read-allocate write-allocate
        ORGN0: 0b01,
        SH0: 0b11, // inner shareable
        TG0: TG0[granule],
        T1SZ: 64 - bits,
        A1: 0,
        EPD1: 0,
        IRGN1: 0b01,
        ORGN1: 0b01,
        SH1: 0b11,
        TG1: TG1[granule],
        IPS: 0b010, // 40 bits
      });
      // decodeRegisters reads back exactly what the hardware walks.
      const g = BigInt(granule);
      expect(l.plugins.get("arm-lpae")!.decodeRegisters!(lower.context.params, regs)).toEqual({
        lower: { root: lower.context.root, bits: 32, granule: g },
        upper: { root: upper.context.root, bits, granule: g },
      });
      const memory = l.compiled.memory;
      const root = upper.context.root;
      const [first, last] = [0n, BigInt(entries - 1)].map((i) => memory.read64(root + i * 8n));
      // Both are table descriptors (bits [1:0] = 0b11) to granule-aligned next-level tables.
      for (const d of [first!, last!]) {
        expect(d & 3n).toBe(3n);
        expect((d & ((1n << 48n) - 1n)) % BigInt(granule)).toBe(3n);
      }
      // Nothing in between: the root's other entries stay invalid.
      if (entries > 2) expect(memory.read64(root + 8n)).toBe(0n);
      const walk = l.plugins
        .get("arm-lpae")!
        .walk(memory, upper.context, (1n << BigInt(bits)) - BigInt(granule));
      expect(walk.steps[0]).toMatchObject({ level, index: entries - 1 });
      expect(walk.ok && walk.pa).toBe(l.compiled.mappings[1]!.chunks[0]!.pa);
    });
  }

  it("4K granule, 39 bits: the exact descriptors of the first upper page", () => {
    const l = lowerText(topology(4096, 39));
    const memory = l.compiled.memory;
    // First fit from 0x4000_0000: TTBR0's root (32 bits: 4 entries, 64 bytes) at +0, TTBR1's
    // (512 entries, 4K) at +0x1000; the first upper page's level-2 and level-3 tables follow.
    const upper = l.compiled.tables.find((t) => t.name === "c.upper")!;
    expect(upper.context.root).toBe(0x4000_1000n);
    expect(memory.read64(0x4000_1000n)).toBe(0x4000_2003n); // L1[0] -> L2 table
    expect(memory.read64(0x4000_2000n)).toBe(0x4000_3003n); // L2[0] -> L3 table
    // L3[0]: page 0b11 | AttrIndx=1 (0x4) | SH=0b00 (no `shareable`) | AF (0x400) | nG (0x800)
    // | PXN|UXN (bits 53, 54).
    expect(memory.read64(0x4000_3000n)).toBe(0x0060_0000_8000_0c07n);
    expect(upper.context.registers["TCR"]).toBe(0x2_b519_3520n);
  });

  it("without va-bits-upper TTBR1 walks stay disabled (EPD1 = 1) and no upper table exists", () => {
    const l = lowerText(`
memory dram 0x4000_0000 .. +1G ram
pool tables in dram[0 .. +16M]
mmu m : arm-lpae { va-bits 39 }
cpu c via m
`);
    expect(l.compiled.tables.map((t) => t.name)).toEqual(["c"]);
    const regs = l.compiled.tables[0]!.context.registers;
    expect(regs["TTBR1"]).toBeUndefined();
    expect(tcrFields(regs["TCR"]!)).toMatchObject({ EPD1: 1, T0SZ: 25, T1SZ: 0, TG1: 0 });
    const decoded = l.plugins.get("arm-lpae")!.decodeRegisters!(l.ir.mappers[0]!.params, regs);
    expect(decoded).toEqual({
      lower: { root: l.compiled.tables[0]!.context.root, bits: 39, granule: 4096n },
    });
  });
});

describe("arm-lpae decodeRegisters with 52-bit output", () => {
  it("takes PA[51:48] of each root from TTBRn bits [5:2]", () => {
    const plugin = lowerText(topology(65536, 48)).plugins.get("arm-lpae")!;
    const params = { stage: 1n, granule: 65536n, ias: 48n, oas: 52n, "va-bits-upper": 48n };
    // TCR: T0SZ = T1SZ = 16, TG0 = 64K (0b01), TG1 = 64K (0b11), EPD0 = EPD1 = 0.
    const tcr = 16n | (1n << 14n) | (16n << 16n) | (3n << 30n);
    const decoded = plugin.decodeRegisters!(params, {
      TTBR0: (0x7n << 48n) | 0x8000_0000n | (0xan << 2n), // ASID 7, PA[51:48] = 0xa
      TTBR1: 0x9000_0000n | (0x3n << 2n),
      TCR: tcr,
    });
    expect(decoded).toEqual({
      lower: { root: 0xa_0000_8000_0000n, bits: 48, granule: 65536n },
      upper: { root: 0x3_0000_9000_0000n, bits: 48, granule: 65536n },
    });
  });
});
