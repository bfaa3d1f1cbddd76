/**
 * The AArch64 translation regimes, golden values worked out by hand from the Arm ARM (DDI 0487),
 * not from this code:
 * - D8.3 descriptor bits: [1:0] 0b11 table/page, 0b01 block; AttrIndx [4:2]; NS 5; AP[2:1] [7:6];
 *   SH [9:8]; AF 10; nG 11; PXN 53; UXN/XN 54. Table descriptors: PXNTable 59, UXNTable/XNTable
 *   60, APTable [62:61], NSTable 63.
 * - D8.4 "Memory access control": in a regime with one privilege level (EL2 with E2H = 0, EL3)
 *   AP[1] is RES1 and ignored, only AP[2] (read-only) counts; execute-never is XN (bit 54), bit 53
 *   is RES0; nG is RES0; APTable[0] and PXNTable are RES0. TF-A writes AP[1] = 1 there
 *   (xlat_tables_v2 AP_ONE_VA_RANGE_RES1).
 * - NS (bit 5): in Secure state (EL3) 1 makes the output address a Non-secure one.
 * - TCR_EL2 (E2H = 0) and TCR_EL3: T0SZ [5:0], IRGN0 [9:8], ORGN0 [11:10], SH0 [13:12], TG0
 *   [15:14], PS [18:16], RES1 bits 23 and 31; no EPD0, no T1SZ. TCR_EL2 with E2H = 1 has
 *   TCR_EL1's layout (T1SZ [21:16], EPD1 23, IRGN1/ORGN1/SH1 [29:24], TG1 [31:30], IPS [34:32]).
 * - SCTLR_ELx: M 0, C 2, I 12, WXN 19. RES1 without later features: SCTLR_EL1 (and SCTLR_EL2 with
 *   E2H = 1) bits 29, 28, 23, 22, 20, 11 = 0x30D0_0800; SCTLR_EL2 (E2H = 0) and SCTLR_EL3 bits 29,
 *   28, 23, 22, 18, 16, 11, 5, 4 = 0x30C5_0830 (also TF-A's SCTLR_EL3_RES1, Linux's SCTLR_EL2_RES1).
 * - TTBR0_EL2 (E2H = 0) and TTBR0_EL3 have no ASID: bits [63:48] are RES0.
 * Tables come first-fit from a pool at 0x8000_0000: for va-bits 39 the level-1 root at
 * 0x8000_0000, a level-2 table at 0x8000_1000 and a level-3 table at 0x8000_2000.
 */
import { describe, expect, it } from "vitest";
import {
  ATTR_CACHEABLE,
  ATTR_DEVICE,
  ATTR_SECURE,
  MappingError,
  PROT_EXEC,
  PROT_PRIV,
  PROT_READ,
  PROT_WRITE,
  type PluginParams,
} from "../../src/plugin-api/index.js";
import { Fixture } from "../../src/plugin-api/conformance/index.js";
import plugin from "./index.js";

const R = PROT_READ;
const W = PROT_WRITE;
const X = PROT_EXEC;
const P = PROT_PRIV;

function setup(params: PluginParams, ias = 39n) {
  return new Fixture(plugin, {
    params: { stage: 1n, granule: 4096n, ias, oas: 40n, ...params },
    poolBase: 0x8000_0000n,
    poolSize: 16n << 20n,
    aperture: { base: 0n, size: 1n << ias },
  });
}

/** Map one 4K page at 0x4000_1000 -> 0xE00_1000 and return its level-3 descriptor. */
function page(t: Fixture, prot: number, attrs: number): bigint {
  plugin.map(t.handle, 0x4000_1000n, 0xe00_1000n, 4096n, 1, prot, attrs);
  // L1[1] (VA[38:30] = 1) -> L2 at 0x8000_1000, L2[0] -> L3 at 0x8000_2000, L3[1].
  expect(t.memory.read64(0x8000_0008n)).toBe(0x8000_1003n);
  return t.memory.read64(0x8000_2008n);
}

