/**
 * x86-64 4- and 5-level paging as a radix format (Intel SDM vol. 3A ch. 4.5 "4-Level Paging and
 * 5-Level Paging"; Linux arch/x86/include/asm/pgtable_types.h). The same entries serve as VT-d
 * first-level and AMD v2 tables.
 *
 * Every entry is 8 bytes, 512 per 4K table, 9 index bits per level. Leaves: PTE (4K), PDE with
 * PS (2M), PDPTE with PS (1G). Access rights are the AND of every level's R/W and U/S and the OR of
 * XD (SDM 4.6): decode reports them for table entries too, and the engine combines the levels.
 * Table entries are written fully permissive (P|RW|US|A) so the leaf alone decides, as Linux's
 * intel first-level code does (drivers/iommu/intel/iommu.c: intermediate entries get
 * DMA_PTE_READ|DMA_PTE_WRITE|DMA_FL_PTE_US|DMA_FL_PTE_ACCESS).
 */
import {
  ATTR_CACHEABLE,
  ATTR_DEVICE,
  ATTR_OTHER_TYPE,
  MappingError,
  PROT_EXEC,
  PROT_PRIV,
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
  type DescriptorWords,
  type RadixFormat,
} from "../../src/plugin-api/index.js";

// Low-word bits (SDM table 4-15 .. 4-20).
export const X86_P = 1 << 0;
export const X86_RW = 1 << 1;
export const X86_US = 1 << 2;
export const X86_PWT = 1 << 3;
export const X86_PCD = 1 << 4;
export const X86_A = 1 << 5;
export const X86_D = 1 << 6;
/** Page size in a PDPTE / PDE; the PAT bit in a 4K PTE. */
export const X86_PS = 1 << 7;
/** PAT in a 2M/1G leaf (PDE/PDPTE with PS): bit 12, the lowest address bit of a 4K frame. */
export const X86_PAT_LARGE = 1 << 12;

/** IA32_PAT memory-type encodings (SDM table 12-10). */
export const PAT_UC = 0x00;
export const PAT_WC = 0x01;
export const PAT_WT = 0x04;
export const PAT_WP = 0x05;
export const PAT_WB = 0x06;
export const PAT_UC_MINUS = 0x07;

/**
 * The IA32_PAT value the format programs: Linux's (arch/x86/mm/pat/memtype.c pat_bp_init):
 * entries 0-7 = WB, WC, UC-, UC, WB, WP, UC-, WT. Leaves select entry PAT:PCD:PWT; VCM writes
 * entry 0 (WB) for cacheable, 2 (UC-) for noncacheable and 3 (UC) for device memory.
 */
export const X86_PAT_VALUE = [
  PAT_WB,
  PAT_WC,
  PAT_UC_MINUS,
  PAT_UC,
  PAT_WB,
  PAT_WP,
  PAT_UC_MINUS,
  PAT_WT,
]
  .map((t, i) => BigInt(t) << BigInt(8 * i))
  .reduce((a, b) => a | b, 0n);

const PAT_ENTRIES = Array.from({ length: 8 }, (_, i) =>
  Number((X86_PAT_VALUE >> BigInt(8 * i)) & 0xffn),
);
const PAT_NAMES: Record<number, string> = { 0: "UC", 1: "WC", 4: "WT", 5: "WP", 6: "WB", 7: "UC-" };

/** ATTR_* of a PAT memory type: WB cacheable, UC- noncacheable, UC device; WC/WT/WP other. */
export function patTypeAttrs(type: number): number {
  return type === PAT_WB
    ? ATTR_CACHEABLE
    : type === PAT_UC_MINUS
      ? 0
      : type === PAT_UC
        ? ATTR_DEVICE
        : ATTR_OTHER_TYPE;
}

/** The PAT entry a leaf selects (SDM 4.9.2): PAT (bit 7 of a PTE, 12 of a large leaf), PCD, PWT. */
export function patIndex(lo: number, large: boolean): number {
  const pat = (lo & (large ? X86_PAT_LARGE : X86_PS)) !== 0 ? 4 : 0;
  return pat | (lo & X86_PCD ? 2 : 0) | (lo & X86_PWT ? 1 : 0);
}

/** XD (execute-disable) is bit 63: bit 31 of the high word. Needs IA32_EFER.NXE. */
export const X86_XD_HI = 0x8000_0000;

/** Table entries: P|RW|US|A (Linux intel first-level intermediate entries). */
const TABLE_LO = X86_P | X86_RW | X86_US | X86_A;

export const X86_OUTPUT_BITS = 52;

/** PDPTE (level 3) maps 1G, PDE (level 2) maps 2M, PTE (level 1) maps 4K; PML4E/PML5E never. */
function x86PageShifts(n: number): number[] {
  return n === 3 ? [30] : n === 2 ? [21] : n === 1 ? [12] : [];
}

const LEVEL_NAMES: Record<number, string> = {
  5: "PML5E",
  4: "PML4E",
  3: "PDPTE",
  2: "PDE",
  1: "PTE",
};

