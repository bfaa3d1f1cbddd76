/**
 * The SMMUv3 stream table and context descriptors (Arm IHI 0070, 3.3 "Data structures and
 * translation procedure", 5.2 STE, 5.4 CD, 6.3.23/6.3.24 STRTAB_BASE(_CFG)), written as Linux
 * drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c writes them: arm_smmu_init_strtab_linear/_2lvl,
 * arm_smmu_write_strtab_l1_desc, arm_smmu_make_{abort,bypass,cdtable,s2_domain}_ste,
 * arm_smmu_make_s1_cd, arm_smmu_device_reset (CR0/CR1/CR2). Field positions: arm-smmu-v3.h.
 *
 * Encoders build the bytes; `lookupStream` reads them back the way the SMMU does, from
 * STRTAB_BASE through the L1 descriptor, the STE and the CD, without any bookkeeping; a nested
 * STE's CD through the stage 2 the STE names (Linux arm-smmu-v3-iommufd.c
 * arm_smmu_make_nested_cd_table_ste: S1ContextPtr is then the guest's IPA).
 */
import {
  FRAME_BYTES,
  PROT_READ,
  TranslatedMemory,
  type BindingStep,
  type DeviceLookup,
  type PhysicalMemory,
  type PluginParams,
  type WalkResult,
} from "../../src/plugin-api/index.js";
import { hex } from "./hex.js";

export const STE_BYTES = 64n;
export const CD_BYTES = 64n;
/** STEs per level-2 table (STRTAB_SPLIT): one PCI bus of 256 RIDs. */
export const STRTAB_SPLIT = 8;
/** At most 2^17 L1 descriptors (STRTAB_MAX_L1_ENTRIES). */
export const STRTAB_MAX_L1_BITS = 17;

const ADDR_51_6 = 0x000f_ffff_ffff_ffc0n;
const ADDR_51_4 = 0x000f_ffff_ffff_fff0n;
const ADDR_51_12 = 0x000f_ffff_ffff_f000n;

// STE dword 0 (STRTAB_STE_0_*).
export const STE_0_V = 1n;
export const STE_0_CFG_SHIFT = 1n;
export const STE_0_S1FMT_SHIFT = 4n;
export const STE_0_S1CDMAX_SHIFT = 59n;
export const CFG_ABORT = 0b000n;
export const CFG_BYPASS = 0b100n;
export const CFG_S1 = 0b101n;
export const CFG_S2 = 0b110n;
export const CFG_NESTED = 0b111n;
// STE dword 1.
const STE_1_S1DSS_SSID0 = 2n;
const CACHE_WBRA = 1n;
const SH_ISH = 3n;
const STE_1_S1CIR_SHIFT = 2n;
const STE_1_S1COR_SHIFT = 4n;
const STE_1_S1CSH_SHIFT = 6n;
// STE dword 2: S2VMID [15:0], VTCR [50:32], S2AA64 51, S2ENDI 52, S2PTW 54, S2R 58.
const STE_2_VTCR_SHIFT = 32n;
export const STE_2_VTCR_MASK = 0x7ffffn;
export const STE_2_S2AA64 = 1n << 51n;
export const STE_2_S2ENDI = 1n << 52n;
const STE_2_S2PTW = 1n << 54n;
const STE_2_S2R = 1n << 58n;

// CD dword 0 (CTXDESC_CD_0_*).
export const CD_0_TCR_EPD0 = 1n << 14n;
export const CD_0_ENDI = 1n << 15n;
const CD_0_TCR_EPD1 = 1n << 30n;
export const CD_0_V = 1n << 31n;
export const CD_0_AA64 = 1n << 41n;
const CD_0_R = 1n << 45n;
const CD_0_A = 1n << 46n;
const CD_0_ASET = 1n << 47n;

