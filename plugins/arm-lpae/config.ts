/**
 * arm-lpae parameters turned into a table geometry, as Linux io-pgtable-arm.c does in
 * arm_lpae_alloc_pgtable / arm_64_lpae_alloc_pgtable_s2: levels from the input size and granule,
 * a partial (smaller) top level, and for stage 2 up to 16 concatenated tables at level 1 instead
 * of a level-0 table.
 */
import type { PluginParams } from "../../src/plugin-api/index.js";
import { regimeDeclared, regimeOf, type Regime } from "./regime.js";

export interface ArmLpaeConfig {
  stage: 1 | 2;
  /** log2 of the translation granule: 12, 14 or 16. */
  granuleShift: number;
  ias: number;
  oas: number;
  /** Index bits per full table (granuleShift - 3). */
  bitsPerLevel: number;
  /** Architectural level of the root (0..3). */
  startLevel: number;
  /** Index bits of the root table (may exceed bitsPerLevel when concatenated). */
  pgdBits: number;
  /** Tables concatenated at the root (stage 2), 1 otherwise. */
  concatenated: number;
  /** Allowed page sizes as shifts, after the `page-sizes` restriction. */
  pageShifts: number[];
  /** The stage-1 translation regime (`regime`, EL1 when absent; irrelevant at stage 2). */
  regime: Regime;
  /** `regime` is written: a cpu context, whose registers carry `_ELx` names and an SCTLR. */
  regimeDeclared: boolean;
  /** `wxn on`: the suggested SCTLR_ELx sets WXN (write permission implies execute-never). */
  wxn: boolean;
}

export const S2_MAX_CONCAT_TABLES = 16;

function intParam(params: PluginParams, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = params[k];
    if (typeof v === "bigint") return Number(v);
  }
  return undefined;
}

/** Page sizes the granule allows, by level (Linux arm_lpae_restrict_pgsizes). */
export function granulePageShifts(granuleShift: number, oas: number): number[] {
  switch (granuleShift) {
    case 12:
      return [12, 21, 30];
    case 14:
      return [14, 25];
    default:
      // 4TB level-1 blocks exist only with 52-bit output (FEAT_LPA).
      return oas > 48 ? [16, 29, 42] : [16, 29];
  }
}

export function armLpaeConfig(params: PluginParams): ArmLpaeConfig {
  const stage = intParam(params, "stage") === 2 ? 2 : 1;
  const granule = intParam(params, "granule") ?? 4096;
  const granuleShift = granule === 65536 ? 16 : granule === 16384 ? 14 : 12;
  const ias = intParam(params, "ias", "va-bits") ?? 48;
  const oas = intParam(params, "oas", "pa-bits") ?? 48;
  const bitsPerLevel = granuleShift - 3;
  const levels = Math.ceil((ias - granuleShift) / bitsPerLevel);
  let startLevel = 4 - levels;
  let pgdBits = ias - (bitsPerLevel * (levels - 1) + granuleShift);
  let concatenated = 1;
  if (stage === 2 && startLevel === 0 && 2 ** pgdBits <= S2_MAX_CONCAT_TABLES) {
    // Concatenate level-1 tables rather than walking a tiny level-0 table.
    concatenated = 2 ** pgdBits;
    pgdBits += bitsPerLevel;
    startLevel = 1;
  }
  const topShift = granuleShift + bitsPerLevel * (3 - startLevel);
  const restrict = params["page-sizes"];
  const allowed = Array.isArray(restrict)
    ? new Set(
        restrict
          .filter((v): v is bigint => typeof v === "bigint")
          .map((v) => v.toString(2).length - 1),
      )
    : undefined;
  const pageShifts = granulePageShifts(granuleShift, oas).filter(
    (s) => s <= topShift && (allowed === undefined || allowed.has(s)),
  );
  return {
    stage,
    granuleShift,
    ias,
    oas,
    bitsPerLevel,
    startLevel,
    pgdBits,
    concatenated,
    pageShifts,
    regime: regimeOf(params),
    regimeDeclared: regimeDeclared(params),
    wxn: params["wxn"] === "on",
  };
}
