/**
 * AArch64 translation regimes (Arm ARM DDI 0487, D8.1 "Translation regimes"; the TCR_ELx and
 * SCTLR_ELx descriptions in D19/D23): which stage-1 regime a cpu context's tables are written for,
 * and what that changes in descriptors and registers.
 *
 * | regime    | ELs      | VA ranges      | security    | AP[1]   | nG   | execute-never        |
 * | --------- | -------- | -------------- | ----------- | ------- | ---- | -------------------- |
 * | `el1`     | EL1, EL0 | TTBR0, TTBR1   | Non-secure  | EL0     | yes  | UXN 54, PXN 53       |
 * | `el2`     | EL2      | TTBR0          | Non-secure  | RES1    | RES0 | XN 54 (53 RES0)      |
 * | `el2-vhe` | EL2, EL0 | TTBR0, TTBR1   | Non-secure  | EL0     | yes  | UXN 54, PXN 53       |
 * | `el3`     | EL3      | TTBR0          | Secure      | RES1    | RES0 | XN 54 (53 RES0)      |
 *
 * At EL3 the NS bit (5) of a block or page descriptor selects the Non-secure physical address
 * space, and NSTable (63) of a table descriptor does so for everything below it. `el2-vhe` is a
 * VHE host, HCR_EL2.{E2H, TGE} = {1, 1}: TCR_EL2 and SCTLR_EL2 then have the EL1 layouts.
 */
import type { ParamProblem, PluginParams } from "../../src/plugin-api/index.js";

export type RegimeName = "el1" | "el2" | "el2-vhe" | "el3";

export const REGIME_NAMES: readonly RegimeName[] = ["el1", "el2", "el2-vhe", "el3"];

export interface Regime {
  name: RegimeName;
  /** The regime as the Arm ARM names it: `EL1&0`, `EL2`, `EL2&0`, `EL3`. */
  label: string;
  /** Exception level of the translating software: register suffix `_EL<el>`. */
  el: 1 | 2 | 3;
  /** Two privilege levels (EL1&0, EL2&0): AP[1] grants EL0 access, nG applies, UXN and PXN. */
  twoPrivilegeLevels: boolean;
  /** Two VA ranges (TTBR0 and TTBR1): the TCR has T1SZ, EPD1, TG1... */
  twoRanges: boolean;
  /** Secure state (EL3): NS in descriptors and NSTable in table descriptors matter. */
  secure: boolean;
}

const REGIMES: Record<RegimeName, Regime> = {
  el1: {
    name: "el1",
    label: "EL1&0",
    el: 1,
    twoPrivilegeLevels: true,
    twoRanges: true,
    secure: false,
  },
  el2: {
    name: "el2",
    label: "EL2",
    el: 2,
    twoPrivilegeLevels: false,
    twoRanges: false,
    secure: false,
  },
  "el2-vhe": {
    name: "el2-vhe",
    label: "EL2&0",
    el: 2,
    twoPrivilegeLevels: true,
    twoRanges: true,
    secure: false,
  },
  el3: {
    name: "el3",
    label: "EL3",
    el: 3,
    twoPrivilegeLevels: false,
    twoRanges: false,
    secure: true,
  },
};

/** The regime a context declares with `regime`, EL1 when it says none. */
export function regimeOf(params: PluginParams): Regime {
  const v = params["regime"];
  return typeof v === "string" && v in REGIMES ? REGIMES[v as RegimeName] : REGIMES.el1;
}

/** Whether the context names its regime (a cpu context: `_ELx` register names and an SCTLR). */
export function regimeDeclared(params: PluginParams): boolean {
  return typeof params["regime"] === "string";
}

/** `regime` and `wxn` checked against the other parameters (the plugin's `validate`). */
export function regimeProblems(params: PluginParams): ParamProblem[] {
  const problems: ParamProblem[] = [];
  const stage2 = params["stage"] === 2n;
  const declared = regimeDeclared(params);
  if (stage2 && declared) {
    problems.push({
      key: "regime",
      message:
        "a stage-2 table belongs to no stage-1 regime (VTTBR_EL2/VTCR_EL2); `regime` is for stage-1 cpu contexts",
    });
  }
  const regime = regimeOf(params);
  if (!stage2 && !regime.twoRanges && typeof params["va-bits-upper"] === "bigint") {
    problems.push({
      key: "va-bits-upper",
      message: `the ${regime.name} regime has one VA range (TTBR0_EL${regime.el} only, no T1SZ): no upper half; el1 and el2-vhe have one`,
    });
  }
  if (params["wxn"] === "on" && (stage2 || !declared)) {
    problems.push({
      key: "wxn",
      message: "`wxn on` sets SCTLR_ELx.WXN, a cpu register: it needs a stage-1 `regime`",
    });
  }
  return problems;
}