const EL3 = { regime: "el3" };
const EL2 = { regime: "el2" };
const VHE = { regime: "el2-vhe" };

describe("descriptors per regime (D8.3, D8.4)", () => {
  it("EL3, Secure RW data: AP[1] RES1, no nG, XN only at bit 54, NS = 0", () => {
    // 0b11 | AttrIndx 1 (0x4) | AP = 01 (0x40) | AF (0x400) | OA | XN (bit 54).
    expect(page(setup(EL3), R | W | P, ATTR_CACHEABLE | ATTR_SECURE)).toBe(0x0040_0000_0e00_1447n);
  });

  it("EL3, Non-secure RW data: the same with NS (0x20)", () => {
    expect(page(setup(EL3), R | W | P, ATTR_CACHEABLE)).toBe(0x0040_0000_0e00_1467n);
  });

  it("EL3, Secure read-only code: AP = 11 (0xC0), no XN", () => {
    expect(page(setup(EL3), R | X | P, ATTR_CACHEABLE | ATTR_SECURE)).toBe(0x0000_0000_0e00_14c7n);
  });

  it("EL3, Non-secure device: AttrIndx 2 (0x8) and NS", () => {
    expect(page(setup(EL3), R | W | P, ATTR_DEVICE)).toBe(0x0040_0000_0e00_146bn);
  });

  it("EL2 (no VHE): as EL3 but Non-secure state, where NS is never written", () => {
    expect(page(setup(EL2), R | W | P, ATTR_CACHEABLE)).toBe(0x0040_0000_0e00_1447n);
  });

  it("EL2&0 (VHE): as EL1, AP[1] grants EL0, nG set, UXN|PXN", () => {
    // 0b11 | 0x4 | AP[1] (0x40) | AF | nG (0x800) | PXN|UXN (bits 53, 54).
    expect(page(setup(VHE), R | W, ATTR_CACHEABLE)).toBe(0x0060_0000_0e00_1c47n);
    // Privileged only: AP[1] = 0.
    expect(page(setup(VHE), R | W | P, ATTR_CACHEABLE)).toBe(0x0060_0000_0e00_1c07n);
  });

  it("EL3 2M block: 0b01 at level 2, same attribute bits", () => {
    const t = setup(EL3);
    plugin.map(t.handle, 0x4020_0000n, 0xe20_0000n, 2n << 20n, 1, R | X | P, ATTR_CACHEABLE);
    // L1[1] -> L2 at 0x8000_1000; L2[1]: 0b01 | 0x4 | NS 0x20 | AP 0xC0 | AF.
    expect(t.memory.read64(0x8000_1008n)).toBe(0x0000_0000_0e20_04e5n);
  });

  it("refuses user access where the regime has one privilege level", () => {
    for (const regime of [EL3, EL2]) {
      expect(() => page(setup(regime), R | W, ATTR_CACHEABLE)).toThrow(MappingError);
      expect(() => page(setup(regime), R | W, ATTR_CACHEABLE)).toThrow(/one privilege level/);
    }
  });

  it("refuses a Secure mapping outside EL3 (EL1, EL2, EL2&0, stage 2)", () => {
    for (const params of [{}, { regime: "el1" }, EL2, VHE]) {
      expect(() => page(setup(params), R | W | P, ATTR_SECURE)).toThrow(/Non-secure accesses only/);
    }
    const s2 = new Fixture(plugin, {
      params: { stage: 2n, granule: 4096n, ias: 40n, oas: 40n },
      poolBase: 0x8000_0000n,
      poolSize: 16n << 20n,
      aperture: { base: 0n, size: 1n << 40n },
    });
    expect(() => plugin.map(s2.handle, 0n, 0n, 4096n, 1, R, ATTR_SECURE)).toThrow(MappingError);
  });
});