// Registers (ARM_SMMU_CR0/CR1/CR2/STRTAB_BASE/STRTAB_BASE_CFG).
export const CR0_SMMUEN = 1n;
const CR0_EVTQEN = 1n << 2n;
const CR0_CMDQEN = 1n << 3n;
const CR1_CACHE_WB = 1n;
const CR2_RECINVSID = 1n << 1n;
const CR2_PTM = 1n << 2n;
const STRTAB_BASE_RA = 1n << 62n;
const BASE_CFG_FMT_2LVL = 1n;

/** What an STE must say for one stream. */
export type SteContent =
  | { config: "abort" }
  | { config: "bypass" }
  | { config: "s1"; cdPtr: bigint }
  | { config: "s2"; s2: Stage2Fields }
  | { config: "nested"; cdPtr: bigint; s2: Stage2Fields };

/** The stage-2 half of an STE: VTTBR and VTCR as io-pgtable-arm computes them for the table. */
export interface Stage2Fields {
  vmid: number;
  /** VTTBR (its BADDR); only bits [51:4] are kept. */
  vttbr: bigint;
  /** VTCR_EL2 layout: T0SZ [5:0], SL0 [7:6], IRGN0, ORGN0, SH0, TG0 [15:14], PS [18:16]. */
  vtcr: bigint;
}

/** The four STE dwords Linux writes (the other four are zero). */
export function encodeSte(content: SteContent): [bigint, bigint, bigint, bigint] {
  const cfg = (c: bigint) => STE_0_V | (c << STE_0_CFG_SHIFT);
  const s1Dword1 =
    STE_1_S1DSS_SSID0 |
    (CACHE_WBRA << STE_1_S1CIR_SHIFT) |
    (CACHE_WBRA << STE_1_S1COR_SHIFT) |
    (SH_ISH << STE_1_S1CSH_SHIFT);
  const s2Dword2 = (s2: Stage2Fields) =>
    (BigInt(s2.vmid) & 0xffffn) |
    ((s2.vtcr & STE_2_VTCR_MASK) << STE_2_VTCR_SHIFT) |
    STE_2_S2AA64 |
    STE_2_S2PTW |
    STE_2_S2R;
  switch (content.config) {
    case "abort":
      return [cfg(CFG_ABORT), 0n, 0n, 0n];
    case "bypass":
      return [cfg(CFG_BYPASS), 0n, 0n, 0n];
    case "s1":
      // S1Fmt linear, S1CDMax 0: one CD, for traffic without a SubstreamID.
      return [cfg(CFG_S1) | (content.cdPtr & ADDR_51_6), s1Dword1, 0n, 0n];
    case "s2":
      return [cfg(CFG_S2), 0n, s2Dword2(content.s2), content.s2.vttbr & ADDR_51_4];
    case "nested":
      return [
        cfg(CFG_NESTED) | (content.cdPtr & ADDR_51_6),
        s1Dword1,
        s2Dword2(content.s2),
        content.s2.vttbr & ADDR_51_4,
      ];
  }
}

/** The stage-1 fields of a CD, from the table's TCR, TTBR0 and MAIR (arm_smmu_make_s1_cd). */
export interface CdFields {
  /** TCR_EL1 layout: T0SZ [5:0], IRGN0 [9:8], ORGN0 [11:10], SH0 [13:12], TG0 [15:14], IPS [34:32]. */
  tcr: bigint;
  ttb0: bigint;
  mair: bigint;
  asid: number;
}

/** The four CD dwords Linux writes (dword 2 and 4..7 are zero). */
export function encodeCd(f: CdFields): [bigint, bigint, bigint, bigint] {
  const field = (lsb: bigint, width: bigint) => (f.tcr >> lsb) & ((1n << width) - 1n);
  const q0 =
    field(0n, 6n) | // T0SZ
    (field(14n, 2n) << 6n) | // TG0: same encoding as TCR_EL1.TG0
    (field(8n, 2n) << 8n) | // IRGN0
    (field(10n, 2n) << 10n) | // ORGN0
    (field(12n, 2n) << 12n) | // SH0
    CD_0_TCR_EPD1 |
    CD_0_V |
    (field(32n, 3n) << 32n) | // IPS
    CD_0_AA64 |
    CD_0_R |
    CD_0_A |
    CD_0_ASET |
    ((BigInt(f.asid) & 0xffffn) << 48n);
  return [q0, f.ttb0 & ADDR_51_4, 0n, f.mair];
}

