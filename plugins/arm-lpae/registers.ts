/**
 * Register values for an arm-lpae table, laid out as the AArch64 system registers of its
 * translation regime (./regime.ts) or, at stage 2, VTTBR_EL2 / VTCR_EL2, with the field values
 * Linux io-pgtable-arm.c computes for the SMMU (inner-shareable, write-back write-allocate table
 * walks, TTBR1 walks disabled unless there is an upper half).
 *
 * Names: a context that does not name its regime (an SMMU context descriptor, or a cpu written
 * before regimes existed) gets `TTBR0`, `TTBR1`, `TCR`, `MAIR`; a cpu context with `regime` gets
 * the regime's own registers, `TTBR0_EL3`, `TCR_EL3`, `MAIR_EL3`, and a suggested `SCTLR_EL3`.
 */
import type { RegisterHalf, RegisterWalk } from "../../src/plugin-api/index.js";
import type { ArmLpaeConfig } from "./config.js";
import { MAIR_VALUE } from "./descriptor-format.js";
import type { Regime } from "./regime.js";

const RGN_WBWA = 1n;
const SH_IS = 3n;
/** TCR_EL1 (and TCR_EL2 with E2H = 1): T1SZ [21:16], EPD1 23, IRGN1 [25:24], ORGN1 [27:26], SH1 [29:28], TG1 [31:30], IPS [34:32]. */
const TCR_T1SZ_SHIFT = 16n;
const TCR_EPD1 = 1n << 23n;
const TCR_IRGN1_SHIFT = 24n;
const TCR_ORGN1_SHIFT = 26n;
const TCR_SH1_SHIFT = 28n;
const TCR_TG1_SHIFT = 30n;
const TCR_IPS_SHIFT = 32n;
/** TCR_EL2 (E2H = 0) and TCR_EL3: PS [18:16], RES1 bits 31 and 23. */
const TCR_PS_SHIFT = 16n;
const TCR_ONE_RANGE_RES1 = (1n << 31n) | (1n << 23n);
const VTCR_RES1 = 1n << 31n;

/** SCTLR_ELx: M (MMU on) 0, C (data cacheable) 2, I (instruction cacheable) 12, WXN 19. */
export const SCTLR_M = 1n;
export const SCTLR_C = 1n << 2n;
export const SCTLR_I = 1n << 12n;
export const SCTLR_WXN = 1n << 19n;
/**
 * RES1 bits without the later features that give them meaning: SCTLR_EL1 (and SCTLR_EL2 with
 * E2H = 1): 29 LSMAOE, 28 nTLSMD, 23 SPAN, 22 EIS, 20 TSCXT, 11 EOS. SCTLR_EL2 (E2H = 0) and
 * SCTLR_EL3: 29, 28, 23, 22, 18, 16, 11, 5, 4.
 */
export const SCTLR_RES1_TWO_RANGES = 0x30d0_0800n;
export const SCTLR_RES1_ONE_RANGE = 0x30c5_0830n;

/** TG0 encoding: 4K = 0, 64K = 1, 16K = 2. */
function tg0(granuleShift: number): bigint {
  return granuleShift === 16 ? 1n : granuleShift === 14 ? 2n : 0n;
}

/** TG1 encoding, which differs from TG0's: 16K = 1, 4K = 2, 64K = 3. */
function tg1(granuleShift: number): bigint {
  return granuleShift === 16 ? 3n : granuleShift === 14 ? 1n : 2n;
}

const PHYSICAL_SIZES: Record<number, bigint> = {
  32: 0n,
  36: 1n,
  40: 2n,
  42: 3n,
  44: 4n,
  48: 5n,
  52: 6n,
};

/** (I)PS encoding of the output size. */
export function physicalSize(oas: number): bigint {
  return PHYSICAL_SIZES[oas] ?? 5n;
}

/** TTBR BADDR: PA[47:1]; with 52-bit output PA[51:48] go in bits [5:2]. */
function baddr(cfg: ArmLpaeConfig, rootPa: number): bigint {
  const pa = BigInt(rootPa);
  if (cfg.oas <= 48) return pa;
  return (pa & 0x0000_ffff_ffff_ffc0n) | (((pa >> 48n) & 0xfn) << 2n);
}

