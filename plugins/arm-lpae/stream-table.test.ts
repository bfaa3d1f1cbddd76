/**
 * Golden SMMU binding structures, worked out by hand from the specifications' bit positions,
 * not from the encoders: SMMUv3 (Arm IHI 0070) 5.2 STE, 5.4 CD, 6.3.9/6.3.10 CR1/CR2, 6.3.23/6.3.24
 * STRTAB_BASE(_CFG), 3.4.3 L1STD; the values Linux arm-smmu-v3.c writes (S1DSS=SSID0, S1CIR/S1COR
 * WBRA, S1CSH ISH; CD EPD1, R, A, ASET, AA64; S2AA64, S2PTW, S2R). SMMUv2 (Arm IHI 0062) SMR,
 * S2CR, CBAR, CBA2R, SCTLR, TCR2 and sCR0 as Linux arm-smmu.c writes them.
 * Tables come from a pool at 0x10_0000; the stream table and CDs from a pool at 0x40_0000.
 */
import { describe, expect, it } from "vitest";
import { Fixture } from "../../src/plugin-api/conformance/index.js";
import {
  ATTR_CACHEABLE,
  PROT_READ,
  PROT_WRITE,
  PoolAllocator,
  TranslatedMemory,
  type DeviceLookup,
  type PluginParams,
} from "../../src/plugin-api/index.js";
import lpae from "./index.js";

function setup(params: PluginParams, domainId = 5) {
  const f = new Fixture(lpae, {
    params,
    poolBase: 0x10_0000n,
    poolSize: 0x10_0000n,
    instances: { base: 0x40_0000n, size: 0x10_0000n },
    domainId,
  });
  return f;
}

const ste = (f: Fixture, at: bigint) => [0n, 8n, 16n, 24n].map((o) => f.memory.read64(at + o));
/** Bits 4..7 of a 64-byte STE/CD that Linux leaves zero. */
const tail = (f: Fixture, at: bigint) => [32n, 40n, 48n, 56n].map((o) => f.memory.read64(at + o));
const strip = (r: DeviceLookup) => {
  const { steps: _steps, ...rest } = r;
  return rest;
};

// CD dword 0 for a 48-bit, 4K-granule, 48-bit-output stage-1 table and ASID 5:
// T0SZ 16 [5:0] | TG0 0 [7:6] | IRGN0 1 [9:8] | ORGN0 1 [11:10] | SH0 3 [13:12] | EPD1 [30] |
// V [31] | IPS 5 [34:32] | AA64 [41] | R [45] | A [46] | ASET [47] | ASID 5 [63:48].
const CD0_48BIT_ASID5 =
  0x10n |
  (1n << 8n) |
  (1n << 10n) |
  (3n << 12n) |
  (1n << 30n) |
  (1n << 31n) |
  (5n << 32n) |
  (1n << 41n) |
  (1n << 45n) |
  (1n << 46n) |
  (1n << 47n) |
  (5n << 48n);
// MAIR as io-pgtable-arm: attr0 NC 0x44, attr1 WBRWA 0xff, attr2 device 0x04, attr3 0xf4.
const MAIR = 0xf404_ff44n;

