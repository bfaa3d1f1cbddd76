/**
 * SMMUv2 (`arm,mmu-500`) device binding, as Linux drivers/iommu/arm/arm-smmu/arm-smmu.c programs
 * it: one stream-match register (SMR) and stream-to-context register (S2CR) per stream
 * (arm_smmu_write_sme), one context bank per domain (arm_smmu_write_context_bank), and sCR0
 * (arm_smmu_device_reset). Field positions: arm-smmu.h. These are register values, not memory:
 * the manifest and C header carry them and `lookupSmmuV2` resolves a stream from them alone.
 */
import {
  MappingError,
  asRadixTable,
  type BindingStep,
  type DeviceBinding,
  type DeviceLookup,
  type PluginParams,
  type UntranslatedBinding,
} from "../../src/plugin-api/index.js";
import { armLpaeConfig } from "./config.js";
import { hex } from "./hex.js";
import { armLpaeRegisters } from "./registers.js";
import { tablesExpectation } from "./smmu-v3.js";

/** MMU-500 implements up to 128 SMRs and 128 context banks (IDR0.NUMSMRG, IDR1.NUMCB). */
export const MMU500_MAX_SMRS = 128;
export const MMU500_MAX_CBS = 128;

export const SMR_VALID = 1n << 31n;
const SMR_MASK_SHIFT = 16n;
const SMR_ID_MASK = 0x7fffn;
export const S2CR_TYPE_SHIFT = 16n;
export const S2CR_TYPE_TRANS = 0n;
export const S2CR_TYPE_BYPASS = 1n;
export const S2CR_TYPE_FAULT = 2n;
/** CBAR.TYPE [17:16]: stage 1 translation, stage 2 bypass. */
export const CBAR_TYPE_S1_TRANS_S2_BYPASS = 1n;
const CBAR_S1_BPSHCFG_NSH = 3n;
const CBAR_S1_MEMATTR_WB = 0xfn;
export const CBA2R_VA64 = 1n;
/** SCTLR: M 0, TRE 1, AFE 2, CFRE 5, CFIE 6, ASIDPNE 12 (stage 1). */
export const SCTLR_M = 1n;
const SCTLR_VALUE = (1n << 0n) | (1n << 1n) | (1n << 2n) | (1n << 5n) | (1n << 6n) | (1n << 12n);
const TCR2_SEP_UPSTREAM = 7n << 15n;
/** sCR0: CLIENTPD 0, GFRE 1, GFIE 2, GCFGFRE 4, GCFGFIE 5, USFCFG 10, VMIDPNE 11, PTM 12. */
export const SCR0_CLIENTPD = 1n;
export const SCR0_USFCFG = 1n << 10n;
const SCR0_VALUE =
  (1n << 1n) | (1n << 2n) | (1n << 4n) | (1n << 5n) | SCR0_USFCFG | (1n << 11n) | (1n << 12n);
const TCR_EPD0 = 1n << 7n;

