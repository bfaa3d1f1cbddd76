/**
 * The flattened device tree (FDT, "DTB") format, as the Devicetree Specification v0.4 chapter 5
 * defines it: a 40-byte big-endian header, the memory reservation block (pairs of 64-bit address
 * and size ending with a zero pair), the structure block (32-bit tokens, each item padded to 4
 * bytes) and the strings block (property names, NUL-terminated).
 */
export const FDT_MAGIC = 0xd00dfeed;
/** Header size of version 17 (version 16 lacks `size_dt_struct`: 36 bytes). */
export const FDT_HEADER_SIZE = 40;
export const FDT_V16_HEADER_SIZE = 36;
/** The version this reader writes, and the oldest it reads (the spec's compatible version). */
export const FDT_VERSION = 17;
export const FDT_LAST_COMP_VERSION = 16;

export const FDT_BEGIN_NODE = 0x1;
export const FDT_END_NODE = 0x2;
export const FDT_PROP = 0x3;
export const FDT_NOP = 0x4;
export const FDT_END = 0x9;

/** Header field offsets (spec 5.2). */
export const HEADER = {
  magic: 0,
  totalsize: 4,
  offDtStruct: 8,
  offDtStrings: 12,
  offMemRsvmap: 16,
  version: 20,
  lastCompVersion: 24,
  bootCpuidPhys: 28,
  sizeDtStrings: 32,
  sizeDtStruct: 36,
} as const;

/** Bounds that keep a hostile blob from costing more than a real one could. */
export const FDT_LIMITS = {
  /** A DTB larger than this is refused before it is read (real ones are well under 2 MiB). */
  maxBytes: 64 * 1024 * 1024,
  /** Nesting depth (Linux's unflatten keeps 64 levels: FDT_MAX_DEPTH). */
  maxDepth: 64,
  /** Memory reservation entries. */
  maxReservations: 1 << 16,
  /**
   * Nodes and properties (real trees hold thousands): a 64 MiB blob of empty nodes would
   * otherwise cost gigabytes of objects.
   */
  maxNodes: 1 << 20,
  maxProperties: 1 << 21,
};

export type FdtLimits = typeof FDT_LIMITS;
