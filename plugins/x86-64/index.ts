/**
 * `x86-64`: x86-64 CPU paging, 4 or 5 levels (Intel SDM vol. 3A ch. 4.5), 4K/2M/1G pages. The
 * same format serves VT-d first-level and AMD v2 (guest) tables. Built on the radix engine; the
 * format hooks are in ./format.ts.
 */
import {
  ATTR_CACHEABLE,
  ATTR_DEVICE,
  defineRadixPlugin,
  type Capabilities,
  type PluginParams,
  type VcmPlugin,
} from "../../src/plugin-api/index.js";
import { X86_OUTPUT_BITS, X86_PAT_VALUE, x86Format } from "./format.js";

/** CR4.PAE (bit 5): required by IA-32e paging. CR4.LA57 (bit 12): 5-level paging. */
export const CR4_PAE = 1n << 5n;
export const CR4_LA57 = 1n << 12n;
/** IA32_EFER.LME (bit 8), LMA (bit 10), NXE (bit 11: makes bit 63 XD instead of reserved). */
export const EFER_LME = 1n << 8n;
export const EFER_LMA = 1n << 10n;
export const EFER_NXE = 1n << 11n;

function levelsOf(params: PluginParams): 4 | 5 {
  return params["levels"] === 5n ? 5 : 4;
}

function capabilities(params: PluginParams): Capabilities {
  const levels = levelsOf(params);
  return {
    pageSizes: [1n << 12n, 1n << 21n, 1n << 30n],
    inputBits: 12 + 9 * levels,
    outputBits: X86_OUTPUT_BITS,
    levels,
    granule: 4096n,
    // Every present page is readable: read cannot be withheld, write-only widens to read-write.
    perms: { read: false, write: true, exec: true, priv: true },
    writeImpliesRead: true,
    // The memory type through IA32_PAT; x86 has no shareability (it is coherent).
    attrs: ATTR_CACHEABLE | ATTR_DEVICE,
    blocks: true,
    partialUnmap: true,
    windows: false,
    entryBytes: 8,
    bigEndian: false,
    // Canonical addresses (SDM 3.3.7.1): bits 63:n-1 equal; PML4E/PML5E 256..511 are the upper half.
    upperHalf: { bits: 12 + 9 * levels - 1, root: "shared" },
  };
}

const radix = defineRadixPlugin({
  name: "x86-64",
  architecture: "x86-64",
  version: "1.0.0",
  description: "x86-64 paging (4- or 5-level, 4K/2M/1G pages; also VT-d first-level / AMD v2)",
  params: {
    levels: {
      type: "int",
      description: "Paging levels: 4 (48-bit VA, CR4.LA57=0) or 5 (57-bit VA, CR4.LA57=1)",
      default: 4n,
      values: [4n, 5n],
    },
  },
  capabilities,
  format: ({ params }) => x86Format(levelsOf(params)),
  registers(table) {
    const five = table.format.geometry.levels.length === 5;
    return {
      // CR3 bits 51:12 hold the root; PCD/PWT (bits 4/3) stay 0 so walks are write-back.
      CR3: table.root,
      CR4: CR4_PAE | (five ? CR4_LA57 : 0n),
      EFER: EFER_LME | EFER_LMA | EFER_NXE,
      // The PAT the leaves' PAT/PCD/PWT index (Linux's; see format.ts).
      IA32_PAT: X86_PAT_VALUE,
    };
  },
});

/** CR3 bits 51:12 hold the root (SDM 4.5.2); CR4.LA57 selects 57-bit (5-level) addresses. */
const CR3_ROOT = 0x000f_ffff_ffff_f000n;

const x86_64: VcmPlugin = {
  ...radix,
  decodeRegisters(_params, registers) {
    const cr3 = registers["CR3"];
    if (cr3 === undefined) return undefined;
    const cr4 = registers["CR4"] ?? 0n;
    // One table walks both canonical halves.
    const half = { root: cr3 & CR3_ROOT, bits: cr4 & CR4_LA57 ? 57 : 48, granule: 4096n };
    return { lower: half, upper: { ...half } };
  },
};

export default x86_64;