describe("SMMUv3 golden stream table entries and context descriptors", () => {
  it("the hand-computed CD dword 0 is the value the spec's fields give", () => {
    expect(CD0_48BIT_ASID5).toBe(0x0005_e205_c000_3510n);
  });

  it("linear table, sid-bits 4: abort everywhere, stage-1 STE -> CD, bypass, abort", () => {
    const f = setup({ "sid-bits": 4n, "stream-table": "linear" });
    const r = lpae.bindDevices!(
      f.memory,
      f.instances!,
      f.params,
      [{ device: "d0", stream: 2n, table: f.handle, domainId: 5 }],
      [
        { device: "id", stream: 5n, mode: "bypass" },
        { device: "blk", stream: 7n, mode: "abort" },
      ],
    );
    // 16 STEs of 64 bytes at the pool base; RA (bit 62) set; LOG2SIZE 4, FMT linear.
    expect(r.registers["STRTAB_BASE"]).toBe(0x4000_0000_0040_0000n);
    expect(r.registers["STRTAB_BASE_CFG"]).toBe(4n);
    // CR0: SMMUEN | EVTQEN | CMDQEN; CR1: TABLE_SH ISH, TABLE_OC/IC WB, QUEUE_SH ISH, QUEUE_OC/IC WB.
    expect(r.registers["CR0"]).toBe(0b1101n);
    expect(r.registers["CR1"]).toBe((3n << 10n) | (1n << 8n) | (1n << 6n) | (3n << 4n) | 4n | 1n);
    expect(r.registers["CR2"]).toBe(0b110n); // PTM | RECINVSID
    // STE[2]: V | Config 0b101 [3:1] | S1ContextPtr (the CD after the table, 0x40_0400).
    expect(ste(f, 0x40_0080n)).toEqual([
      0x40_040bn,
      2n | (1n << 2n) | (1n << 4n) | (3n << 6n),
      0n,
      0n,
    ]);
    expect(tail(f, 0x40_0080n)).toEqual([0n, 0n, 0n, 0n]);
    expect(ste(f, 0x40_0140n)).toEqual([0b1001n, 0n, 0n, 0n]); // STE[5]: V | Config 0b100
    expect(ste(f, 0x40_01c0n)).toEqual([1n, 0n, 0n, 0n]); // STE[7]: V | Config 0b000
    expect(ste(f, 0x40_0000n)).toEqual([1n, 0n, 0n, 0n]); // unbound: abort too
    // The CD: TCR fields, TTB0 = the table root, MAIR in dword 3.
    expect(ste(f, 0x40_0400n)).toEqual([CD0_48BIT_ASID5, f.handle.root, 0n, MAIR]);
  });

  it("2-level table, sid-bits 12: 16 L1 descriptors, one level-2 table for bus 3", () => {
    const f = setup({ "sid-bits": 12n });
    const r = lpae.bindDevices!(f.memory, f.instances!, f.params, [
      { device: "d", stream: 0x305n, table: f.handle, domainId: 5 },
    ]);
    // FMT 2-level [17:16] | SPLIT 8 [10:6] | LOG2SIZE 12 [5:0].
    expect(r.registers["STRTAB_BASE_CFG"]).toBe((1n << 16n) | (8n << 6n) | 12n);
    expect(r.registers["STRTAB_BASE"]).toBe(0x4000_0000_0040_0000n);
    // L1STD[3]: Span 9 (SPLIT + 1) | L2Ptr, the 16K level-2 table aligned after the L1 table.
    expect(f.memory.read64(0x40_0018n)).toBe(0x40_4009n);
    for (const i of [0n, 1n, 2n, 4n, 15n]) expect(f.memory.read64(0x40_0000n + i * 8n)).toBe(0n);
    expect(ste(f, 0x40_4000n + 5n * 64n)[0]! & 0xfn).toBe(0xbn);
    expect(ste(f, 0x40_4000n)).toEqual([1n, 0n, 0n, 0n]);
  });

  it("Linux's choice: linear when sid-bits <= STRTAB_SPLIT; at most 2^17 L1 descriptors", () => {
    const cfg = (bits: bigint) => {
      const f = setup({ "sid-bits": bits });
      return lpae.bindDevices!(f.memory, f.instances!, f.params, []).registers["STRTAB_BASE_CFG"];
    };
    expect(cfg(8n)).toBe(8n); // linear, 256 STEs
    expect(cfg(9n)).toBe((1n << 16n) | (8n << 6n) | 9n);
  });

  it("stage-2 STE: Config 0b110, VMID, VTCR fields, S2AA64/S2PTW/S2R, S2TTB", () => {
    const f = setup({ stage: 2n, ias: 40n, oas: 40n, "sid-bits": 4n, "stream-table": "linear" }, 3);
    const r = lpae.bindDevices!(f.memory, f.instances!, f.params, [
      { device: "d", stream: 1n, table: f.handle, domainId: 3 },
    ]);
    // VTCR for a 40-bit IPA, 4K: T0SZ 24, SL0 1 (start at level 1, two concatenated tables),
    // IRGN0 1, ORGN0 1, SH0 3, TG0 0, PS 2 (40 bits) = 0x23558; at STE bits [50:32].
    const q2 = 3n | (0x23558n << 32n) | (1n << 51n) | (1n << 54n) | (1n << 58n);
    expect(q2).toBe(0x044a_3558_0000_0003n);
    expect(ste(f, 0x40_0040n)).toEqual([0b1101n, 0n, q2, f.handle.root]);
    const found = lpae.lookupDevice!(f.memory, f.params, r.registers, 1n);
    expect(strip(found)).toEqual({
      root: f.handle.root,
      domainId: 3,
      stage2: { root: f.handle.root, vmid: 3 },
    });
  });

  it("lookup reads the bytes back: root and ASID, bypass, abort, and faults", () => {
    const f = setup({ "sid-bits": 12n });
    const r = lpae.bindDevices!(
      f.memory,
      f.instances!,
      f.params,
      [{ device: "d0", stream: 0x100n, table: f.handle, domainId: 5 }],
      [
        { device: "id", stream: 0x101n, mode: "bypass" },
        { device: "blk", stream: 0x102n, mode: "abort" },
      ],
    );
    const look = (s: bigint) => lpae.lookupDevice!(f.memory, f.params, r.registers, s);
    expect(strip(look(0x100n))).toEqual({ root: f.handle.root, domainId: 5 });
    expect(look(0x100n).steps!.map((s) => s.structure)).toEqual([
      "L1STD[0x1]",
      "STE[0x100]",
      "CD[0] of STE[0x100]",
    ]);
    expect(strip(look(0x101n))).toEqual({ bypass: "STE[0x101]: Config=bypass" });
    expect(strip(look(0x102n))).toEqual({ abort: "STE[0x102]: Config=abort" });
    expect(strip(look(0x103n))).toEqual({ abort: "STE[0x103]: Config=abort" });
    expect(look(0x200n)).toMatchObject({ fault: expect.stringMatching(/Span=0/) });
    expect(look(0x1000n)).toMatchObject({ fault: expect.stringMatching(/LOG2SIZE 12/) });
  });

  it("refuses shared and out-of-range StreamIDs, and nested bindings without guest memory", () => {
    const f = setup({ "sid-bits": 4n, "stream-table": "linear" });
    const bind = (b: Parameters<NonNullable<typeof lpae.bindDevices>>[3]) =>
      lpae.bindDevices!(f.memory, f.instances!, f.params, b);
    expect(() =>
      bind([
        { device: "x", stream: 3n, table: f.handle, domainId: 1 },
        { device: "y", stream: 3n, table: f.handle, domainId: 1 },
      ]),
    ).toThrow(/share StreamID 0x3/);
    expect(() => bind([{ device: "x", stream: 16n, table: f.handle, domainId: 1 }])).toThrow(
      /beyond the stream table's 4 bits/,
    );
    const s2 = f.plugin.create(f.memory, f.pool, {
      params: f.params,
      name: "s2",
      domainId: 9,
      aperture: f.aperture,
    });
    expect(() =>
      bind([
        { device: "x", stream: 1n, table: f.handle, domainId: 1, stage2: { table: s2, vmid: 9 } },
      ]),
    ).toThrow(/nested binding \(STE Config=nested\) needs guest memory for its CD/);
  });
});

