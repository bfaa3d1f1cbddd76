/**
 * `arm-lpae`: VMSAv8-64 translation tables (Linux io-pgtable-arm.c ARM_64_LPAE_S1 / S2), as used
 * by Arm CPUs and the SMMUv3. Stage 1 or 2; 4K, 16K or 64K granule; 32..48-bit input; up to 52-bit
 * output with the 64K granule; blocks and pages; concatenated stage-2 roots.
 */
import {
  ATTR_CACHEABLE,
  ATTR_DEVICE,
  ATTR_SECURE,
  ATTR_SHAREABLE_INNER,
  ATTR_SHAREABLE_OUTER,
  defineRadixPlugin,
  type Capabilities,
  type ParamProblem,
  type PhysicalMemory,
  type PluginParams,
  type VcmPlugin,
} from "../../src/plugin-api/index.js";
import { armLpaeConfig } from "./config.js";
import { ArmLpaeFormat } from "./descriptor-format.js";
import { REGIME_NAMES, regimeOf, regimeProblems } from "./regime.js";
import { armLpaeRegisters, decodeArmLpaeRegisters } from "./registers.js";
import { SMMU_PARAMS, smmuOptions, smmuStreamBits, validateSmmuParams } from "./smmu-params.js";
import { buildSmmuV2, lookupSmmuV2 } from "./smmu-v2.js";
import { buildSmmuV3, lookupSmmuV3 } from "./smmu-v3.js";

const ADDRESS_BITS = [32n, 36n, 40n, 42n, 44n, 48n] as const;

const radix: VcmPlugin = defineRadixPlugin({
  name: "arm-lpae",
  architecture: "aarch64",
  version: "1.0.0",
  description:
    "Arm VMSAv8-64 (LPAE) translation tables, stage 1 or 2 (CPU MMU, SMMUv3), as Linux io-pgtable-arm",
  params: {
    stage: {
      type: "int",
      description: "Translation stage: 1 (VA->PA) or 2 (IPA->PA)",
      default: 1n,
      values: [1n, 2n],
    },
    granule: {
      type: "size",
      description: "Translation granule (table and smallest page size)",
      default: 4096n,
      values: [4096n, 16384n, 65536n],
    },
    ias: {
      type: "int",
      description: "Input address bits (alias va-bits), default 48",
      min: 32n,
      max: 48n,
    },
    "va-bits": { type: "int", description: "Alias of ias", min: 32n, max: 48n },
    "va-bits-upper": {
      type: "int",
      description:
        "Stage 1 cpu MMUs: bits of the upper (TTBR1) half, [2^64 - 2^n, 2^64); absent: TTBR1 walks are disabled (EPD1)",
      min: 32n,
      max: 48n,
    },
    oas: {
      type: "int",
      description: "Output address bits (alias pa-bits), default 48; 52 needs the 64K granule",
      min: 32n,
      max: 52n,
    },
    "pa-bits": { type: "int", description: "Alias of oas", min: 32n, max: 52n },
    "page-sizes": {
      type: "size-list",
      description: "Restrict the page and block sizes used (default: all the granule allows)",
    },
    regime: {
      type: "word",
      description:
        "Stage 1 cpu MMUs: the translation regime the tables are for (el1 when absent; el2, el2-vhe, el3: their own descriptor rules and TTBR/TCR/MAIR/SCTLR_ELx)",
      values: REGIME_NAMES,
    },
    wxn: {
      type: "word",
      description:
        "With `regime`: `wxn on` makes the suggested SCTLR_ELx set WXN (writable memory is never executable); off when absent",
      values: ["on", "off"],
    },
    msi: {
      type: "range",
      description: "The SMMU's MSI doorbell window (a reserved IOVA range, never mapped for DMA)",
    },
    ...SMMU_PARAMS,
  },
  validate: validateArmLpae,
  capabilities: armLpaeCapabilities,
  format: ({ params }) => new ArmLpaeFormat(armLpaeConfig(params)),
  registers: (table, upper) =>
    armLpaeRegisters(
      armLpaeConfig(table.options.params),
      table.rootPa,
      table.domainId,
      upper && { cfg: armLpaeConfig(upper.options.params), rootPa: upper.rootPa },
    ),
});

const plugin: VcmPlugin = {
  ...radix,
  decodeRegisters: (params, registers) => decodeArmLpaeRegisters(armLpaeConfig(params), registers),
  // An iommu's devices: the SMMUv3 stream table (./smmu-v3.ts) or SMMUv2 registers (./smmu-v2.ts).
  bindsDevices: (params) => smmuOptions(params).model !== "none",
  bindsUntranslated: (params) => smmuOptions(params).model !== "none",
  bindDevices(memory, pool, params, bindings, untranslated = []) {
    if (smmuOptions(params).model === "mmu-500") {
      return { handle: { root: 0n }, registers: buildSmmuV2(params, bindings, untranslated) };
    }
    const { base, registers } = buildSmmuV3(memory, pool, params, bindings, untranslated);
    return { handle: { root: base }, registers };
  },
  lookupDevice(memory, params, registers, stream) {
    return smmuOptions(params).model === "mmu-500"
      ? lookupSmmuV2(params, registers, stream)
      : lookupSmmuV3(memory, params, registers, stream, walkStage2);
  },
};

export default plugin;

