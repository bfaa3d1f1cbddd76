/**
 * `direct`: no IOMMU. A device reaches memory through the bus's dma-ranges: a fixed offset
 * (pa = bus address + `offset`), bounded by the bus's DMA mask. There are no tables (levels 0):
 * `create` allocates nothing and returns root 0; `map` only checks that the request is what the
 * fixed window already provides; `unmap` can revoke nothing and so returns 0.
 */
import {
  PLUGIN_API_VERSION,
  PROT_READ,
  PROT_WRITE,
  MappingError,
  type Capabilities,
  type CreateOptions,
  type LeafVisitor,
  type ParamProblem,
  type PhysicalMemory,
  type PluginParams,
  type PoolAllocator,
  type TableContext,
  type TableHandle,
  type VcmPlugin,
  type WalkResult,
} from "../../src/plugin-api/index.js";

const PAGE = 4096n;
const PA_LIMIT = 1n << 64n;

interface DirectHandle extends TableHandle {
  readonly offset: bigint;
  readonly dmaBits: number;
  readonly aperture: { base: bigint; size: bigint };
}

function offsetOf(params: PluginParams): bigint {
  const v = params["offset"];
  return typeof v === "bigint" ? v : 0n;
}

function dmaBitsOf(params: PluginParams): number {
  const v = params["dma-bits"];
  return typeof v === "bigint" ? Number(v) : 64;
}

/**
 * The bus-address window a device can reach: the aperture, cut to the DMA mask and to the bus
 * addresses whose pa (bus + offset) lies in [0, 2^64). Empty when end <= base.
 */
export function directWindow(
  aperture: { base: bigint; size: bigint },
  offset: bigint,
  dmaBits: number,
): { base: bigint; end: bigint } {
  let base = aperture.base;
  let end = aperture.base + aperture.size;
  const maskEnd = 1n << BigInt(dmaBits);
  if (end > maskEnd) end = maskEnd;
  if (base < -offset) base = -offset;
  if (end > PA_LIMIT - offset) end = PA_LIMIT - offset;
  return { base, end };
}

/** The whole reachable input space when a context has no narrower aperture. */
function windowFor(context: TableContext): { base: bigint; end: bigint } {
  return directWindow(context.aperture, offsetOf(context.params), dmaBitsOf(context.params));
}

const direct: VcmPlugin = {
  name: "direct",
  version: "1.0.0",
  apiVersion: PLUGIN_API_VERSION,
  description:
    "No IOMMU: bus address = pa - offset (dma-ranges), bounded by the bus DMA mask; no tables",
  params: {
    offset: {
      type: "int",
      description: "Bus offset: the device's bus address B reaches physical address B + offset",
      default: 0n,
    },
    "dma-bits": {
      type: "int",
      description: "Address bits the bus carries (the DMA mask): bus addresses >= 2^bits fault",
      default: 64n,
      min: 1n,
      max: 64n,
    },
  },

  validate(params: PluginParams): ParamProblem[] {
    const problems: ParamProblem[] = [];
    const offset = offsetOf(params);
    if (offset % PAGE !== 0n) {
      problems.push({ key: "offset", message: "offset must be a multiple of 4K" });
    }
    if (offset <= -PA_LIMIT || offset >= PA_LIMIT) {
      problems.push({ key: "offset", message: "offset must lie within +/- 2^64" });
    }
    return problems;
  },

  capabilities(params: PluginParams): Capabilities {
    const bits = dmaBitsOf(params);
    return {
      pageSizes: [PAGE],
      inputBits: bits,
      outputBits: 64,
      levels: 0,
      granule: PAGE,
      // No permission bits at all: everything in the window is readable and writable.
      perms: { read: false, write: false, exec: false, priv: false },
      blocks: false,
      partialUnmap: false,
      windows: false,
      entryBytes: 8,
      bigEndian: false,
    };
  },

  create(_memory: PhysicalMemory, _pool: PoolAllocator, options: CreateOptions): TableHandle {
    const handle: DirectHandle = {
      root: 0n,
      name: options.name,
      offset: offsetOf(options.params),
      dmaBits: dmaBitsOf(options.params),
      aperture: options.aperture,
    };
    return handle;
  },

  map(handle, iova, pa, pageSize, count, prot): void {
    const h = handle as DirectHandle;
    if ((prot & (PROT_READ | PROT_WRITE)) === 0) {
      throw new MappingError("no-permission", "a mapping needs read or write access");
    }
    if (pageSize !== PAGE) {
      throw new MappingError("unsupported-size", `direct maps only 4K pages, not ${pageSize}`);
    }
    if (iova % PAGE !== 0n || pa % PAGE !== 0n) {
      throw new MappingError("unaligned", "iova and pa must be 4K aligned");
    }
    const size = BigInt(count) * PAGE;
    const w = directWindow(h.aperture, h.offset, h.dmaBits);
    if (iova < w.base || iova + size > w.end) {
      throw new MappingError(
        "out-of-range",
        `bus range 0x${iova.toString(16)}+0x${size.toString(16)} is outside the DMA window`,
      );
    }
    if (pa !== iova + h.offset) {
      throw new MappingError(
        "invalid",
        `without an IOMMU bus address 0x${iova.toString(16)} always reaches ` +
          `0x${(iova + h.offset).toString(16)}, not 0x${pa.toString(16)}`,
      );
    }
  },

  unmap(): bigint {
    // Nothing can be revoked: the window stays reachable.
    return 0n;
  },

  registers(handle): Record<string, bigint> {
    const h = handle as DirectHandle;
    return { DMA_OFFSET: h.offset, DMA_BITS: BigInt(h.dmaBits) };
  },

  walk(_memory: PhysicalMemory, context: TableContext, iova: bigint): WalkResult {
    const w = windowFor(context);
    if (iova < w.base || iova >= w.end) {
      return {
        ok: false,
        level: 0,
        reason: `bus address 0x${iova.toString(16)} is outside the DMA window`,
        steps: [],
      };
    }
    return {
      ok: true,
      pa: iova + offsetOf(context.params),
      prot: PROT_READ | PROT_WRITE,
      attrs: 0,
      pageSize: PAGE,
      steps: [],
    };
  },

  leaves(_memory: PhysicalMemory, context: TableContext, visit: LeafVisitor): void {
    // The fixed window, whole 4K pages only (the window's edges are page-aligned in practice).
    const w = windowFor(context);
    const first = (w.base + PAGE - 1n) / PAGE;
    const end = w.end / PAGE;
    if (end <= first) return;
    const offsetPages = offsetOf(context.params) / PAGE;
    visit(
      Number(first),
      Number(first + offsetPages),
      Number(end - first),
      PROT_READ | PROT_WRITE,
      0,
      12,
    );
  },

  tables(): void {
    // No table pages.
  },

  describe(_memory: PhysicalMemory, context: TableContext): string {
    const w = windowFor(context);
    const offset = offsetOf(context.params);
    if (w.end <= w.base) return "direct: empty DMA window\n";
    return (
      `direct: bus 0x${w.base.toString(16)}..0x${(w.end - 1n).toString(16)} -> ` +
      `pa 0x${(w.base + offset).toString(16)}..0x${(w.end - 1n + offset).toString(16)} ` +
      `(offset ${offset < 0n ? "-" : ""}0x${(offset < 0n ? -offset : offset).toString(16)}, ` +
      `${dmaBitsOf(context.params)}-bit mask)\n`
    );
  },
};

export default direct;