export function writeEntry(memory: PhysicalMemory, at: bigint, dwords: readonly bigint[]): void {
  for (let i = 0; i < 8; i++) memory.write64(at + BigInt(i) * 8n, dwords[i] ?? 0n);
}

/** How Linux lays out the stream table for `sidBits` (arm_smmu_device_hw_probe / init_strtab). */
export interface StrtabLayout {
  twoLevel: boolean;
  /** STRTAB_BASE_CFG.LOG2SIZE: StreamIDs the table covers. */
  log2size: number;
  /** Linear: STEs; 2-level: L1 descriptors. */
  entries: number;
}

/**
 * Linux uses a 2-level table when the SMMU offers one (IDR0.ST_LVL) and SIDSIZE exceeds
 * STRTAB_SPLIT, with min(2^(sid-bits - 8), 2^17) L1 descriptors; otherwise a linear table of
 * 2^sid-bits STEs.
 */
export function strtabLayout(sidBits: number, twoLevelSupported: boolean): StrtabLayout {
  if (twoLevelSupported && sidBits > STRTAB_SPLIT) {
    const l1Bits = Math.min(sidBits - STRTAB_SPLIT, STRTAB_MAX_L1_BITS);
    return { twoLevel: true, log2size: l1Bits + STRTAB_SPLIT, entries: 2 ** l1Bits };
  }
  return { twoLevel: false, log2size: sidBits, entries: 2 ** sidBits };
}

/** The register values arm_smmu_device_reset / arm_smmu_write_strtab program. */
export function smmuV3Registers(layout: StrtabLayout, base: bigint): Record<string, bigint> {
  const cfg = layout.twoLevel
    ? (BASE_CFG_FMT_2LVL << 16n) | (BigInt(STRTAB_SPLIT) << 6n) | BigInt(layout.log2size)
    : BigInt(layout.log2size);
  const cr1 =
    (SH_ISH << 10n) | // TABLE_SH
    (CR1_CACHE_WB << 8n) | // TABLE_OC
    (CR1_CACHE_WB << 6n) | // TABLE_IC
    (SH_ISH << 4n) | // QUEUE_SH
    (CR1_CACHE_WB << 2n) | // QUEUE_OC
    CR1_CACHE_WB; // QUEUE_IC
  return {
    STRTAB_BASE: (base & ADDR_51_6) | STRTAB_BASE_RA,
    STRTAB_BASE_CFG: cfg,
    CR0: CR0_SMMUEN | CR0_EVTQEN | CR0_CMDQEN,
    CR1: cr1,
    CR2: CR2_PTM | CR2_RECINVSID,
  };
}

/** L1 stream table descriptor (arm_smmu_write_strtab_l1_desc): Span = SPLIT + 1, L2Ptr. */
export function l1Descriptor(l2: bigint): bigint {
  return BigInt(STRTAB_SPLIT + 1) | (l2 & ADDR_51_6);
}

const field = (v: bigint, lsb: bigint, width: bigint) => Number((v >> lsb) & ((1n << width) - 1n));

/** What the tables behind a CD must look like for a walk of them to be the one VCM built. */
export interface TablesExpectation {
  /** 64 - ias. */
  t0sz: number;
  /** TCR TG0 encoding of the granule. */
  tg0: number;
  /** IPS encoding of the output size. */
  ips: number;
  mair: bigint;
  /**
   * VTCR [18:0] of the mapper's stage-2 tables (T0SZ, SL0, TG0, PS are compared): an STE whose
   * S2T0SZ/S2SL0/S2TG/S2PS differ would make the SMMU walk them with other indexes.
   */
  vtcr: bigint;
  /** The parameters of those stage-2 tables: what a nested STE's CD fetch is walked with. */
  stage2Params: PluginParams;
}