/** Register values for the bindings: SMRn, S2CRn, CBARn, CBA2Rn, CBn_*, SCR0. */
export function buildSmmuV2(
  params: PluginParams,
  bindings: readonly DeviceBinding[],
  untranslated: readonly UntranslatedBinding[],
): Record<string, bigint> {
  const regs: Record<string, bigint> = { SCR0: SCR0_VALUE };
  const banks = new Map<object, number>();
  const seen = new Map<bigint, { device: string; smr: number }>();
  let smr = 0;
  const stream = (device: string, id: bigint, s2cr: bigint) => {
    if (id < 0n || id > SMR_ID_MASK)
      throw new MappingError(
        "out-of-range",
        `device '${device}': StreamID ${hex(id)} does not fit SMR.ID (15 bits)`,
      );
    const other = seen.get(id);
    if (other !== undefined) {
      // arm_smmu_find_sme: masters with one StreamID share the stream-map entry, so they must
      // be bound alike (Linux puts them in one group).
      if (regs[`S2CR${other.smr}`] === s2cr) return;
      throw new MappingError(
        "exists",
        `devices '${other.device}' and '${device}' share StreamID ${hex(id)} but not their domain`,
      );
    }
    seen.set(id, { device, smr });
    if (smr >= MMU500_MAX_SMRS)
      throw new MappingError("out-of-range", `more than ${MMU500_MAX_SMRS} streams: no free SMR`);
    regs[`SMR${smr}`] = SMR_VALID | (0n << SMR_MASK_SHIFT) | id;
    regs[`S2CR${smr}`] = s2cr;
    smr++;
  };
  for (const b of bindings) {
    if (b.stage2)
      throw new MappingError("invalid", `device '${b.device}': VCM binds mmu-500 stage 1 only`);
    let cb = banks.get(b.table);
    if (cb === undefined) {
      cb = banks.size;
      if (cb >= MMU500_MAX_CBS)
        throw new MappingError(
          "out-of-range",
          `more than ${MMU500_MAX_CBS} domains: no free context bank`,
        );
      banks.set(b.table, cb);
      const table = asRadixTable(b.table, "arm-lpae");
      const t = armLpaeRegisters(armLpaeConfig(table.options.params), table.rootPa, b.domainId);
      const tcr = t["TCR"]!;
      regs[`CBAR${cb}`] =
        (CBAR_TYPE_S1_TRANS_S2_BYPASS << 16n) |
        (CBAR_S1_BPSHCFG_NSH << 8n) |
        (CBAR_S1_MEMATTR_WB << 12n);
      regs[`CBA2R${cb}`] = CBA2R_VA64;
      regs[`CB${cb}_SCTLR`] = SCTLR_VALUE;
      // arm_smmu_lpae_tcr: the TCR_EL1 low word (EPD1 set); TCR2: PASIZE from IPS, SEP upstream.
      regs[`CB${cb}_TCR`] = tcr & 0xffff_ffffn;
      regs[`CB${cb}_TCR2`] = ((tcr >> 32n) & 7n) | TCR2_SEP_UPSTREAM;
      regs[`CB${cb}_TTBR0`] = t["TTBR0"]!;
      regs[`CB${cb}_MAIR0`] = t["MAIR"]! & 0xffff_ffffn;
      regs[`CB${cb}_MAIR1`] = t["MAIR"]! >> 32n;
    }
    stream(b.device, b.stream, (S2CR_TYPE_TRANS << S2CR_TYPE_SHIFT) | BigInt(cb));
  }
  for (const u of untranslated) {
    const type = u.mode === "bypass" ? S2CR_TYPE_BYPASS : S2CR_TYPE_FAULT;
    stream(u.device, u.stream, type << S2CR_TYPE_SHIFT);
  }
  return regs;
}

/** Resolve a StreamID through the SMRs, its S2CR and context bank, as the SMMU matches it. */
export function lookupSmmuV2(
  params: PluginParams,
  regs: Readonly<Record<string, bigint>>,
  id: bigint,
): DeviceLookup {
  const scr0 = regs["SCR0"];
  if (scr0 === undefined) return { fault: "sCR0 is not programmed" };
  if ((scr0 & SCR0_CLIENTPD) !== 0n)
    return { bypass: "sCR0.CLIENTPD=1: the SMMU is disabled, client transactions bypass it" };
  const matches = matchingSmrs(regs, id);
  const sid = `StreamID ${hex(id)}`;
  if (matches.length === 0) {
    return (scr0 & SCR0_USFCFG) !== 0n
      ? { abort: `${sid} matches no SMR; sCR0.USFCFG=1 faults it` }
      : { bypass: `${sid} matches no SMR; sCR0.USFCFG=0 lets it bypass` };
  }
  const steps: BindingStep[] = matches.map((i) => smrStep(regs, i));
  const done = withSteps(steps);
  if (matches.length > 1)
    return done({ fault: `${sid} matches SMR${matches.join(" and SMR")} (stream match conflict)` });
  const n = matches[0]!;
  const s2cr = regs[`S2CR${n}`] ?? 0n;
  const type = (s2cr >> S2CR_TYPE_SHIFT) & 3n;
  const cb = Number(s2cr & 0xffn);
  const typeName = ["translate", "bypass", "fault", "reserved"][Number(type)]!;
  steps.push({
    structure: `S2CR${n}`,
    address: 0xc00n + BigInt(n) * 4n,
    value: s2cr,
    decoded: `TYPE=${typeName}${type === S2CR_TYPE_TRANS ? ` CBNDX=${cb}` : ""}`,
  });
  if (type === S2CR_TYPE_BYPASS) return done({ bypass: `S2CR${n}: TYPE=bypass` });
  if (type === S2CR_TYPE_FAULT) return done({ abort: `S2CR${n}: TYPE=fault` });
  if (type !== S2CR_TYPE_TRANS) return done({ fault: `S2CR${n}: TYPE=0b11 is reserved` });
  return lookupContextBank(params, regs, n, cb, steps);
}

/** A lookup result that carries the register steps read so far. */
function withSteps(steps: BindingStep[]) {
  return <T extends object>(r: T): T & { steps: BindingStep[] } => ({ ...r, steps });
}