describe("SMMUv3 nested STE (Config 0b111): the CD in guest memory, at an IPA", () => {
  // Guest memory: IPA 0x4000_0000 .. +64K is host 0x1F_0000 (the top of the table pool; the stage
  // 2 maps it with 16 pages); the guest's tables and CD come from an IPA pool at 0x4000_0000.
  // The mapper: 40-bit IPA and PA, 4K, as samples/vm-nested.vcm; stage 2 shares its parameters.
  function nested() {
    const f = setup({ "sid-bits": 4n, "stream-table": "linear", ias: 40n, oas: 40n });
    const s2Params = { ...f.params, stage: 2n };
    const s2 = lpae.create(f.memory, f.pool, {
      params: s2Params,
      name: "vm",
      domainId: 3,
      aperture: { base: 0n, size: 1n << 40n },
    });
    lpae.map(s2, 0x4000_0000n, 0x1f_0000n, 4096n, 16, PROT_READ | PROT_WRITE, ATTR_CACHEABLE);
    const guest = new TranslatedMemory(f.memory, (pfn) =>
      pfn >= 0x4_0000 && pfn < 0x4_0010 ? pfn - 0x4_0000 + 0x1f0 : undefined,
    );
    const guestPool = new PoolAllocator("guest_tables", 0x4000_0000n, 0x1_0000n);
    const s1 = lpae.create(guest, guestPool, {
      params: f.params,
      name: "s1",
      domainId: 5,
      aperture: f.aperture,
    });
    const r = lpae.bindDevices!(f.memory, f.instances!, f.params, [
      {
        device: "nic",
        stream: 1n,
        table: s1,
        domainId: 5,
        stage2: { table: s2, vmid: 3, memory: guest, pool: guestPool },
      },
    ]);
    const look = () => lpae.lookupDevice!(f.memory, f.params, r.registers, 1n);
    return { f, s1, s2, look };
  }

  it("golden: S1ContextPtr the CD's IPA, S2 fields of the VM's table, CD written at the host page", () => {
    const { f, s1, s2 } = nested();
    // The stage-1 root: 16 bytes at the pool's start (a 40-bit, 4K table has a 2-entry level 0).
    expect(s1.root).toBe(0x4000_0000n);
    // STE dword 0: V [0] | Config 0b111 [3:1] | S1ContextPtr [51:6] = the CD's IPA 0x4000_0040
    // (64-byte aligned after the root). Dword 1: S1DSS SSID0 [1:0] = 2, S1CIR WBRA [3:2] = 1, S1COR WBRA
    // [5:4] = 1, S1CSH ISH [7:6] = 3. Dword 2: S2VMID 3 [15:0], VTCR [50:32] of a 40-bit 4K
    // stage 2 (T0SZ 24, SL0 1, IRGN0 1, ORGN0 1, SH0 3, TG0 0, PS 2 = 0x23558), S2AA64 [51],
    // S2PTW [54], S2R [58]. Dword 3: S2TTB [51:4], the stage-2 root (a host PA).
    expect(ste(f, 0x40_0040n)).toEqual([0x4000_004fn, 0xd6n, 0x044a_3558_0000_0003n, s2.root]);
    // After the fixture's own table at 0x10_0000: the 8K root of two concatenated tables.
    expect(s2.root).toBe(0x10_2000n);
    // The CD at IPA 0x4000_0040 is in host memory at 0x1F_0040: TTB0 the root's IPA. Dword 0 as
    // CD0_48BIT_ASID5 but for a 40-bit table: T0SZ 24 and IPS 2 (40 bits).
    const cd0 = 0x18n | (CD0_48BIT_ASID5 & ~0x3fn & ~(7n << 32n)) | (2n << 32n);
    expect(cd0).toBe(0x0005_e202_c000_3518n);
    expect(ste(f, 0x1f_0040n)).toEqual([cd0, 0x4000_0000n, 0n, MAIR]);
    expect(f.memory.has(0x4_0000)).toBe(false); // nothing at the IPA taken as a PA
  });

  it("lookup translates S1ContextPtr through the stage 2 and returns both roots", () => {
    const { f, s2, look } = nested();
    const found = look();
    expect(strip(found)).toEqual({
      root: 0x4000_0000n,
      domainId: 5,
      stage2: { root: s2.root, vmid: 3 },
    });
    expect(found.steps!.map((s) => s.structure)).toEqual([
      "STE[0x1]",
      "S2 L1[1] for S1ContextPtr IPA 0x40000040",
      "S2 L2[0] for S1ContextPtr IPA 0x40000040",
      "S2 L3[0] for S1ContextPtr IPA 0x40000040",
      "CD[0] of STE[0x1] (IPA)",
    ]);
    expect(found.steps![0]!.decoded).toMatch(/Config=nested S1ContextPtr=0x40000040 .* S2VMID=3 /);
    // The 40-bit stage 2 starts at level 1 (entry 1: IPA 1G..2G); its level-2 table took the
    // page the 8K-aligned root left free (0x10_1000), its level-3 table the next (0x10_4000).
    expect(found.steps!.slice(1, 4).map((s) => s.address)).toEqual([
      s2.root + 8n,
      0x10_1000n,
      0x10_4000n,
    ]);
    expect(found.steps![3]!.value & 0xffff_ffff_f000n).toBe(0x1f_0000n);
    void f;
  });

  it("faults: S1ContextPtr outside stage 2, S2 fields other than the tables', CD invalid", () => {
    const at = 0x40_0040n;
    const set = (f: Fixture, a: bigint, lsb: bigint, width: bigint, v: bigint) => {
      const mask = ((1n << width) - 1n) << lsb;
      f.memory.write64(a, (f.memory.read64(a) & ~mask) | (v << lsb));
    };
    let n = nested();
    set(n.f, at, 6n, 46n, 0x5000_0000n >> 6n);
    expect(n.look()).toMatchObject({
      fault: expect.stringMatching(
        /^STE\[0x1\]: S1ContextPtr IPA 0x50000000 is not mapped by the stage 2 \(S2TTB 0x102000, VMID 3\): invalid descriptor at level 2$/,
      ),
    });
    n = nested();
    set(n.f, at + 16n, 38n, 2n, 2n); // S2SL0 0b10: level 0 with 4K, but 40 bits start at level 1
    expect(n.look()).toMatchObject({ fault: "STE[0x1]: S2SL0=2 (the stage-2 tables need 1)" });
    n = nested();
    set(n.f, at + 16n, 32n, 6n, 25n); // S2T0SZ: a 39-bit IPA space
    set(n.f, at + 16n, 46n, 2n, 2n); // S2TG: 16K
    expect(n.look()).toMatchObject({
      fault: "STE[0x1]: S2T0SZ=25 (the stage-2 tables need 24), S2TG=2 (the stage-2 tables need 0)",
    });
    n = nested();
    set(n.f, 0x10_4000n, 6n, 1n, 0n); // S2AP[0] (read) of the stage-2 page holding the CD
    expect(n.look()).toMatchObject({
      fault:
        "STE[0x1]: the stage 2 (S2TTB 0x102000, VMID 3) does not let the SMMU read the S1ContextPtr at IPA 0x40000040 (S2AP)",
    });
    n = nested();
    // A 2-level CD table (S1Fmt 1, S1CDMax 1): L1CD[0] at S1ContextPtr, its L2Ptr an IPA too.
    set(n.f, at, 4n, 2n, 1n);
    set(n.f, at, 59n, 5n, 1n);
    n.f.memory.write64(0x1f_0040n, 0x5000_0000n | 1n);
    const viaL1 = n.look();
    expect(viaL1).toMatchObject({
      fault:
        "STE[0x1]: CD table page IPA 0x50000000 is not mapped by the stage 2 (S2TTB 0x102000, VMID 3): invalid descriptor at level 2",
    });
    expect(viaL1.steps!.map((x) => x.structure)).toContain("L1CD[0]");
    n = nested();
    set(n.f, 0x1f_0040n, 31n, 1n, 0n); // CD.V
    expect(n.look()).toMatchObject({ fault: "CD[0] of STE[0x1] (IPA): V=0 (C_BAD_CD)" });
  });
});