describe("decoding per regime: what walk and leaves read", () => {
  /** Overwrite the level-3 leaf with `desc` and read it back through walk and leaves. */
  function decode(params: PluginParams, desc: bigint) {
    const t = setup(params);
    page(t, R | W | P, ATTR_CACHEABLE);
    t.memory.write64(0x8000_2008n, desc);
    const w = t.walk(0x4000_1000n);
    const l = t.leaves();
    expect(w.ok).toBe(true);
    expect(l).toHaveLength(1);
    if (!w.ok) throw new Error("unreachable");
    expect([l[0]!.prot, l[0]!.attrs]).toEqual([w.prot, w.attrs]);
    return { prot: w.prot, attrs: w.attrs, text: w.steps.at(-1)!.decoded };
  }

  const base = 0x0000_0000_0e00_1407n; // page | AttrIndx 1 | AF, AP = 00

  it("EL3: AP[1] = 0 is ignored (still privileged), PXN alone does not forbid execution", () => {
    const pxnOnly = base | (1n << 53n);
    expect(decode(EL3, pxnOnly)).toMatchObject({ prot: R | W | X | P });
    expect(decode(EL3, base | (1n << 54n))).toMatchObject({ prot: R | W | P });
    expect(decode(EL3, base | (1n << 54n)).text).toContain(" XN");
  });

  it("EL3: NS = 0 decodes Secure, NS = 1 Non-secure", () => {
    expect(decode(EL3, base).attrs).toBe(ATTR_CACHEABLE | ATTR_SECURE);
    expect(decode(EL3, base | 0x20n).attrs).toBe(ATTR_CACHEABLE);
    expect(decode(EL3, base | 0x20n).text).toContain(" NS ");
  });

  it("EL2: NS is ignored (Non-secure state): never Secure", () => {
    expect(decode(EL2, base).attrs).toBe(ATTR_CACHEABLE);
    expect(decode(EL2, base | 0x20n).attrs).toBe(ATTR_CACHEABLE);
  });

  it("EL2&0 and EL1: AP[1] = 0 is privileged-only, either of PXN and UXN forbids execution", () => {
    for (const params of [VHE, {}]) {
      expect(decode(params, base)).toMatchObject({ prot: R | W | X | P });
      expect(decode(params, base | 0x40n)).toMatchObject({ prot: R | W | X });
      expect(decode(params, base | (1n << 53n))).toMatchObject({ prot: R | W | P });
    }
  });

  /** Overwrite the level-2 table entry's upper bits and walk through it. */
  function throughTable(params: PluginParams, hi: bigint) {
    const t = setup(params);
    page(t, R | W | X | P, ATTR_CACHEABLE | (params === EL3 ? ATTR_SECURE : 0));
    t.memory.write64(0x8000_1000n, 0x8000_2003n | hi);
    return t.walk(0x4000_1000n);
  }

  it("EL3 table entries: XNTable (60) and APTable[1] (62) narrow; PXNTable and APTable[0] do not", () => {
    const prot = (hi: bigint) => {
      const w = throughTable(EL3, hi);
      return w.ok ? w.prot : -1;
    };
    expect(prot(0n)).toBe(R | W | X | P);
    expect(prot(1n << 60n)).toBe(R | W | P);
    expect(prot(1n << 62n)).toBe(R | X | P);
    expect(prot(1n << 59n)).toBe(R | W | X | P);
    expect(prot(1n << 61n)).toBe(R | W | X | P);
  });

  it("EL3: an NSTable entry (63) is not followed (VCM never writes one)", () => {
    const w = throughTable(EL3, 1n << 63n);
    expect(w.ok).toBe(false);
    if (!w.ok) expect(w.reason).toContain("NSTable");
    // In Non-secure state NSTable is ignored.
    expect(throughTable(EL2, 1n << 63n).ok).toBe(true);
  });
});