/**
 * Resolve `stream` through the structures in `memory` the way the SMMU fetches them, and say
 * what its transactions meet: a table root (with ASID), bypass, abort, or a fault naming the
 * structure and field. `expect` is the stage-1 geometry of the mapper's tables: a CD whose
 * T0SZ, TG0, IPS or MAIR differs would make the SMMU walk them with other indexes or
 * attributes, so that is a fault of the CD too.
 */
export function lookupStream(
  memory: PhysicalMemory,
  registers: Readonly<Record<string, bigint>>,
  stream: bigint,
  expect: TablesExpectation,
  walkStage2: Stage2Walker,
): DeviceLookup {
  const steps: BindingStep[] = [];
  const located = locateSte(memory, registers, stream, steps);
  if (!("steAt" in located)) return located;
  return withSteps(steps, readSte(memory, located.steAt, stream, steps, expect, walkStage2));
}

/** A lookup result with the structures read on the way, for `vcm explain`. */
function withSteps<T extends object>(steps: BindingStep[], r: T): T & { steps: BindingStep[] } {
  return { ...r, steps };
}

/**
 * The address of the stream's STE, from the registers and, for a 2-level table, its L1
 * descriptor; or the lookup's end when the registers or the L1 descriptor stop it.
 */
function locateSte(
  memory: PhysicalMemory,
  registers: Readonly<Record<string, bigint>>,
  stream: bigint,
  steps: BindingStep[],
): { steAt: bigint } | DeviceLookup {
  const cr0 = registers["CR0"];
  const base = registers["STRTAB_BASE"];
  const cfg = registers["STRTAB_BASE_CFG"];
  if (cr0 === undefined || base === undefined || cfg === undefined)
    return { fault: "CR0, STRTAB_BASE or STRTAB_BASE_CFG is not programmed" };
  if ((cr0 & CR0_SMMUEN) === 0n)
    return { bypass: "CR0.SMMUEN=0: the SMMU is disabled, transactions bypass it (GBPA)" };
  const log2size = field(cfg, 0n, 6n);
  const fmt = field(cfg, 16n, 2n);
  const split = field(cfg, 6n, 5n);
  const sid = `StreamID ${hex(stream)}`;
  if (stream >= 1n << BigInt(log2size))
    return { fault: `${sid} is beyond STRTAB_BASE_CFG.LOG2SIZE ${log2size} (C_BAD_STREAMID)` };
  const table = base & ADDR_51_6;
  if (fmt === 0) return { steAt: table + stream * STE_BYTES };
  if (fmt !== 1) return { fault: `STRTAB_BASE_CFG.FMT ${fmt} is reserved` };
  if (split !== 6 && split !== 8 && split !== 10)
    return { fault: `STRTAB_BASE_CFG.SPLIT ${split} is reserved` };
  const l1At = table + (stream >> BigInt(split)) * 8n;
  const l1 = memory.read64(l1At);
  const span = field(l1, 0n, 5n);
  const l2 = l1 & ADDR_51_6;
  steps.push({
    structure: `L1STD[${hex(stream >> BigInt(split))}]`,
    address: l1At,
    value: l1,
    decoded: span === 0 ? "Span=0 (invalid)" : `Span=${span} L2Ptr=${hex(l2)}`,
  });
  if (span === 0)
    return withSteps(steps, { fault: `${sid}: L1STD Span=0, no level-2 table (C_BAD_STREAMID)` });
  if (span > split + 1)
    return withSteps(steps, { fault: `${sid}: L1STD Span=${span} is ILLEGAL (> SPLIT+1)` });
  const index = stream & ((1n << BigInt(split)) - 1n);
  if (index >= 1n << BigInt(span - 1))
    return withSteps(steps, {
      fault: `${sid}: beyond the level-2 table's ${2 ** (span - 1)} STEs (Span=${span})`,
    });
  return { steAt: l2 + index * STE_BYTES };
}

