/**
 * Register values for an arm-lpae table, laid out as the AArch64 system registers (TTBR0_EL1,
 * TCR_EL1, MAIR_EL1; VTTBR_EL2, VTCR_EL2) with the field values Linux io-pgtable-arm.c computes
 * for the SMMU (inner-shareable, write-back write-allocate table walks, TTBR1 walks disabled).
 */
import type { RegisterHalf, RegisterWalk } from "../../src/plugin-api/index.js";
import type { ArmLpaeConfig } from "./config.js";
import { MAIR_VALUE } from "./descriptor-format.js";

const RGN_WBWA = 1n;
const SH_IS = 3n;
/** TCR_EL1 (Arm ARM D19.2 "TCR_EL1"): T1SZ [21:16], EPD1 23, IRGN1 [25:24], ORGN1 [27:26], SH1 [29:28], TG1 [31:30]. */
const TCR_T1SZ_SHIFT = 16n;
const TCR_EPD1 = 1n << 23n;
const TCR_IRGN1_SHIFT = 24n;
const TCR_ORGN1_SHIFT = 26n;
const TCR_SH1_SHIFT = 28n;
const TCR_TG1_SHIFT = 30n;
const VTCR_RES1 = 1n << 31n;

/** TG0 encoding: 4K = 0, 64K = 1, 16K = 2. */
function tg0(granuleShift: number): bigint {
  return granuleShift === 16 ? 1n : granuleShift === 14 ? 2n : 0n;
}

/** TG1 encoding, which differs from TG0's: 16K = 1, 4K = 2, 64K = 3. */
function tg1(granuleShift: number): bigint {
  return granuleShift === 16 ? 3n : granuleShift === 14 ? 1n : 2n;
}

/** (I)PS encoding of the output size. */
export function physicalSize(oas: number): bigint {
  const table: Record<number, bigint> = { 32: 0n, 36: 1n, 40: 2n, 42: 3n, 44: 4n, 48: 5n, 52: 6n };
  return table[oas] ?? 5n;
}

/** TTBR BADDR: PA[47:1]; with 52-bit output PA[51:48] go in bits [5:2]. */
function baddr(cfg: ArmLpaeConfig, rootPa: number): bigint {
  const pa = BigInt(rootPa);
  if (cfg.oas <= 48) return pa;
  return (pa & 0x0000_ffff_ffff_ffc0n) | (((pa >> 48n) & 0xfn) << 2n);
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
  if (cfg.stage === 1) {
    const tcr0 = tsz | walkAttrs | (tg0(cfg.granuleShift) << 14n) | (physicalSize(cfg.oas) << 32n);
    if (!upper) return { TTBR0: baddr(cfg, rootPa) | id, TCR: tcr0 | TCR_EPD1, MAIR: MAIR_VALUE };
    // TTBR1 walks on, with the same walk attributes as TTBR0; TCR.A1 = 0 keeps the ASID in TTBR0.
    const tcr1 =
      (BigInt(64 - upper.cfg.ias) << TCR_T1SZ_SHIFT) |
      (RGN_WBWA << TCR_IRGN1_SHIFT) |
      (RGN_WBWA << TCR_ORGN1_SHIFT) |
      (SH_IS << TCR_SH1_SHIFT) |
      (tg1(upper.cfg.granuleShift) << TCR_TG1_SHIFT);
    return {
      TTBR0: baddr(cfg, rootPa) | id,
      TTBR1: baddr(upper.cfg, upper.rootPa),
      TCR: tcr0 | tcr1,
      MAIR: MAIR_VALUE,
    };
  }
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
 * What TTBR0/TTBR1/TCR make a stage-1 walk read (TCR_EL1: T0SZ [5:0], EPD0 7, TG0 [15:14],
 * T1SZ [21:16], EPD1 23, TG1 [31:30]). A reserved TGn value gives granule 0 (no walk matches it).
 */
export function decodeArmLpaeRegisters(
  cfg: ArmLpaeConfig,
  registers: Readonly<Record<string, bigint>>,
): RegisterWalk | undefined {
  const tcr = registers["TCR"];
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
  const lower =
    field(7n, 1n) === 0
      ? half(registers["TTBR0"] ?? 0n, field(0n, 6n), field(14n, 2n), TG0_GRANULE)
      : undefined;
  const upper =
    field(23n, 1n) === 0
      ? half(registers["TTBR1"] ?? 0n, field(16n, 6n), field(30n, 2n), TG1_GRANULE)
      : undefined;
  if (lower) out.lower = lower;
  if (upper) out.upper = upper;
  return out;
}