describe("registers per regime (D19/D23 TCR_ELx, SCTLR_ELx)", () => {
  it("EL3, 4K, 39-bit VA, 40-bit PA, WXN: TTBR0_EL3, TCR_EL3, MAIR_EL3, SCTLR_EL3", () => {
    const t = setup({ ...EL3, wxn: "on" });
    // TCR_EL3: RES1 31 and 23 (0x8080_0000) | PS = 0b010 (0x2_0000) | SH0 = 11 (0x3000)
    // | ORGN0 = 01 (0x400) | IRGN0 = 01 (0x100) | T0SZ = 25 (0x19).
    // SCTLR_EL3: RES1 0x30C5_0830 | M | C (0x4) | I (0x1000) | WXN (0x8_0000).
    expect(plugin.registers(t.handle)).toEqual({
      TTBR0_EL3: 0x8000_0000n, // no ASID
      TCR_EL3: 0x8082_3519n,
      MAIR_EL3: 0xf404_ff44n,
      SCTLR_EL3: 0x30cd_1835n,
    });
  });

  it("EL2 (no VHE), 4K, 48-bit VA and PA: TCR_EL2 with PS = 0b101, SCTLR_EL2 without WXN", () => {
    const t = new Fixture(plugin, {
      params: { stage: 1n, granule: 4096n, ias: 48n, oas: 48n, ...EL2 },
      poolBase: 0x8000_0000n,
      poolSize: 16n << 20n,
    });
    expect(plugin.registers(t.handle)).toEqual({
      TTBR0_EL2: 0x8000_0000n,
      TCR_EL2: 0x8085_3510n, // 0x8080_0000 | 0x5_0000 | 0x3510 | T0SZ 16
      MAIR_EL2: 0xf404_ff44n,
      SCTLR_EL2: 0x30c5_1835n,
    });
  });

  it("EL2 with a 64K granule: TG0 = 0b01 at [15:14]", () => {
    const t = setup({ ...EL2, granule: 65536n });
    // 0x8080_0000 | PS 0x2_0000 | TG0 0x4000 | 0x3500 | T0SZ 25.
    expect(plugin.registers(t.handle)["TCR_EL2"]).toBe(0x8082_7519n);
  });

  it("EL1 named: TTBR0_EL1 with the ASID, TCR_EL1 as before, SCTLR_EL1 = RES1 | M | C | I", () => {
    const t = setup({ regime: "el1" });
    // TCR: T0SZ 25 | 0x3500 | EPD1 (0x80_0000) | IPS 0b010 at [34:32].
    expect(plugin.registers(t.handle)).toEqual({
      TTBR0_EL1: 0x0001_0000_8000_0000n, // ASID = domain id 1
      TCR_EL1: 0x2_0080_3519n,
      MAIR_EL1: 0xf404_ff44n,
      SCTLR_EL1: 0x30d0_1805n,
    });
  });

  it("without `regime` the names and values stay TTBR0/TCR/MAIR (SMMU contexts, old cpus)", () => {
    expect(Object.keys(plugin.registers(setup({}).handle))).toEqual(["TTBR0", "TCR", "MAIR"]);
  });
});

