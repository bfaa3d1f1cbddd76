/**
 * `arm-v7s`: the ARMv7 short-descriptor format as Linux io-pgtable-arm-v7s.c uses it for
 * IOMMUs (MediaTek M4U, Arm SMMU AArch32 short format). 32-bit IOVA, 32-bit PA, pages of
 * 4K/64K/1M/16M. The format itself is in ./format.ts; the radix engine does the rest.
 */
import {
  ATTR_CACHEABLE,
  ATTR_DEVICE,
  ATTR_SHAREABLE_INNER,
  defineRadixPlugin,
  type Capabilities,
  type PluginParams,
  type VcmPlugin,
} from "../../src/plugin-api/index.js";
import { v7sFormat, v7sRegisters } from "./format.js";

const ALL_PAGE_SIZES = [0x1000n, 0x10000n, 0x100000n, 0x1000000n] as const;

function pageSizesOf(params: PluginParams): bigint[] {
  const v = params["page-sizes"];
  if (!Array.isArray(v)) return [...ALL_PAGE_SIZES];
  return v
    .filter((x): x is bigint => typeof x === "bigint")
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const radix: VcmPlugin = defineRadixPlugin({
  name: "arm-v7s",
  architecture: "arm",
  version: "1.0.0",
  description: "ARMv7 short-descriptor page tables (io-pgtable-arm-v7s): 4K/64K/1M/16M pages",
  params: {
    "page-sizes": {
      type: "size-list",
      description:
        "Page sizes the IOMMU supports (Linux: supersections only when SZ_16M is in the bitmap)",
      default: [...ALL_PAGE_SIZES],
      values: [...ALL_PAGE_SIZES],
    },
  },
  validate(params) {
    const sizes = pageSizesOf(params);
    if (!sizes.includes(0x1000n)) {
      return [{ key: "page-sizes", message: "4K pages are required (the L2 granule)" }];
    }
    return [];
  },
  capabilities(params): Capabilities {
    return {
      pageSizes: pageSizesOf(params),
      inputBits: 32,
      outputBits: 32,
      levels: 2,
      granule: 0x1000n,
      perms: { read: true, write: true, exec: true, priv: true },
      // TEX[0]:C:B through PRRR/NMRR, and S (outer shareability is not expressible).
      attrs: ATTR_CACHEABLE | ATTR_DEVICE | ATTR_SHAREABLE_INNER,
      // The AP[2:1] model has no write-only encoding: AP[2]=0 grants read and write.
      writeImpliesRead: true,
      execImpliesRead: true,
      blocks: true,
      partialUnmap: true,
      windows: false,
      entryBytes: 4,
      bigEndian: false,
    };
  },
  format: ({ params }) => v7sFormat(pageSizesOf(params).map((s) => s.toString(2).length - 1)),
  registers: (table) => v7sRegisters(table.root),
});

const armV7s: VcmPlugin = {
  ...radix,
  create(memory, pool, options) {
    const handle = radix.create(memory, pool, options);
    // TTBR0 and L1 table descriptors hold 32-bit addresses.
    if (handle.root + 0x4000n > 1n << 32n) {
      throw new RangeError(
        `arm-v7s: the L1 table at 0x${handle.root.toString(16)} is above 4G; give this IOMMU a pool below 4G`,
      );
    }
    return handle;
  },
};

export default armV7s;