/** The register names of a stage-1 context: `TCR` or `TCR_EL3`. */
export function registerNames(cfg: Pick<ArmLpaeConfig, "regime" | "regimeDeclared">) {
  const sfx = cfg.regimeDeclared ? `_EL${cfg.regime.el}` : "";
  return {
    ttbr0: `TTBR0${sfx}`,
    ttbr1: `TTBR1${sfx}`,
    tcr: `TCR${sfx}`,
    mair: `MAIR${sfx}`,
    sctlr: `SCTLR${sfx}`,
  };
}

/** The suggested SCTLR_ELx: the MMU and both caches on, WXN as the context asks, RES1 bits. */
export function suggestedSctlr(regime: Regime, wxn: boolean): bigint {
  const res1 = regime.twoRanges ? SCTLR_RES1_TWO_RANGES : SCTLR_RES1_ONE_RANGE;
  return res1 | SCTLR_M | SCTLR_C | SCTLR_I | (wxn ? SCTLR_WXN : 0n);
}

export function armLpaeRegisters(
  cfg: ArmLpaeConfig,
  rootPa: number,
  domainId: number,
  upper?: { cfg: ArmLpaeConfig; rootPa: number },
): Record<string, bigint> {
  const walkAttrs = (SH_IS << 12n) | (RGN_WBWA << 10n) | (RGN_WBWA << 8n);
  const tsz = BigInt(64 - cfg.ias);
  const id = BigInt(domainId & 0xffff) << 48n;
  if (cfg.stage === 2) return stage2Registers(cfg, rootPa, id, tsz, walkAttrs);
  const names = registerNames(cfg);
  const out: Record<string, bigint> = {};
  const tcr0 = tsz | walkAttrs | (tg0(cfg.granuleShift) << 14n);
  if (!cfg.regime.twoRanges) {
    // TCR_EL2 (E2H = 0) / TCR_EL3: one range, PS at [18:16], RES1 bits 31 and 23; the TTBR has
    // no ASID (bits [63:48] RES0).
    out[names.ttbr0] = baddr(cfg, rootPa);
    out[names.tcr] = TCR_ONE_RANGE_RES1 | tcr0 | (physicalSize(cfg.oas) << TCR_PS_SHIFT);
  } else {
    const ips = physicalSize(cfg.oas) << TCR_IPS_SHIFT;
    out[names.ttbr0] = baddr(cfg, rootPa) | id;
    if (!upper) out[names.tcr] = tcr0 | ips | TCR_EPD1;
    else {
      // TTBR1 walks on, with the same walk attributes as TTBR0; TCR.A1 = 0 keeps the ASID in TTBR0.
      out[names.ttbr1] = baddr(upper.cfg, upper.rootPa);
      out[names.tcr] =
        tcr0 |
        ips |
        (BigInt(64 - upper.cfg.ias) << TCR_T1SZ_SHIFT) |
        (RGN_WBWA << TCR_IRGN1_SHIFT) |
        (RGN_WBWA << TCR_ORGN1_SHIFT) |
        (SH_IS << TCR_SH1_SHIFT) |
        (tg1(upper.cfg.granuleShift) << TCR_TG1_SHIFT);
    }
  }
  out[names.mair] = MAIR_VALUE;
  if (cfg.regimeDeclared) out[names.sctlr] = suggestedSctlr(cfg.regime, cfg.wxn);
  return out;
}

function stage2Registers(
  cfg: ArmLpaeConfig,
  rootPa: number,
  id: bigint,
  tsz: bigint,
  walkAttrs: bigint,
): Record<string, bigint> {
  // SL0 encodes the start level; its meaning is offset by one for the 4K granule.
  const sl = BigInt(cfg.startLevel + (cfg.granuleShift === 12 ? 1 : 0));
  const sl0 = ~sl & 3n;
  return {
    VTTBR: baddr(cfg, rootPa) | id,
    VTCR:
      VTCR_RES1 |
      tsz |
      (sl0 << 6n) |
      walkAttrs |
      (tg0(cfg.granuleShift) << 14n) |
      (physicalSize(cfg.oas) << 16n),
  };
}

