/**
 * The format hooks of the generic radix-table engine, in the spirit of Linux
 * drivers/iommu/generic_pt: a page-table format is reduced to its geometry plus a few small
 * encode/decode hooks, and the engine (./engine.ts) implements create/map/unmap/walk/leaves/
 * tables/describe once for every radix format (ARM LPAE, ARMv7s, x86-64, VT-d, AMD v1, sPAPR TCE,
 * GART...).
 *
 * Conventions shared by every hook:
 * - "level index" is the position in `geometry.levels`, 0 = the root, increasing downwards.
 *   Architectural level numbers (ARM level 0..3, x86 level 4..1) are only for display:
 *   `RadixLevel.number`.
 * - Descriptors are handled as two unsigned 32-bit words `lo` (bits 31:0) and `hi` (bits 63:32) of
 *   the LOGICAL descriptor value; the engine does the byte swapping for big-endian formats. For
 *   4-byte descriptors `hi` is always 0 and ignored.
 * - Hooks never allocate in the hot path: results go into a caller-owned scratch object
 *   (`DescriptorWords`, `DecodedDescriptor`) that the engine reuses.
 * - Physical addresses are plain numbers (tables and pools live below 2^52, exact in a double);
 *   leaf output addresses are 4 KiB page-frame numbers (pfn = pa / 4096).
 * - An all-zero descriptor MUST be invalid: the engine clears entries by writing 0 and treats any
 *   non-zero entry in a table it owns as live when refusing overlapping maps.
 */

/** The two 32-bit words of one logical descriptor, written by the encode hooks. */
export interface DescriptorWords {
  lo: number;
  hi: number;
}

/** Descriptor kinds as small integers so decode never allocates. */
export const DESC_INVALID = 0;
export const DESC_TABLE = 1;
export const DESC_LEAF = 2;
export type DescriptorKind = typeof DESC_INVALID | typeof DESC_TABLE | typeof DESC_LEAF;

/** What `decode` found in one descriptor (a scratch object the engine reuses). */
export interface DecodedDescriptor {
  kind: DescriptorKind;
  /** DESC_TABLE: the next-level table's physical byte address. */
  tablePa: number;
  /**
   * DESC_LEAF: the page frame (pa / 4096) of the START of the page this leaf maps. For replicated
   * leaves (ARMv7s large pages, AMD v1 next-level-7) every copy carries the same base.
   */
  paPfn: number;
  /**
   * DESC_LEAF: the leaf's own PROT_* bits (plugin-api/types.ts).
   * DESC_TABLE: the rights this entry leaves to everything below it (plugin-api/level-rights.ts):
   * read/write/exec it does not remove, plus PROT_PRIV when it makes the range privileged-only.
   * The engine sets TABLE_ALLOWS_ALL before every decode, so a format whose table entries hold no
   * rights (ARMv7s, sPAPR TCE, stage-2 LPAE) never writes it for a table, as generic_pt's
   * pt_fmt_defaults.h supplies defaults for what a format does not have.
   */
  prot: number;
  /** DESC_LEAF: ATTR_* bits. */
  attrs: number;
  /** DESC_LEAF: log2 of the page size this leaf maps (12 for 4K, 21 for 2M, ...). */
  pageShift: number;
  /** DESC_INVALID only: why a non-zero descriptor is not usable (e.g. "reserved encoding"). */
  fault?: string;
}

/** One level of the radix tree. */
export interface RadixLevel {
  /** Architectural level number, for walk steps and dumps (ARM: 0..3, x86: 4..1). */
  number: number;
  /** Lowest input-address bit this level's index covers (12 for a 4K last level). */
  shift: number;
  /**
   * Index bits at this level: the table has 2^bits entries. The root may have more than the other
   * levels (ARM concatenated stage-2 roots) or fewer (a partial top level).
   */
  bits: number;
  /** Bytes to allocate for one table of this level (>= 2^bits * entryBytes). */
  tableBytes: number;
  /** Alignment of a table of this level (a power of two). */
  tableAlign: number;
  /**
   * log2 of the page sizes a leaf at this level may map, ascending. Each must lie in
   * [shift, shift + bits); a page of 2^p takes 2^(p - shift) identical replicated entries
   * (ARMv7s 64K page at the 4K level = 16 copies). Empty: no leaves at this level.
   */
  pageShifts: readonly number[];
  /** Whether entries of this level may point to a next-level table (false at the last level). */
  tables: boolean;
}

