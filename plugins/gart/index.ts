/**
 * `gart`: a flat aperture remapping table (AMD K8 GART as Linux amd_gart_64.c drives it; the
 * same shape as AGP GATTs and Calgary-like remappers). One level of 32-bit entries, one per 4K
 * page of the aperture. Outside the aperture an access is either passed through untranslated
 * (K8: the GART only decodes its aperture) or blocked, per the `outside` parameter.
 */
import {
  ATTR_CACHEABLE,
  defineRadixPlugin,
  PROT_READ,
  PROT_WRITE,
  type Capabilities,
  type ParamProblem,
  type PluginParams,
  type TableContext,
  type VcmPlugin,
  type WalkResult,
} from "../../src/plugin-api/index.js";
import { GART_OUTPUT_BITS, gartFormat, gartRegisters } from "./format.js";

const MIN_APERTURE = 32n << 20n; // order 0 of GARTAPERTURECTL
const MAX_APERTURE = 2n << 30n; // order 6; Linux also refuses apertures beyond 4G
const FOUR_G = 1n << 32n;

function apertureOf(params: PluginParams): { base: bigint; size: bigint } {
  const v = params["aperture"];
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    return { base: v.base, size: v.size };
  }
  throw new RangeError("gart: the `aperture` parameter is required");
}

function outsideOf(params: PluginParams): "passthrough" | "blocked" {
  return params["outside"] === "blocked" ? "blocked" : "passthrough";
}

/** The K8 limits on an aperture (aperture_64.c aperture_valid, GARTAPERTURECTL/BASE fields). */
export function apertureProblems(aperture: { base: bigint; size: bigint }): string[] {
  const { base, size } = aperture;
  const problems: string[] = [];
  if ((size & (size - 1n)) !== 0n || size < MIN_APERTURE || size > MAX_APERTURE) {
    problems.push("aperture size must be a power of two from 32M to 2G (32M << order)");
  } else if (base % size !== 0n) {
    problems.push("aperture base must be aligned to the aperture size");
  }
  if (base + size > FOUR_G) problems.push("aperture must lie below 4G");
  return problems;
}

const radix = defineRadixPlugin({
  name: "gart",
  architecture: "x86-64",
  version: "1.0.0",
  description: "Flat GART aperture remapping table (AMD K8 GART / AGP GATT): 4K pages, no rights",
  params: {
    aperture: {
      type: "range",
      description:
        "The bus-address aperture the GART remaps (32M << order, size-aligned, below 4G)",
      required: true,
    },
    outside: {
      type: "word",
      description: "What a device reaches outside the aperture: untranslated memory, or nothing",
      values: ["passthrough", "blocked"],
      default: "passthrough",
    },
  },
  validate(params): ParamProblem[] {
    const v = params["aperture"];
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      return [{ key: "aperture", message: "the aperture is required" }];
    }
    return apertureProblems(v).map((message) => ({ key: "aperture", message }));
  },
  capabilities(params): Capabilities {
    return {
      pageSizes: [0x1000n],
      inputBits: 32,
      outputBits: GART_OUTPUT_BITS,
      levels: 1,
      granule: 0x1000n,
      // No permission bits: read and write cannot be told apart, a valid entry grants both.
      perms: { read: true, write: false, exec: false, priv: false },
      // GPTE_COHERENT (snoop the CPU caches) for cacheable memory.
      attrs: ATTR_CACHEABLE,
      writeImpliesRead: true,
      readImpliesWrite: true,
      blocks: false,
      partialUnmap: false,
      windows: false,
      entryBytes: 4,
      bigEndian: false,
      outside: outsideOf(params),
    };
  },
  format: ({ params }) => gartFormat(apertureOf(params)),
  registers: (table) => gartRegisters(table.root, apertureOf(table.options.params)),
});

function insideAperture(context: TableContext, iova: bigint): boolean {
  const a = apertureOf(context.params);
  return iova >= a.base && iova < a.base + a.size;
}

const gart: VcmPlugin = {
  ...radix,
  walk(memory, context, iova): WalkResult {
    if (insideAperture(context, iova)) return radix.walk(memory, context, iova);
    if (outsideOf(context.params) === "blocked" || iova < 0n || iova >= 1n << 40n) {
      return {
        ok: false,
        level: 1,
        reason: `0x${iova.toString(16)} is outside the GART aperture (blocked)`,
        steps: [],
      };
    }
    // Outside the aperture the GART does not translate: the access goes straight to memory.
    return {
      ok: true,
      pa: iova,
      prot: PROT_READ | PROT_WRITE,
      attrs: 0,
      pageSize: 0x1000n,
      steps: [],
    };
  },
};

export default gart;