/** The valid SMRs whose ID, under their MASK, matches the StreamID. */
function matchingSmrs(regs: Readonly<Record<string, bigint>>, id: bigint): number[] {
  const matches: number[] = [];
  for (let i = 0; i < MMU500_MAX_SMRS; i++) {
    const r = regs[`SMR${i}`];
    if (r === undefined || (r & SMR_VALID) === 0n) continue;
    const mask = (r >> SMR_MASK_SHIFT) & SMR_ID_MASK;
    if (((r ^ id) & SMR_ID_MASK & ~mask) === 0n) matches.push(i);
  }
  return matches;
}

function smrStep(regs: Readonly<Record<string, bigint>>, i: number): BindingStep {
  return {
    structure: `SMR${i}`,
    address: 0x800n + BigInt(i) * 4n,
    value: regs[`SMR${i}`]!,
    decoded: `VALID ID=${hex(regs[`SMR${i}`]! & SMR_ID_MASK)} MASK=${hex((regs[`SMR${i}`]! >> SMR_MASK_SHIFT) & SMR_ID_MASK)}`,
  };
}

/** The context bank S2CRn names: programmed, stage 1, AArch64, enabled, and set up for the tables. */
function lookupContextBank(
  params: PluginParams,
  regs: Readonly<Record<string, bigint>>,
  n: number,
  cb: number,
  steps: BindingStep[],
): DeviceLookup {
  const done = withSteps(steps);
  const bank = `context bank ${cb}`;
  const cbar = regs[`CBAR${cb}`];
  const ttbr0 = regs[`CB${cb}_TTBR0`];
  const tcr = regs[`CB${cb}_TCR`];
  const sctlr = regs[`CB${cb}_SCTLR`];
  if (cbar === undefined || ttbr0 === undefined || tcr === undefined || sctlr === undefined)
    return done({ fault: `S2CR${n}: CBNDX ${cb} names a ${bank} that is not programmed` });
  const root = ttbr0 & 0x0000_ffff_ffff_fff0n;
  const asid = Number(ttbr0 >> 48n);
  steps.push({
    structure: `CB${cb}`,
    address: BigInt(cb),
    value: ttbr0,
    decoded: `CBAR.TYPE=${(cbar >> 16n) & 3n} SCTLR.M=${sctlr & 1n} TCR=${hex(tcr)} TTBR0=${hex(root)} ASID=${asid}`,
  });
  if (((cbar >> 16n) & 3n) !== CBAR_TYPE_S1_TRANS_S2_BYPASS)
    return done({ fault: `CBAR${cb}: TYPE ${(cbar >> 16n) & 3n} is not stage 1 translation (1)` });
  if (((regs[`CBA2R${cb}`] ?? 0n) & CBA2R_VA64) === 0n)
    return done({ fault: `CBA2R${cb}: VA64=0 (an AArch32 context bank)` });
  if ((sctlr & SCTLR_M) === 0n)
    return done({ bypass: `CB${cb}_SCTLR: M=0, the ${bank} does not translate` });
  if ((tcr & TCR_EPD0) !== 0n)
    return done({ fault: `CB${cb}_TCR: EPD0=1, TTBR0 walks are disabled` });
  const wrong = contextBankMismatches(params, regs, cb, tcr);
  if (wrong.length > 0) return done({ fault: `${bank}: ${wrong.join(", ")}` });
  return done({ root, domainId: asid });
}

/** How the bank's TCR, TCR2 and MAIR differ from what the tables were built for. */
function contextBankMismatches(
  params: PluginParams,
  regs: Readonly<Record<string, bigint>>,
  cb: number,
  tcr: bigint,
): string[] {
  const expect = tablesExpectation(params);
  const wrong: string[] = [];
  const t0sz = Number(tcr & 63n);
  const tg0 = Number((tcr >> 14n) & 3n);
  const pasize = Number((regs[`CB${cb}_TCR2`] ?? 0n) & 7n);
  const mair = ((regs[`CB${cb}_MAIR1`] ?? 0n) << 32n) | (regs[`CB${cb}_MAIR0`] ?? 0n);
  if (t0sz !== expect.t0sz) wrong.push(`T0SZ ${t0sz} (the tables are ${64 - expect.t0sz}-bit)`);
  if (tg0 !== expect.tg0) wrong.push(`TG0 ${tg0} (the tables' granule is TG0 ${expect.tg0})`);
  if (pasize !== expect.ips) wrong.push(`TCR2.PASIZE ${pasize} (expected ${expect.ips})`);
  if (mair !== expect.mair) wrong.push(`MAIR ${hex(mair)} (expected ${hex(expect.mair)})`);
  return wrong;
}