describe("SMMUv2 (mmu-500) golden stream-matching and context-bank registers", () => {
  it("one SMR/S2CR per stream, one context bank per domain, sCR0", () => {
    const f = setup({ model: "mmu-500" });
    const r = lpae.bindDevices!(
      f.memory,
      f.instances!,
      f.params,
      [{ device: "d0", stream: 8n, table: f.handle, domainId: 5 }],
      [
        { device: "id", stream: 9n, mode: "bypass" },
        { device: "blk", stream: 0xan, mode: "abort" },
      ],
    );
    const root = f.handle.root;
    expect(r.handle.root).toBe(0n); // registers only
    expect(r.registers).toEqual({
      // GFRE 1 | GFIE 2 | GCFGFRE 4 | GCFGFIE 5 | USFCFG 10 | VMIDPNE 11 | PTM 12.
      SCR0: 0x1c36n,
      SMR0: (1n << 31n) | 8n, // VALID | ID, MASK 0
      S2CR0: 0n, // TYPE translate, CBNDX 0
      SMR1: (1n << 31n) | 9n,
      S2CR1: 1n << 16n, // TYPE bypass
      SMR2: (1n << 31n) | 0xan,
      S2CR2: 2n << 16n, // TYPE fault
      CBAR0: (1n << 16n) | (3n << 8n) | (0xfn << 12n), // S1_TRANS_S2_BYPASS, BPSHCFG NSH, MEMATTR WB
      CBA2R0: 1n, // VA64
      CB0_SCTLR: 0x1067n, // M | TRE | AFE | CFRE | CFIE | ASIDPNE
      // T0SZ 16 | IRGN0 1 | ORGN0 1 | SH0 3 | TG0 0 | EPD1 (bit 23).
      CB0_TCR: 0x10n | (1n << 8n) | (1n << 10n) | (3n << 12n) | (1n << 23n),
      CB0_TCR2: 5n | (7n << 15n), // PASIZE 48 bits, SEP upstream
      CB0_TTBR0: (5n << 48n) | root,
      CB0_MAIR0: MAIR,
      CB0_MAIR1: 0n,
    });
    const look = (s: bigint) => strip(lpae.lookupDevice!(f.memory, f.params, r.registers, s));
    expect(look(8n)).toEqual({ root, domainId: 5 });
    expect(look(9n)).toEqual({ bypass: "S2CR1: TYPE=bypass" });
    expect(look(0xan)).toEqual({ abort: "S2CR2: TYPE=fault" });
    expect(look(0xbn)).toEqual({ abort: "StreamID 0xb matches no SMR; sCR0.USFCFG=1 faults it" });
    // arm_smmu_find_sme: two masters on one StreamID share its SMR when bound alike.
    const shared = lpae.bindDevices!(f.memory, f.instances!, f.params, [
      { device: "a", stream: 8n, table: f.handle, domainId: 5 },
      { device: "b", stream: 8n, table: f.handle, domainId: 5 },
    ]);
    expect(Object.keys(shared.registers).filter((k) => k.startsWith("SMR"))).toEqual(["SMR0"]);
    expect(() =>
      lpae.bindDevices!(
        f.memory,
        f.instances!,
        f.params,
        [{ device: "a", stream: 8n, table: f.handle, domainId: 5 }],
        [{ device: "b", stream: 8n, mode: "abort" }],
      ),
    ).toThrow(/share StreamID 0x8 but not their domain/);
    const conflict = { ...r.registers, SMR3: (1n << 31n) | (0xfn << 16n) | 8n };
    expect(lpae.lookupDevice!(f.memory, f.params, conflict, 8n)).toMatchObject({
      fault: expect.stringMatching(/stream match conflict/),
    });
  });
});