/** The STE at `steAt` decoded by its Config: abort, bypass, or the tables it names. */
function readSte(
  memory: PhysicalMemory,
  steAt: bigint,
  stream: bigint,
  steps: BindingStep[],
  expect: TablesExpectation,
  walkStage2: Stage2Walker,
): DeviceLookup {
  const ste = [0n, 1n, 2n, 3n].map((i) => memory.read64(steAt + i * 8n)) as [
    bigint,
    bigint,
    bigint,
    bigint,
  ];
  const config = (ste[0] >> STE_0_CFG_SHIFT) & 7n;
  const valid = (ste[0] & STE_0_V) !== 0n;
  const steName = `STE[${hex(stream)}]`;
  steps.push({
    structure: steName,
    address: steAt,
    value: ste[0],
    decoded: valid ? `V=1 Config=${configName(config)}${steDetail(ste, config)}` : "V=0 (invalid)",
  });
  if (!valid) return { fault: `${steName}: V=0 (C_BAD_STE)` };
  switch (config) {
    case CFG_ABORT:
      return { abort: `${steName}: Config=abort` };
    case CFG_BYPASS:
      return { bypass: `${steName}: Config=bypass` };
    case CFG_S1:
      return readCd(memory, ste, steName, steps, expect);
    case CFG_S2:
    case CFG_NESTED: {
      const s2 = stage2Of(ste, expect.vtcr);
      if ("fault" in s2) return { fault: `${steName}: ${s2.fault}` };
      if (config === CFG_S2) return { root: s2.root, domainId: s2.vmid, stage2: s2 };
      return readNestedCd(memory, ste, steName, steps, expect, s2, walkStage2);
    }
    default:
      return { fault: `${steName}: Config=${configName(config)} is reserved (C_BAD_STE)` };
  }
}

function configName(config: bigint): string {
  const names: Record<string, string> = {
    "0": "abort",
    "4": "bypass",
    "5": "stage1",
    "6": "stage2",
    "7": "nested",
  };
  return names[config.toString()] ?? `0b${config.toString(2).padStart(3, "0")}`;
}

function steDetail(ste: readonly bigint[], config: bigint): string {
  const s1 =
    config === CFG_S1 || config === CFG_NESTED
      ? ` S1ContextPtr=${hex(ste[0]! & ADDR_51_6)} S1Fmt=${field(ste[0]!, 4n, 2n)} S1CDMax=${field(ste[0]!, 59n, 5n)} S1DSS=${field(ste[1]!, 0n, 2n)}`
      : "";
  const s2 =
    config === CFG_S2 || config === CFG_NESTED
      ? ` S2VMID=${field(ste[2]!, 0n, 16n)} S2T0SZ=${field(ste[2]!, 32n, 6n)} S2SL0=${field(ste[2]!, 38n, 2n)} S2TG=${field(ste[2]!, 46n, 2n)} S2PS=${field(ste[2]!, 48n, 3n)} S2TTB=${hex(ste[3]! & ADDR_51_4)}`
      : "";
  return s1 + s2;
}

function stage2Of(
  ste: readonly bigint[],
  vtcr: bigint,
): { root: bigint; vmid: number } | { fault: string } {
  if ((ste[2]! & STE_2_S2AA64) === 0n) return { fault: "S2AA64=0 (VMSAv8-32 stage 2 tables)" };
  if ((ste[2]! & STE_2_S2ENDI) !== 0n) return { fault: "S2ENDI=1 (big-endian stage 2 tables)" };
  const wrong: string[] = [];
  const fields = [
    ["S2T0SZ", 0n, 6n],
    ["S2SL0", 6n, 2n],
    ["S2TG", 14n, 2n],
    ["S2PS", 16n, 3n],
  ] as const;
  for (const [name, lsb, width] of fields) {
    const found = field(ste[2]!, 32n + lsb, width);
    const want = field(vtcr, lsb, width);
    if (found !== want) wrong.push(`${name}=${found} (the stage-2 tables need ${want})`);
  }
  if (wrong.length > 0) return { fault: wrong.join(", ") };
  return { root: ste[3]! & ADDR_51_4, vmid: field(ste[2]!, 0n, 16n) };
}

