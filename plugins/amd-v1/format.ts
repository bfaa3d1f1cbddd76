/**
 * AMD IOMMU v1 host page tables as a radix format (AMD IOMMU spec 2.2.3 "I/O Page Tables for Host
 * Translations"; Linux drivers/iommu/amd/io_pgtable.c, amd_iommu_types.h).
 *
 * 8-byte entries, 512 per 4K table, 1..6 levels (level n's entries cover 2^(12+9(n-1)) bytes).
 * Bit 0 PR, bits 11:9 NextLevel, bits 51:12 address, bit 60 FC, bit 61 IR, bit 62 IW.
 * - A PDE has NextLevel = the level of the table it points to (PM_LEVEL_PDE). Its IR/IW limit
 *   everything below it (the rights of all levels are ANDed); Linux writes IR|IW on PDEs so the
 *   leaf alone decides the rights of what it maps. We never skip levels.
 * - A PTE with NextLevel 0 maps the level's default page size (4K, 2M, 1G, ...).
 * - A PTE with NextLevel 7 maps a larger power of two inside the level: 2^k bytes take
 *   2^((k-12) % 9) identical replicated entries, and the size is encoded in the address bits
 *   (PAGE_SIZE_PTE: bits 12..k-2 set, bit k-1 clear; PTE_PAGE_SIZE reads it back).
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
  nineBitLevels,
  pfnFromWords,
  writeTableAddress,
  type DecodedDescriptor,
  type RadixFormat,
} from "../../src/plugin-api/index.js";

export const AMD_PR = 1 << 0;
export const AMD_NEXT_LEVEL_SHIFT = 9;
/** High-word bits (bit 60/61/62 of the entry). */
export const AMD_FC_HI = 1 << 28;
export const AMD_IR_HI = 1 << 29;
export const AMD_IW_HI = 1 << 30;

export const AMD_OUTPUT_BITS = 52;
/** Largest page: GENMASK_ULL(51, 12) in AMD_IOMMU_PGSIZES. */
const MAX_PAGE_SHIFT = 51;
/** 512G pages are left out of AMD_IOMMU_PGSIZES "due to a hardware bug". */
const BROKEN_PAGE_SHIFT = 39;

/** Input bits translated by `levels` levels (PM_LEVEL_SIZE: level 6 covers all 64 bits). */
export function amdInputBits(levels: number): number {
  return Math.min(64, 12 + 9 * levels);
}

/**
 * Levels for an aperture, as Linux grows a domain (increase_address_space): start at 3 and add
 * levels until the last address fits.
 */
export function amdLevelsFor(apertureEnd: bigint): number {
  let levels = 3;
  while (levels < 6 && apertureEnd > 1n << BigInt(amdInputBits(levels))) levels++;
  return levels;
}

/** The page sizes (log2) a leaf at architectural level `n` may map. */
function pageShiftsAt(n: number, inputBits: number): number[] {
  const out: number[] = [];
  const base = 12 + 9 * (n - 1);
  for (let s = base; s < base + 9 && s < inputBits && s <= MAX_PAGE_SHIFT; s++) {
    if (s !== BROKEN_PAGE_SHIFT) out.push(s);
  }
  return out;
}

/** Every supported page size (log2) for a table of `levels` levels, ascending. */
export function amdPageShifts(levels: number): number[] {
  const out: number[] = [];
  const inputBits = amdInputBits(levels);
  for (let n = 1; n <= levels; n++) out.push(...pageShiftsAt(n, inputBits));
  return out;
}

/**
 * The AMD IOMMU v1 format: its geometry and hooks as one object (as generic_pt's fmt/*.h).
 * Long on purpose: a format reads as one table of geometry and small hooks, each next to the
 * manual's bit layout.
 */