describe("SMMU parameters", () => {
  const problems = (params: PluginParams) => lpae.validate!(params).map((p) => p.key);
  it("refuses what the SMMU model cannot have", () => {
    expect(problems({ model: "mmu-500", "stream-table": "linear" })).toEqual(["stream-table"]);
    expect(problems({ model: "mmu-500", "sid-bits": 16n })).toEqual(["sid-bits"]);
    expect(problems({ model: "mmu-500", stage: 2n })).toEqual(["model"]);
    expect(problems({ "stream-table": "linear", "sid-bits": 25n })).toEqual(["sid-bits"]);
  });
  it("model none: no binding structures, so no SMMU keys and no stream capabilities", () => {
    expect(problems({ model: "none", "sid-bits": 8n })).toEqual(["sid-bits"]);
    expect(problems({ model: "none" })).toEqual([]);
    expect(lpae.bindsDevices!({ model: "none" })).toBe(false);
    expect(lpae.bindsDevices!({})).toBe(true);
    expect(lpae.capabilities({ model: "none" }).streamBits).toBeUndefined();
    expect(lpae.capabilities({}).uniqueStreams).toBe(true);
    expect(lpae.capabilities({ model: "mmu-500" }).uniqueStreams).toBeUndefined();
  });
  it("accepts the defaults and what Linux handles", () => {
    expect(problems({})).toEqual([]);
    expect(problems({ model: "mmu-500", "sid-bits": 15n })).toEqual([]);
    expect(problems({ "stream-table": "linear", "sid-bits": 24n })).toEqual([]);
    expect(problems({ "sid-bits": 32n })).toEqual([]);
  });
  it("streamBits: the stream table's LOG2SIZE (2-level covers at most 25 bits), SMR.ID", () => {
    expect(lpae.capabilities({ "sid-bits": 32n }).streamBits).toBe(25);
    expect(lpae.capabilities({}).streamBits).toBe(16);
    expect(lpae.capabilities({ model: "mmu-500" }).streamBits).toBe(15);
  });
});
