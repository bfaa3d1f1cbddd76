/**
 * The SMMU parameters of an arm-lpae `iommu`: which SMMU architecture binds its devices
 * (`model`), how wide its StreamIDs are (`sid-bits`, IDR1.SIDSIZE) and whether it offers a
 * 2-level stream table (`stream-table`, IDR0.ST_LVL). Absent keys take the defaults below, so
 * mappers that do not name them keep their parameters unchanged.
 */
import type { ParamProblem, ParamSchema, PluginParams } from "../../src/plugin-api/index.js";
import { strtabLayout } from "./stream-table.js";

export type SmmuModel = "smmu-v3" | "mmu-500" | "none";

export interface SmmuOptions {
  model: SmmuModel;
  sidBits: number;
  /** IDR0.ST_LVL offers 2-level tables (Linux then uses them when sidBits > STRTAB_SPLIT). */
  twoLevel: boolean;
}

/** QEMU's and most SoCs' SMMUv3: 16-bit StreamIDs, 2-level tables supported. */
export const DEFAULT_SID_BITS = 16;
/** SMMUv2 SMR.ID without EXIDS: 15 bits (ARM_SMMU_SMR_ID with VALID at bit 31). */
export const SMMU_V2_SID_BITS = 15;

export const SMMU_PARAMS: ParamSchema = {
  model: {
    type: "word",
    description:
      "iommus: the SMMU that binds devices: smmu-v3 (stream table, STEs, CDs; default), mmu-500 (SMMUv2: SMR/S2CR and context-bank registers) or none (no binding structures: SMMUv1, virtio-iommu...)",
    values: ["smmu-v3", "mmu-500", "none"],
  },
  "sid-bits": {
    type: "int",
    description: `iommus: StreamID bits (SMMU_IDR1.SIDSIZE), default ${DEFAULT_SID_BITS}; mmu-500: at most ${SMMU_V2_SID_BITS}`,
    min: 1n,
    max: 32n,
  },
  "stream-table": {
    type: "word",
    description:
      "smmu-v3: the stream table formats the SMMU offers (IDR0.ST_LVL): 2-level (default; Linux uses it when sid-bits > 8) or linear",
    values: ["2-level", "linear"],
  },
};

/** Linear tables are written whole (every STE aborts until bound): 2^24 STEs is 1 GiB. */
export const MAX_LINEAR_SID_BITS = 24;

export function smmuOptions(params: PluginParams): SmmuOptions {
  const model: SmmuModel =
    params["model"] === "mmu-500" ? "mmu-500" : params["model"] === "none" ? "none" : "smmu-v3";
  const bits = params["sid-bits"];
  return {
    model,
    sidBits:
      typeof bits === "bigint"
        ? Number(bits)
        : model === "mmu-500"
          ? SMMU_V2_SID_BITS
          : DEFAULT_SID_BITS,
    twoLevel: params["stream-table"] !== "linear",
  };
}

export function validateSmmuParams(params: PluginParams): ParamProblem[] {
  const problems: ParamProblem[] = [];
  const o = smmuOptions(params);
  if (o.model === "mmu-500") {
    if (params["stream-table"] !== undefined)
      problems.push({
        key: "stream-table",
        message: "an mmu-500 (SMMUv2) matches streams with SMR registers; it has no stream table",
      });
    if (o.sidBits > SMMU_V2_SID_BITS)
      problems.push({
        key: "sid-bits",
        message: `an mmu-500 (SMMUv2) SMR.ID holds ${SMMU_V2_SID_BITS} bits, not ${o.sidBits}`,
      });
    if (params["stage"] === 2n)
      problems.push({
        key: "model",
        message: "VCM binds mmu-500 context banks for stage 1 only (CBAR type S1_TRANS_S2_BYPASS)",
      });
  } else if (o.model === "none") {
    for (const key of ["sid-bits", "stream-table"])
      if (params[key] !== undefined)
        problems.push({
          key,
          message: `'${key}' describes SMMU binding structures; 'model none' has none`,
        });
  } else if (!o.twoLevel && o.sidBits > MAX_LINEAR_SID_BITS) {
    problems.push({
      key: "sid-bits",
      message: `a linear stream table of 2^${o.sidBits} STEs is too large (at most ${MAX_LINEAR_SID_BITS} bits; use stream-table 2-level)`,
    });
  }
  return problems;
}

/** StreamID bits the binding covers: SMR.ID for an mmu-500; the stream table's LOG2SIZE for v3. */
export function smmuStreamBits(params: PluginParams): number | undefined {
  const o = smmuOptions(params);
  if (o.model === "none") return undefined;
  return o.model === "mmu-500" ? o.sidBits : strtabLayout(o.sidBits, o.twoLevel).log2size;
}