describe("decodeRegisters per regime", () => {
  const params = (extra: PluginParams): PluginParams => ({
    stage: 1n,
    granule: 4096n,
    ias: 39n,
    oas: 40n,
    ...extra,
  });

  it("EL3: one range from TTBR0_EL3/TCR_EL3 (bit 7 is no EPD0 there), SCTLR_EL3's M and WXN", () => {
    const regs = {
      TTBR0_EL3: 0xe00_0000n,
      TCR_EL3: 0x8082_3519n | (1n << 7n),
      SCTLR_EL3: 0x30cd_1835n,
    };
    expect(plugin.decodeRegisters!(params(EL3), regs)).toEqual({
      lower: { root: 0xe00_0000n, bits: 39, granule: 4096n },
      control: { register: "SCTLR_EL3", translation: true, writeExecNever: true },
    });
  });

  it("EL3: RES1 bits clear and the MMU off are reported, not hidden", () => {
    const regs = { TTBR0_EL3: 0xe00_0000n, TCR_EL3: 0x0082_3519n, SCTLR_EL3: 0x30c5_1834n };
    expect(plugin.decodeRegisters!(params(EL3), regs)).toEqual({
      lower: { root: 0xe00_0000n, bits: 39, granule: 4096n },
      control: { register: "SCTLR_EL3", translation: false, writeExecNever: false },
      reserved: ["TCR_EL3 bit 31 (RES1) is 0"],
    });
    const noRes1 = { ...regs, SCTLR_EL3: 0x1005n };
    expect(plugin.decodeRegisters!(params(EL3), noRes1)?.reserved).toEqual([
      "TCR_EL3 bit 31 (RES1) is 0",
      ...[4, 5, 11, 16, 18, 22, 23, 28, 29].map((b) => `SCTLR_EL3 bit ${b} (RES1) is 0`),
    ]);
  });

  it("EL2&0 (VHE): two ranges from TTBR0_EL2/TTBR1_EL2 and TCR_EL2 in TCR_EL1's layout", () => {
    // T0SZ 16, T1SZ 25, TG1 = 4K (0b10 at [31:30]), EPD0 = EPD1 = 0.
    const tcr = 16n | (25n << 16n) | (2n << 30n);
    const regs = {
      TTBR0_EL2: (3n << 48n) | 0x8000_0000n,
      TTBR1_EL2: 0x8000_1000n,
      TCR_EL2: tcr,
      SCTLR_EL2: 0x30d0_1805n,
    };
    expect(plugin.decodeRegisters!(params({ ...VHE, ias: 48n }), regs)).toEqual({
      lower: { root: 0x8000_0000n, bits: 48, granule: 4096n },
      upper: { root: 0x8000_1000n, bits: 39, granule: 4096n },
      control: { register: "SCTLR_EL2", translation: true, writeExecNever: false },
    });
  });

  it("reads only its own regime's registers: EL1's names give nothing at EL3", () => {
    const regs = { TTBR0: 0xe00_0000n, TCR: 0x8082_3519n };
    expect(plugin.decodeRegisters!(params(EL3), regs)).toBeUndefined();
  });
});

describe("validate and capabilities", () => {
  const problems = (extra: PluginParams) =>
    plugin.validate!({ stage: 1n, granule: 4096n, ...extra }).map((p) => p.key);

  it("refuses regime at stage 2, an upper half in a one-range regime, wxn without a regime", () => {
    expect(problems({ stage: 2n, ias: 40n, oas: 40n, ...EL2 })).toContain("regime");
    expect(problems({ ...EL3, "va-bits-upper": 39n })).toEqual(["va-bits-upper"]);
    expect(problems({ ...EL2, "va-bits-upper": 39n })).toEqual(["va-bits-upper"]);
    expect(problems({ wxn: "on" })).toEqual(["wxn"]);
  });

  it("accepts an upper half at EL1 and EL2&0, and wxn with a regime", () => {
    expect(problems({ ...VHE, "va-bits-upper": 39n, wxn: "on" })).toEqual([]);
    expect(problems({ regime: "el1", "va-bits-upper": 39n })).toEqual([]);
  });

  it("says which regime, whether it is privileged-only, and whether it encodes NS", () => {
    const caps = (extra: PluginParams) =>
      plugin.capabilities({ stage: 1n, granule: 4096n, ias: 39n, oas: 40n, ...extra });
    expect(caps({ ...EL3, wxn: "on" })).toMatchObject({
      regime: "EL3",
      privilegedOnly: true,
      writeExecNever: true,
    });
    expect(caps(EL3).attrs! & ATTR_SECURE).toBe(ATTR_SECURE);
    expect(caps(EL2)).toMatchObject({ regime: "EL2", privilegedOnly: true });
    expect(caps(EL2).attrs! & ATTR_SECURE).toBe(0);
    expect(caps(VHE).privilegedOnly).toBeUndefined();
    expect(caps({}).regime).toBeUndefined();
  });
});