export interface RadixGeometry {
  /** Levels from the root down. */
  levels: readonly RadixLevel[];
  entryBytes: 4 | 8;
  /** Descriptors stored big-endian in memory (sPAPR TCE). */
  bigEndian: boolean;
  /** Input (IOVA) address bits translated: [iovaBase, iovaBase + 2^inputBits). */
  inputBits: number;
  /** Output (physical) address bits: a leaf may not reach at or above 2^outputBits. */
  outputBits: number;
  /**
   * Start of the translated input range (sPAPR windows at a bus offset); the table indexes
   * `iova - iovaBase`. Default 0.
   */
  iovaBase?: bigint;
}

/**
 * One page-table format, fully configured (the plugin builds one per parameter set). The engine
 * calls the hooks; only `leafTemplate`, `tableDescriptor`, `decode` and `describeDescriptor` are
 * required.
 */
export interface RadixFormat {
  readonly geometry: RadixGeometry;

  /**
   * The descriptor bits of a leaf EXCEPT its output address, for a page of `2^pageShift` at level
   * index `level` with `prot`/`attrs`; computed once per map call. Throw MappingError
   * ("no-permission" for neither read nor write, "invalid" for an unsupported combination).
   */
  leafTemplate(
    level: number,
    pageShift: number,
    prot: number,
    attrs: number,
    out: DescriptorWords,
  ): void;

  /**
   * OR the output address of a leaf mapping frame `paPfn` into `out` (which holds the template).
   * Absent = the address sits at its natural bit position (descriptor = template | pa, i.e.
   * lo |= pfn << 12, hi |= pfn >> 20), which lets the engine fill tables and coalesce leaves in a
   * tight loop without calling any hook per entry. Provide it only for odd formats (ARM 52-bit
   * output with PA[51:48] in bits [15:12], ARMv7s supersections, GART).
   */
  encodeLeafAddress?(level: number, pageShift: number, paPfn: number, out: DescriptorWords): void;

  /** The descriptor at level index `level` pointing to a next-level table at `tablePa`. */
  tableDescriptor(level: number, tablePa: number, out: DescriptorWords): void;

  /**
   * Decode one descriptor read at level index `level` into `out`. Must not allocate (except for
   * `out.fault` on malformed descriptors). For a leaf made by `leafTemplate(l, p, prot, attrs)`,
   * decode must give back exactly `prot`, `attrs`, `p` (the engine relies on it to split blocks).
   * For a DESC_TABLE it may narrow `out.prot` (table-level rights, see DecodedDescriptor.prot);
   * the descriptor `tableDescriptor` writes must allow everything (TABLE_ALLOWS_ALL).
   */
  decode(level: number, lo: number, hi: number, out: DecodedDescriptor): void;

  /** A human-readable decoding for walk traces and dumps, e.g. `block pa=0x40200000 AP=01 XN`. */
  describeDescriptor(level: number, lo: number, hi: number): string;
}

/** A fresh scratch descriptor. */
export function descriptorWords(): DescriptorWords {
  return { lo: 0, hi: 0 };
}

/** A fresh scratch decode result. */
export function decodedDescriptor(): DecodedDescriptor {
  return { kind: DESC_INVALID, tablePa: 0, paPfn: 0, prot: 0, attrs: 0, pageShift: 0 };
}

/** Entries per table at a level. */
export function levelEntries(level: RadixLevel): number {
  return 2 ** level.bits;
}