/**
 * The x86-64 format: its geometry and hooks as one object (as generic_pt's fmt/*.h).
 * Long on purpose: a format reads as one table of geometry and small hooks, each next to the
 * manual's bit layout.
 */
export function x86Format(levels: 4 | 5): RadixFormat {
  const geometryLevels = nineBitLevels(levels, x86PageShifts);
  const number = (level: number): number => levels - level;

  const decode = (level: number, lo: number, hi: number, out: DecodedDescriptor): void => {
    out.fault = undefined;
    if ((lo & X86_P) === 0) {
      out.kind = DESC_INVALID;
      if (lo !== 0 || hi !== 0) out.fault = "not present (P=0)";
      return;
    }
    const n = number(level);
    const isLeaf = n === 1 || (lo & X86_PS) !== 0;
    if (!isLeaf) {
      out.kind = DESC_TABLE;
      out.tablePa = pfnFromWords(lo, hi) * 4096;
      // SDM 4.6: rights are the AND of R/W and U/S over every level, XD the OR (EFER.NXE is set).
      out.prot =
        PROT_READ |
        (lo & X86_RW ? PROT_WRITE : 0) |
        (hi & X86_XD_HI ? 0 : PROT_EXEC) |
        (lo & X86_US ? 0 : PROT_PRIV);
      return;
    }
    if (n > 3) {
      out.kind = DESC_INVALID;
      out.fault = `PS=1 is reserved in a ${LEVEL_NAMES[n]}`;
      return;
    }
    const pageShift = 12 + 9 * (n - 1);
    let pfn = pfnFromWords(lo, hi);
    if (n > 1) {
      // Bit 12 is PAT in a large leaf; bits pageShift-1..13 are reserved (SDM table 4-17/4-18).
      const pfnMask = 2 ** (pageShift - 12);
      if (pfn % pfnMask > 1) {
        out.kind = DESC_INVALID;
        out.fault = "reserved address bits set in a large-page entry";
        return;
      }
      pfn -= pfn % pfnMask;
    }
    out.kind = DESC_LEAF;
    out.paPfn = pfn;
    out.pageShift = pageShift;
    out.prot =
      PROT_READ |
      (lo & X86_RW ? PROT_WRITE : 0) |
      (hi & X86_XD_HI ? 0 : PROT_EXEC) |
      (lo & X86_US ? 0 : PROT_PRIV);
    // The memory type is the programmed PAT's entry PAT:PCD:PWT (MTRRs are not modelled).
    out.attrs = patTypeAttrs(PAT_ENTRIES[patIndex(lo, n > 1)]!);
  };

  return {
    geometry: {
      levels: geometryLevels,
      entryBytes: 8,
      bigEndian: false,
      inputBits: 12 + 9 * levels,
      outputBits: X86_OUTPUT_BITS,
    },

    leafTemplate(level, pageShift, prot, attrs, out: DescriptorWords): void {
      if ((prot & (PROT_READ | PROT_WRITE)) === 0) {
        throw new MappingError(
          "no-permission",
          "x86-64 paging cannot map a page with neither r nor w",
        );
      }
      const n = number(level);
      let lo = X86_P | X86_A;
      // Writable pages are pre-dirtied, as Linux does for first-level IOMMU tables
      // (DMA_FL_PTE_DIRTY when DMA_PTE_WRITE), so no hardware write-back to the tables is needed.
      if (prot & PROT_WRITE) lo |= X86_RW | X86_D;
      if ((prot & PROT_PRIV) === 0) lo |= X86_US;
      if (attrs & ATTR_DEVICE) lo |= X86_PCD | X86_PWT;
      else if ((attrs & ATTR_CACHEABLE) === 0) lo |= X86_PCD;
      if (n > 1 && pageShift > 12) lo |= X86_PS;
      out.lo = lo >>> 0;
      out.hi = prot & PROT_EXEC ? 0 : X86_XD_HI;
    },

    tableDescriptor(_level, tablePa, out): void {
      writeTableAddress(tablePa, TABLE_LO, 0, out);
    },

    decode,

    describeDescriptor(level, lo, hi): string {
      const d = decodedDescriptor();
      decode(level, lo, hi, d);
      const n = number(level);
      const name = LEVEL_NAMES[n] ?? `L${n}`;
      const entry = patIndex(lo, n > 1);
      const pat = d.kind === DESC_LEAF ? ` PAT[${entry}]=${PAT_NAMES[PAT_ENTRIES[entry]!]}` : "";
      const flags =
        (lo & X86_RW ? " RW" : " RO") +
        (lo & X86_US ? " US" : " S") +
        (lo & X86_PWT ? " PWT" : "") +
        (lo & X86_PCD ? " PCD" : "") +
        (lo & X86_A ? " A" : "") +
        (lo & X86_D && d.kind === DESC_LEAF ? " D" : "") +
        (hi & X86_XD_HI ? " XD" : "") +
        pat;
      return describeDecoded(name, d, flags);
    },
  };
}
