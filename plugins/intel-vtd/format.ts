/**
 * Intel VT-d second-level paging as a radix format (VT-d spec ch. 9.8 "Second-Level Paging
 * Entries"; Linux drivers/iommu/intel/iommu.h DMA_PTE_*, iommu.c __domain_mapping/pfn_to_dma_pte).
 *
 * 8-byte entries, 512 per 4K table; AGAW 39/48/57 gives 3/4/5 levels. Bit 0 R, bit 1 W, bit 2 X,
 * bit 7 SP (superpage in SL-PDPE = 1G and SL-PDE = 2M), bit 11 SNP, address bits 51:12. An entry
 * is present when R or W is set (Linux dma_pte_present: `(val & 3) != 0`). The R and W of every
 * level combine (a table entry without W makes everything below it read-only); table entries are
 * written with R|W, exactly as Linux writes them (pfn_to_dma_pte: DMA_PTE_READ | DMA_PTE_WRITE),
 * so the leaf alone decides the rights of what VCM maps.
 */
import {
  ATTR_CACHEABLE,
  ATTR_DEVICE,
  MappingError,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  DESC_INVALID,
  DESC_LEAF,
  DESC_TABLE,
  decodedDescriptor,
  describeDecoded,
  nineBitLevels,
  pfnFromWords,
  writeTableAddress,
  type DecodedDescriptor,
  type RadixFormat,
} from "../../src/plugin-api/index.js";

export const VTD_R = 1 << 0;
export const VTD_W = 1 << 1;
/** Execute; honoured by hardware only when SLEE is enabled, recorded here as the mapping's intent. */
export const VTD_X = 1 << 2;
/** Superpage (DMA_PTE_LARGE_PAGE). */
export const VTD_SP = 1 << 7;
/** Snoop behaviour: force a snooped (cache-coherent) access (DMA_PTE_SNP). */
export const VTD_SNP = 1 << 11;

export const VTD_OUTPUT_BITS = 52;

/** Levels for an adjusted guest address width: 39 -> 3, 48 -> 4, 57 -> 5 (spec 3.6, 9.3 AW). */
export function vtdLevelsFor(agaw: number): number {
  return (agaw - 12) / 9;
}

/** SP is defined in SL-PDPE (1G) and SL-PDE (2M) only; SL-PML4E/PML5E never map pages. */
function vtdPageShifts(n: number): number[] {
  return n === 3 ? [30] : n === 2 ? [21] : n === 1 ? [12] : [];
}

/**
 * The VT-d second level format: its geometry and hooks as one object (as generic_pt's fmt/*.h).
 * Long on purpose: a format reads as one table of geometry and small hooks, each next to the
 * manual's bit layout.
 */
export function vtdFormat(agaw: 39 | 48 | 57): RadixFormat {
  const levels = vtdLevelsFor(agaw);
  const number = (level: number): number => levels - level;

  const decode = (level: number, lo: number, hi: number, out: DecodedDescriptor): void => {
    out.fault = undefined;
    if ((lo & (VTD_R | VTD_W)) === 0) {
      out.kind = DESC_INVALID;
      if (lo !== 0 || hi !== 0) out.fault = "not present (R=0, W=0)";
      return;
    }
    const n = number(level);
    const isLeaf = n === 1 || (lo & VTD_SP) !== 0;
    if (!isLeaf) {
      out.kind = DESC_TABLE;
      out.tablePa = pfnFromWords(lo, hi) * 4096;
      // Read and write are the AND of every level (spec 3.7.1). X is ignored without SLEE, which
      // legacy-mode context entries do not have: exec is not narrowed here.
      out.prot = (lo & VTD_R ? PROT_READ : 0) | (lo & VTD_W ? PROT_WRITE : 0) | PROT_EXEC;
      return;
    }
    if (n > 3) {
      out.kind = DESC_INVALID;
      out.fault = `SP=1 is reserved at second-level table level ${n}`;
      return;
    }
    const pageShift = 12 + 9 * (n - 1);
    const pfn = pfnFromWords(lo, hi);
    if (pfn % 2 ** (pageShift - 12) !== 0) {
      out.kind = DESC_INVALID;
      out.fault = "reserved address bits set in a superpage entry";
      return;
    }
    out.kind = DESC_LEAF;
    out.paPfn = pfn;
    out.pageShift = pageShift;
    out.prot =
      (lo & VTD_R ? PROT_READ : 0) | (lo & VTD_W ? PROT_WRITE : 0) | (lo & VTD_X ? PROT_EXEC : 0);
    out.attrs = lo & VTD_SNP ? ATTR_CACHEABLE : 0;
  };

  return {
    geometry: {
      levels: nineBitLevels(levels, vtdPageShifts),
      entryBytes: 8,
      bigEndian: false,
      inputBits: agaw,
      outputBits: VTD_OUTPUT_BITS,
    },

    leafTemplate(level, pageShift, prot, attrs, out): void {
      if ((prot & (PROT_READ | PROT_WRITE)) === 0) {
        // R=W=0 is the not-present encoding: such a mapping cannot exist.
        throw new MappingError(
          "no-permission",
          "a VT-d mapping needs r or w (R=W=0 is not present)",
        );
      }
      let lo = 0;
      if (prot & PROT_READ) lo |= VTD_R;
      if (prot & PROT_WRITE) lo |= VTD_W;
      if (prot & PROT_EXEC) lo |= VTD_X;
      if (number(level) > 1 && pageShift > 12) lo |= VTD_SP;
      // Snooping is for coherent RAM; device (MMIO) and non-cacheable memory stay unsnooped.
      if (attrs & ATTR_CACHEABLE && !(attrs & ATTR_DEVICE)) lo |= VTD_SNP;
      out.lo = lo;
      out.hi = 0;
    },

    tableDescriptor(_level, tablePa, out): void {
      writeTableAddress(tablePa, VTD_R | VTD_W, 0, out);
    },

    decode,

    describeDescriptor(level, lo, hi): string {
      const d = decodedDescriptor();
      decode(level, lo, hi, d);
      const name = `SL-L${number(level)}`;
      const flags =
        (lo & VTD_R ? " R" : "") +
        (lo & VTD_W ? " W" : "") +
        (lo & VTD_X ? " X" : "") +
        (lo & VTD_SP ? " SP" : "") +
        (lo & VTD_SNP ? " SNP" : "");
      return describeDecoded(name, d, flags);
    },
  };
}