/** A walk of the stage-2 table at `root` (the plugin's own format, from bytes) with `params`. */
export type Stage2Walker = (
  memory: PhysicalMemory,
  params: PluginParams,
  root: bigint,
  ipa: bigint,
) => WalkResult;

const FRAME_BYTES_N = BigInt(FRAME_BYTES);

/**
 * Nested (Config = 0b111): S1ContextPtr is an IPA, fetched through the stage 2 the STE names
 * (Arm IHI 0070, 3.3.2 / 5.2: "S1ContextPtr ... is an IPA when stage 2 is enabled"). The CD is
 * read through that translation, and its TTB0 is an IPA too (the runtime walks it through the
 * same stage 2, with the root returned here).
 */
function readNestedCd(
  memory: PhysicalMemory,
  ste: readonly bigint[],
  steName: string,
  steps: BindingStep[],
  expect: TablesExpectation,
  s2: { root: bigint; vmid: number },
  walkStage2: Stage2Walker,
): DeviceLookup {
  const cdPtr = ste[0]! & ADDR_51_6;
  const s2Name = `stage 2 (S2TTB ${hex(s2.root)}, VMID ${s2.vmid})`;
  const translate = (ipa: bigint, what: string): bigint | { fault: string } => {
    // stage2Of checked S2T0SZ/S2SL0/S2TG/S2PS against these tables' parameters.
    const walk = walkStage2(memory, expect.stage2Params, s2.root, ipa);
    for (const w of walk.steps) {
      steps.push({
        structure: `S2 L${w.level}[${w.index}] for ${what} IPA ${hex(ipa)}`,
        address: w.descriptorAddress,
        value: w.descriptor,
        decoded: w.decoded,
      });
    }
    if (!walk.ok)
      return {
        fault: `${steName}: ${what} IPA ${hex(ipa)} is not mapped by the ${s2Name}: ${walk.reason}`,
      };
    if ((walk.prot & PROT_READ) === 0)
      return {
        fault: `${steName}: the ${s2Name} does not let the SMMU read the ${what} at IPA ${hex(ipa)} (S2AP)`,
      };
    return walk.pa;
  };
  const cdPa = translate(cdPtr, "S1ContextPtr");
  if (typeof cdPa !== "bigint") return cdPa;
  // Everything the CD fetch reads (an L1CD's L2Ptr too) is an IPA: read through stage 2.
  // Each page is walked (and its steps shown) once; the CD's own page is already known.
  const frames = new Map<number, number | undefined>([
    [Number(cdPtr / FRAME_BYTES_N), Number(cdPa / FRAME_BYTES_N)],
  ]);
  let missed: string | undefined;
  const guest = new TranslatedMemory(memory, (pfn) => {
    if (frames.has(pfn)) return frames.get(pfn);
    const pa = translate(BigInt(pfn) * FRAME_BYTES_N, "CD table page");
    const frame = typeof pa === "bigint" ? Number(pa / FRAME_BYTES_N) : undefined;
    if (typeof pa !== "bigint") missed ??= pa.fault;
    frames.set(pfn, frame);
    return frame;
  });
  const found = readCd(guest, ste, steName, steps, expect, " (IPA)");
  if ("fault" in found && missed) return { fault: missed };
  return "root" in found ? { ...found, stage2: s2 } : found;
}