const TG0_GRANULE: Record<number, bigint> = { 0: 4096n, 1: 65536n, 2: 16384n };
const TG1_GRANULE: Record<number, bigint> = { 1: 16384n, 2: 4096n, 3: 65536n };

/** The root in a TTBRn: BADDR [47:1] (ASID and CnP dropped); with 52-bit output PA[51:48] in [5:2]. */
function rootOf(ttbr: bigint, oas: number): bigint {
  if (oas <= 48) return ttbr & 0x0000_ffff_ffff_fffen;
  return (ttbr & 0x0000_ffff_ffff_ffc0n) | (((ttbr >> 2n) & 0xfn) << 48n);
}

/**
 * What the regime's TTBR0/TTBR1/TCR/SCTLR make a stage-1 walk read. Two ranges (TCR_EL1, TCR_EL2
 * with E2H = 1): T0SZ [5:0], EPD0 7, TG0 [15:14], T1SZ [21:16], EPD1 23, TG1 [31:30]. One range
 * (TCR_EL2 with E2H = 0, TCR_EL3): T0SZ [5:0], TG0 [15:14], no EPD0 (the walk is always on), RES1
 * bits 31 and 23. A reserved TGn value gives granule 0 (no walk matches it). SCTLR: M and WXN,
 * and the RES1 bits above.
 */
export function decodeArmLpaeRegisters(
  cfg: ArmLpaeConfig,
  registers: Readonly<Record<string, bigint>>,
): RegisterWalk | undefined {
  const names = registerNames(cfg);
  const tcr = registers[names.tcr];
  if (cfg.stage !== 1 || tcr === undefined) return undefined;
  const field = (lsb: bigint, width: bigint) => Number((tcr >> lsb) & ((1n << width) - 1n));
  const half = (
    ttbr: bigint | undefined,
    tsz: number,
    tg: number,
    table: Record<number, bigint>,
  ): RegisterHalf | undefined =>
    ttbr === undefined
      ? undefined
      : { root: rootOf(ttbr, cfg.oas), bits: 64 - tsz, granule: table[tg] ?? 0n };
  const out: RegisterWalk = {};
  const reserved: string[] = [];
  const twoRanges = cfg.regime.twoRanges;
  const lower =
    !twoRanges || field(7n, 1n) === 0
      ? half(registers[names.ttbr0] ?? 0n, field(0n, 6n), field(14n, 2n), TG0_GRANULE)
      : undefined;
  const upper =
    twoRanges && field(23n, 1n) === 0
      ? half(registers[names.ttbr1] ?? 0n, field(16n, 6n), field(30n, 2n), TG1_GRANULE)
      : undefined;
  if (lower) out.lower = lower;
  if (upper) out.upper = upper;
  if (!twoRanges) reserved.push(...missingRes1(names.tcr, tcr, TCR_ONE_RANGE_RES1));
  const sctlr = registers[names.sctlr];
  if (cfg.regimeDeclared && sctlr !== undefined) {
    out.control = {
      register: names.sctlr,
      translation: (sctlr & SCTLR_M) !== 0n,
      writeExecNever: (sctlr & SCTLR_WXN) !== 0n,
    };
    const res1 = twoRanges ? SCTLR_RES1_TWO_RANGES : SCTLR_RES1_ONE_RANGE;
    reserved.push(...missingRes1(names.sctlr, sctlr, res1));
  }
  if (reserved.length > 0) out.reserved = reserved;
  return out;
}

/** `TCR_EL3 bit 31 (RES1) is 0` for each bit of `res1` clear in `value`. */
function missingRes1(name: string, value: bigint, res1: bigint): string[] {
  const out: string[] = [];
  for (let bit = 0n; bit < 64n; bit++)
    if ((res1 >> bit) & 1n && !((value >> bit) & 1n)) out.push(`${name} bit ${bit} (RES1) is 0`);
  return out;
}