export function amdV1Format(levels: number): RadixFormat {
  const inputBits = amdInputBits(levels);
  // A 6-level root only needs 7 index bits to reach bit 63.
  const geometryLevels = nineBitLevels(levels, (n) => pageShiftsAt(n, inputBits), inputBits);
  const number = (level: number): number => levels - level;

  const decode = (level: number, lo: number, hi: number, out: DecodedDescriptor): void => {
    out.fault = undefined;
    if ((lo & AMD_PR) === 0) {
      out.kind = DESC_INVALID;
      if (lo !== 0 || hi !== 0) out.fault = "not present (PR=0)";
      return;
    }
    const n = number(level);
    const nextLevel = (lo >>> AMD_NEXT_LEVEL_SHIFT) & 7;
    const levelShift = 12 + 9 * (n - 1);
    if (nextLevel >= 1 && nextLevel <= 6) {
      if (nextLevel !== n - 1) {
        out.kind = DESC_INVALID;
        out.fault =
          n === 1
            ? `NextLevel=${nextLevel} in a level-1 entry`
            : `NextLevel=${nextLevel} at level ${n} (level skipping is not supported)`;
        return;
      }
      out.kind = DESC_TABLE;
      out.tablePa = pfnFromWords(lo, hi) * 4096;
      // IR/IW of a PDE limit everything below it (the permissions of all levels are ANDed).
      out.prot = (hi & AMD_IR_HI ? PROT_READ : 0) | (hi & AMD_IW_HI ? PROT_WRITE : 0) | PROT_EXEC;
      return;
    }
    let pfn = pfnFromWords(lo, hi);
    let pageShift = levelShift;
    if (nextLevel === 7) {
      // PTE_PAGE_SIZE: the lowest clear address bit (from bit 12) is bit pageShift-1.
      let bit = 12;
      while (bit < 52 && Math.floor(pfn / 2 ** (bit - 12)) % 2 === 1) bit++;
      pageShift = bit + 1;
      if (pageShift <= levelShift || pageShift >= levelShift + 9) {
        out.kind = DESC_INVALID;
        out.fault = `NextLevel=7 encodes a 2^${pageShift} page, not within level ${n}`;
        return;
      }
      const span = 2 ** (pageShift - 12);
      pfn -= pfn % span;
    }
    out.kind = DESC_LEAF;
    out.paPfn = pfn;
    out.pageShift = pageShift;
    out.prot = (hi & AMD_IR_HI ? PROT_READ : 0) | (hi & AMD_IW_HI ? PROT_WRITE : 0);
    out.attrs = hi & AMD_FC_HI ? ATTR_CACHEABLE : 0;
  };

  return {
    geometry: {
      levels: geometryLevels,
      entryBytes: 8,
      bigEndian: false,
      inputBits: amdInputBits(levels),
      outputBits: AMD_OUTPUT_BITS,
    },

    leafTemplate(level, pageShift, prot, attrs, out): void {
      if ((prot & (PROT_READ | PROT_WRITE)) === 0) {
        // iommu_v1_map_pages: `if (!(prot & IOMMU_PROT_MASK)) goto out` (-EINVAL).
        throw new MappingError("no-permission", "an AMD v1 mapping needs r or w (IR or IW)");
      }
      const replicated = pageShift !== geometryLevels[level]!.shift;
      out.lo = AMD_PR | (replicated ? 7 << AMD_NEXT_LEVEL_SHIFT : 0);
      // Linux always sets FC (force coherent); device memory is left to the target's own rules.
      out.hi =
        (attrs & ATTR_CACHEABLE && !(attrs & ATTR_DEVICE) ? AMD_FC_HI : 0) |
        (prot & PROT_READ ? AMD_IR_HI : 0) |
        (prot & PROT_WRITE ? AMD_IW_HI : 0);
    },

    encodeLeafAddress(level, pageShift, paPfn, out): void {
      // PAGE_SIZE_PTE(pa, size) = (pa | (size - 1)) & ~(size >> 1): ones below bit pageShift-1.
      const levelShift = geometryLevels[level]!.shift;
      const pfn = pageShift === levelShift ? paPfn : paPfn + (2 ** (pageShift - 13) - 1);
      out.lo = (out.lo | ((pfn % 0x10_0000) * 4096)) >>> 0;
      out.hi = (out.hi | Math.floor(pfn / 0x10_0000)) >>> 0;
    },

    tableDescriptor(level, tablePa, out): void {
      // PM_LEVEL_PDE(level, pa): PR | NextLevel | IR | IW.
      const next = number(level) - 1;
      writeTableAddress(
        tablePa,
        AMD_PR | (next << AMD_NEXT_LEVEL_SHIFT),
        AMD_IR_HI | AMD_IW_HI,
        out,
      );
    },

    decode,

    describeDescriptor(level, lo, hi): string {
      const d = decodedDescriptor();
      decode(level, lo, hi, d);
      const n = number(level);
      const flags =
        ` NL=${(lo >>> AMD_NEXT_LEVEL_SHIFT) & 7}` +
        (hi & AMD_IR_HI ? " IR" : "") +
        (hi & AMD_IW_HI ? " IW" : "") +
        (hi & AMD_FC_HI ? " FC" : "");
      if (d.kind === DESC_TABLE) return `L${n} PDE -> 0x${d.tablePa.toString(16)}${flags}`;
      if (d.kind === DESC_LEAF) {
        return `L${n} PTE 2^${d.pageShift} page pa=0x${(d.paPfn * 4096).toString(16)}${flags}`;
      }
      return `L${n} invalid${d.fault ? ` (${d.fault})` : ""}`;
    },
  };
}