/** A nested STE's stage 2 (the mapper's stage-2 tables at S2TTB), walked from bytes. */
function walkStage2(memory: PhysicalMemory, params: PluginParams, root: bigint, ipa: bigint) {
  const size = 1n << BigInt(armLpaeConfig(params).ias);
  return radix.walk(memory, { params, root, registers: {}, aperture: { base: 0n, size } }, ipa);
}

function bits(params: PluginParams, key: string, alias: string): bigint | undefined {
  const a = params[key];
  const b = params[alias];
  return typeof a === "bigint" ? a : typeof b === "bigint" ? b : undefined;
}

function validateArmLpae(params: PluginParams): ParamProblem[] {
  const problems: ParamProblem[] = [...regimeProblems(params), ...validateSmmuParams(params)];
  for (const [key, alias] of [
    ["ias", "va-bits"],
    ["oas", "pa-bits"],
  ] as const) {
    const a = params[key];
    const b = params[alias];
    if (typeof a === "bigint" && typeof b === "bigint" && a !== b) {
      problems.push({
        key: alias,
        message: `'${alias}' ${b} contradicts '${key}' ${a} (they are aliases)`,
      });
    }
  }
  const granule = typeof params["granule"] === "bigint" ? params["granule"] : 4096n;
  const stage = params["stage"] === 2n ? 2 : 1;
  const ias = bits(params, "ias", "va-bits") ?? 48n;
  const oas = bits(params, "oas", "pa-bits") ?? 48n;
  if (oas === 52n && granule !== 65536n) {
    problems.push({ key: "oas", message: "52-bit output addresses need the 64K granule" });
  } else if (!ADDRESS_BITS.includes(oas as (typeof ADDRESS_BITS)[number]) && oas !== 52n) {
    problems.push({
      key: "oas",
      message: `output size ${oas} is not one of 32, 36, 40, 42, 44, 48, 52 bits`,
    });
  }
  if (stage === 2 && ias > oas) {
    // VTCR.T0SZ / SL0 must describe an IPA space the PA size can back.
    problems.push({
      key: "ias",
      message: `stage 2 input size ${ias} exceeds the output size ${oas}`,
    });
  }
  if (stage === 2 && typeof params["va-bits-upper"] === "bigint") {
    problems.push({
      key: "va-bits-upper",
      message: "stage 2 has no upper half (TTBR1 is a stage 1 register)",
    });
  }
  const restrict = params["page-sizes"];
  if (Array.isArray(restrict)) {
    const cfg = armLpaeConfig({ ...params, "page-sizes": false });
    for (const v of restrict) {
      if (typeof v !== "bigint" || !cfg.pageShifts.some((s) => 1n << BigInt(s) === v)) {
        problems.push({
          key: "page-sizes",
          message: `page size ${String(v)} is not available with a ${granule}-byte granule and ${ias}-bit input`,
        });
      }
    }
    if (armLpaeConfig(params).pageShifts.length === 0) {
      problems.push({ key: "page-sizes", message: "no usable page size is left" });
    }
  }
  return problems;
}

function armLpaeCapabilities(params: PluginParams): Capabilities {
  const cfg = armLpaeConfig(params);
  const vaUpper = params["va-bits-upper"];
  const upper = cfg.stage === 1 && typeof vaUpper === "bigint" ? Number(vaUpper) : undefined;
  const regime = cfg.stage === 1 ? regimeOf(params) : undefined;
  return {
    pageSizes: cfg.pageShifts.map((s) => 1n << BigInt(s)),
    inputBits: cfg.ias,
    outputBits: cfg.oas,
    levels: 4 - cfg.startLevel,
    granule: 1n << BigInt(cfg.granuleShift),
    perms: { read: true, write: true, exec: true, priv: cfg.stage === 1 },
    writeImpliesRead: cfg.stage === 1,
    execImpliesRead: cfg.stage === 1,
    ...(regime && !regime.twoPrivilegeLevels ? { privilegedOnly: true } : {}),
    ...(regime && cfg.regimeDeclared ? { regime: regime.label, writeExecNever: cfg.wxn } : {}),
    // AttrIndx (through MAIR) or MemAttr, SH[9:8], and at EL3 NS.
    attrs:
      ATTR_CACHEABLE |
      ATTR_DEVICE |
      ATTR_SHAREABLE_INNER |
      ATTR_SHAREABLE_OUTER |
      (regime?.secure ? ATTR_SECURE : 0),
    blocks: cfg.pageShifts.some((s) => s > cfg.granuleShift),
    partialUnmap: true,
    windows: false,
    entryBytes: 8,
    bigEndian: false,
    outside: "blocked",
    ...streamCaps(params),
    ...(upper !== undefined
      ? { upperHalf: { bits: upper, root: "own", params: upperParams(params, upper) } }
      : {}),
  };
}

/** The TTBR1 table: the same format with `va-bits-upper` input bits (T1SZ = 64 - bits). */
function upperParams(params: PluginParams, bits: number): PluginParams {
  const out: Record<string, PluginParams[string]> = { ...params, ias: BigInt(bits) };
  delete out["va-bits"];
  delete out["va-bits-upper"];
  return out;
}

/** The stream ids an SMMU binds; SMMUv3 gives each its own STE (SMMUv2 SMRs may be shared). */
function streamCaps(params: PluginParams): Pick<Capabilities, "streamBits" | "uniqueStreams"> {
  const bits = smmuStreamBits(params);
  if (bits === undefined) return {};
  return {
    streamBits: bits,
    ...(smmuOptions(params).model === "smmu-v3" ? { uniqueStreams: true } : {}),
  };
}
