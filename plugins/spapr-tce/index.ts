/**
 * `spapr-tce`: POWER (PowerNV IODA2 / sPAPR) TCE tables. Every DMA window is a table of its own:
 * the default 32-bit window at bus 0 and dynamic windows (e.g. at 1<<59), each with its own page
 * size (4K/64K/16M) and 1..5 levels. The format is in ./format.ts; the radix engine does the rest.
 */
import {
  defineRadixPlugin,
  type Capabilities,
  type ParamProblem,
  type PluginParams,
  type VcmPlugin,
} from "../../src/plugin-api/index.js";
import { TCE_MAX_LEVELS, TCE_OUTPUT_BITS, tceFormat, tceShape, type TceWindow } from "./format.js";

const DEFAULT_PAGE_SIZES = [0x1000n, 0x1_0000n, 0x100_0000n];

function pageSizesOf(params: PluginParams): bigint[] {
  const v = params["page-sizes"];
  if (!Array.isArray(v)) return [...DEFAULT_PAGE_SIZES];
  return v
    .filter((x): x is bigint => typeof x === "bigint")
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function maxLevelsOf(params: PluginParams): number {
  const v = params["max-levels"];
  return typeof v === "bigint" ? Number(v) : TCE_MAX_LEVELS;
}

function roundUpPow2(v: bigint): bigint {
  let p = 1n;
  while (p < v) p <<= 1n;
  return p;
}

/**
 * The window a table serves: the one given, or else a default window covering the aperture
 * (size rounded up to a power of two) with the smallest page size and one level, like the
 * kernel's default 32-bit window.
 */
export function resolveWindow(
  params: PluginParams,
  aperture: { base: bigint; size: bigint },
  window: TceWindow | undefined,
): TceWindow {
  if (window) return window;
  return {
    base: aperture.base,
    size: roundUpPow2(aperture.size),
    pageSize: pageSizesOf(params)[0] ?? 0x1000n,
    levels: 1,
  };
}

/** Problems with a window under these params (empty when the kernel would accept it). */
export function windowProblems(params: PluginParams, window: TceWindow): string[] {
  const problems: string[] = [];
  if (!pageSizesOf(params).includes(window.pageSize)) {
    problems.push(`page size 0x${window.pageSize.toString(16)} is not in page-sizes`);
  }
  if (window.levels > maxLevelsOf(params)) {
    problems.push(`${window.levels} levels exceed max-levels ${maxLevelsOf(params)}`);
  }
  const shape = tceShape(window);
  if (typeof shape === "string") problems.push(shape);
  return problems;
}

const spaprTce: VcmPlugin = defineRadixPlugin({
  name: "spapr-tce",
  architecture: "ppc64",
  version: "1.0.0",
  description:
    "POWER TCE tables (PowerNV IODA2 / sPAPR): big-endian 64-bit TCEs, one table per DMA window",
  params: {
    "page-sizes": {
      type: "size-list",
      description: "IOMMU page sizes a window may use",
      default: [...DEFAULT_PAGE_SIZES],
      values: [0x1000n, 0x1_0000n, 0x20_0000n, 0x100_0000n, 0x1000_0000n, 0x4000_0000n],
    },
    "max-levels": {
      type: "int",
      description: "Most TCE table levels a window may use (POWERNV_IOMMU_MAX_LEVELS = 5)",
      default: BigInt(TCE_MAX_LEVELS),
      min: 1n,
      max: BigInt(TCE_MAX_LEVELS),
    },
  },
  validate(params): ParamProblem[] {
    const sizes = pageSizesOf(params);
    if (sizes.length === 0) return [{ key: "page-sizes", message: "at least one page size" }];
    return sizes
      .filter((s) => s < 0x1000n || (s & (s - 1n)) !== 0n)
      .map((s) => ({
        key: "page-sizes",
        message: `page size 0x${s.toString(16)} is not a power of two >= 4K`,
      }));
  },
  capabilities(params): Capabilities {
    return {
      pageSizes: pageSizesOf(params),
      inputBits: 64,
      outputBits: TCE_OUTPUT_BITS,
      levels: maxLevelsOf(params),
      granule: 0x1000n,
      perms: { read: true, write: true, exec: false, priv: false },
      writeImpliesRead: true,
      blocks: false,
      partialUnmap: false,
      windows: true,
      entryBytes: 8,
      bigEndian: true,
    };
  },
  format({ params, aperture, window }) {
    const w = resolveWindow(params, aperture, window);
    const problems = windowProblems(params, w);
    const shape = tceShape(w);
    if (problems.length > 0 || typeof shape === "string") {
      throw new RangeError(
        `spapr-tce window 0x${w.base.toString(16)}+0x${w.size.toString(16)}: ${problems.join("; ")}`,
      );
    }
    return tceFormat(w, shape);
  },
  registers(table) {
    const o = table.options;
    const w = resolveWindow(o.params, o.aperture, o.window);
    const shape = tceShape(w);
    if (typeof shape === "string") throw new RangeError(shape);
    // What opal_pci_map_pe_dma_window() is given (pnv_pci_ioda2_set_window), plus the geometry
    // a walker needs: levels, TCE table size, page size, bus offset.
    return {
      TVE_TABLE_ADDR: table.root,
      TVE_LEVELS: BigInt(w.levels),
      TVE_TABLE_SIZE: BigInt(shape.tableBytes),
      TVE_LEVEL_SIZE: BigInt(shape.levelBytes),
      TVE_PAGE_SIZE: w.pageSize,
      TVE_BUS_OFFSET: w.base,
      WINDOW_SIZE: w.size,
    };
  },
});

export default spaprTce;