/** Stage 1: the CD for traffic without a SubstreamID (S1DSS), then its TTB0 and ASID. */
function readCd(
  memory: PhysicalMemory,
  ste: readonly bigint[],
  steName: string,
  steps: BindingStep[],
  expect: TablesExpectation,
  /** Said after the CD's name when its addresses are IPAs (nested). */
  space = "",
): DeviceLookup {
  const s1cdmax = field(ste[0]!, STE_0_S1CDMAX_SHIFT, 5n);
  const s1fmt = field(ste[0]!, STE_0_S1FMT_SHIFT, 2n);
  const s1dss = field(ste[1]!, 0n, 2n);
  let cdAt = ste[0]! & ADDR_51_6;
  if (s1cdmax !== 0) {
    // Several CDs: transactions without a SubstreamID follow S1DSS.
    if (s1dss === 0) return { abort: `${steName}: S1CDMax=${s1cdmax}, S1DSS=terminate` };
    if (s1dss === 1) return { bypass: `${steName}: S1CDMax=${s1cdmax}, S1DSS=bypass` };
    if (s1dss === 3) return { fault: `${steName}: S1DSS=0b11 is reserved (C_BAD_STE)` };
    if (s1fmt === 1 || s1fmt === 2) {
      const l1 = memory.read64(cdAt);
      steps.push({
        structure: "L1CD[0]",
        address: cdAt,
        value: l1,
        decoded: (l1 & 1n) === 0n ? "V=0 (invalid)" : `V=1 L2Ptr=${hex(l1 & ADDR_51_12)}`,
      });
      if ((l1 & 1n) === 0n) return { fault: `${steName}: L1CD[0] V=0 (C_BAD_SUBSTREAMID)` };
      cdAt = l1 & ADDR_51_12;
    } else if (s1fmt === 3) {
      return { fault: `${steName}: S1Fmt=0b11 is reserved (C_BAD_STE)` };
    }
  }
  const q0 = memory.read64(cdAt);
  const ttb0 = memory.read64(cdAt + 8n) & ADDR_51_4;
  const mair = memory.read64(cdAt + 24n);
  const asid = field(q0, 48n, 16n);
  const t0sz = field(q0, 0n, 6n);
  const tg0 = field(q0, 6n, 2n);
  const ips = field(q0, 32n, 3n);
  const cdName = `CD[0] of ${steName}${space}`;
  steps.push({
    structure: cdName,
    address: cdAt,
    value: q0,
    decoded:
      (q0 & CD_0_V) === 0n
        ? "V=0 (invalid)"
        : `V=1 T0SZ=${t0sz} TG0=${tg0} IPS=${ips} EPD0=${field(q0, 14n, 1n)} AA64=${field(q0, 41n, 1n)} ASID=${asid} TTB0=${hex(ttb0)} MAIR=${hex(mair)}`,
  });
  if ((q0 & CD_0_V) === 0n) return { fault: `${cdName}: V=0 (C_BAD_CD)` };
  if ((q0 & CD_0_AA64) === 0n) return { fault: `${cdName}: AA64=0 (VMSAv8-32 LPAE tables)` };
  if ((q0 & CD_0_ENDI) !== 0n) return { fault: `${cdName}: ENDI=1 (big-endian tables)` };
  if ((q0 & CD_0_TCR_EPD0) !== 0n)
    return { fault: `${cdName}: EPD0=1, TTB0 walks are disabled (every access faults)` };
  const wrong: string[] = [];
  if (t0sz !== expect.t0sz)
    wrong.push(`T0SZ ${t0sz} (${64 - t0sz}-bit input, the tables are ${64 - expect.t0sz}-bit)`);
  if (tg0 !== expect.tg0) wrong.push(`TG0 ${tg0} (the tables' granule is TG0 ${expect.tg0})`);
  if (ips !== expect.ips) wrong.push(`IPS ${ips} (the tables' output size is IPS ${expect.ips})`);
  if (mair !== expect.mair)
    wrong.push(`MAIR ${hex(mair)} (the tables' AttrIndx assume ${hex(expect.mair)})`);
  if (wrong.length > 0) return { fault: `${cdName}: ${wrong.join(", ")}` };
  return { root: ttb0, domainId: asid };
}
