/**
 * POWER TCE tables (arch/powerpc/include/asm/tce.h, platforms/powernv/pci-ioda-tce.c) reduced to
 * radix-engine hooks. A TCE is a big-endian 64-bit word: TCE_PCI_READ (bit 0), TCE_PCI_WRITE
 * (bit 1), and the real page number shifted by the window's page shift. Each DMA window is a
 * table of its own with 1..5 levels; indirect levels hold `next-level pa | READ | WRITE` as
 * pnv_pci_ioda2_table_do_alloc_pages() writes them and pnv_tce() follows them.
 */
import {
  MappingError,
  PROT_READ,
  PROT_WRITE,
  DESC_INVALID,
  decodedDescriptor,
  DESC_LEAF,
  DESC_TABLE,
  type DecodedDescriptor,
  type DescriptorWords,
  type RadixFormat,
  type RadixGeometry,
  type RadixLevel,
} from "../../src/plugin-api/index.js";

export const TCE_PCI_READ = 0x1;
export const TCE_PCI_WRITE = 0x2;
/** POWERNV_IOMMU_MAX_LEVELS */
export const TCE_MAX_LEVELS = 5;
/** The host page shift used for table allocation (PAGE_SHIFT) when a window does not say: 4K. */
export const TCE_HOST_PAGE_SHIFT = 12;
/** TCE_RPN_MASK is 40 bits of 4K page number: 52-bit physical addresses. */
export const TCE_OUTPUT_BITS = 52;

export interface TceWindow {
  base: bigint;
  size: bigint;
  pageSize: bigint;
  levels: number;
  /** The host kernel's PAGE_SIZE: the smallest level allocation. */
  hostPageSize?: bigint;
}

/** Table shape, following pnv_pci_ioda2_table_alloc_pages(). */
export interface TceShape {
  windowShift: number;
  pageShift: number;
  levels: number;
  /** Index bits per level (the top level may use fewer). */
  levelBits: number;
  /** Bytes of one level table (it_level_size * 8, at least one host page). */
  levelBytes: number;
  /** Bytes a one-level table of the whole window would take (the TVE table size). */
  tableBytes: number;
}

function log2Exact(v: bigint): number {
  if (v <= 0n || (v & (v - 1n)) !== 0n) return -1;
  return v.toString(2).length - 1;
}

/** The reasons pnv_pci_ioda2_table_alloc_pages() would return -EINVAL, or the table shape. */
export function tceShape(window: TceWindow): TceShape | string {
  const { levels } = window;
  if (!Number.isInteger(levels) || levels < 1 || levels > TCE_MAX_LEVELS) {
    return `levels must be 1..${TCE_MAX_LEVELS}, not ${levels}`;
  }
  const windowShift = log2Exact(window.size);
  if (windowShift < 0) return `window size 0x${window.size.toString(16)} is not a power of two`;
  const pageShift = log2Exact(window.pageSize);
  if (pageShift < 12)
    return `page size 0x${window.pageSize.toString(16)} is not a power of two >= 4K`;
  if (windowShift < pageShift) return "window is smaller than one TCE page";
  if (window.base % window.pageSize !== 0n) return "window base is not aligned to its page size";
  if (window.base + window.size > 1n << 64n) return "window ends above 2^64";
  const hostShift =
    window.hostPageSize === undefined ? TCE_HOST_PAGE_SHIFT : log2Exact(window.hostPageSize);
  if (hostShift < TCE_HOST_PAGE_SHIFT)
    return `host page 0x${(window.hostPageSize ?? 0n).toString(16)} is not a power of two >= 4K`;
  const entriesShift = windowShift - pageShift;
  const tableShift = Math.max(entriesShift + 3, hostShift);
  const perLevel = Math.ceil(entriesShift / levels);
  const levelShift = Math.max(perLevel + 3, hostShift);
  if ((levelShift - 3) * levels + pageShift >= 60) {
    return `(level bits ${levelShift - 3} x ${levels} levels + page shift ${pageShift}) must stay below 60`;
  }
  return {
    windowShift,
    pageShift,
    levels,
    levelBits: levelShift - 3,
    levelBytes: 2 ** levelShift,
    tableBytes: 2 ** tableShift,
  };
}

export function tceGeometry(window: TceWindow, shape: TceShape): RadixGeometry {
  const levels: RadixLevel[] = [];
  const totalBits = shape.windowShift - shape.pageShift;
  for (let i = 0; i < shape.levels; i++) {
    const below = shape.levels - 1 - i;
    const last = below === 0;
    // pnv_tce() masks every level with it_level_size: the top level uses what is left.
    const bits = i === 0 ? totalBits - below * shape.levelBits : shape.levelBits;
    levels.push({
      number: i + 1,
      shift: shape.pageShift + below * shape.levelBits,
      bits: Math.max(bits, 0),
      tableBytes: shape.levelBytes,
      // alloc_pages() returns naturally aligned blocks.
      tableAlign: shape.levelBytes,
      pageShifts: last ? [shape.pageShift] : [],
      tables: !last,
    });
  }
  return {
    levels,
    entryBytes: 8,
    bigEndian: true,
    inputBits: shape.windowShift,
    outputBits: TCE_OUTPUT_BITS,
    iovaBase: window.base,
  };
}

/** TCE permission bits for a request; write implies read (pnv_tce_build). */
export function tcePerm(prot: number): number {
  if ((prot & (PROT_READ | PROT_WRITE)) === 0) {
    throw new MappingError("no-permission", "a mapping needs read or write access");
  }
  return (prot & PROT_WRITE) !== 0 ? TCE_PCI_READ | TCE_PCI_WRITE : TCE_PCI_READ;
}

export function tceDecode(
  level: number,
  lastLevel: number,
  pageShift: number,
  lo: number,
  hi: number,
  out: DecodedDescriptor,
): void {
  out.kind = DESC_INVALID;
  out.fault = undefined;
  const perm = lo & (TCE_PCI_READ | TCE_PCI_WRITE);
  if (perm === 0) {
    if (lo !== 0 || hi !== 0) out.fault = "TCE with neither read nor write permission";
    return;
  }
  if (level < lastLevel) {
    out.kind = DESC_TABLE;
    out.tablePa = hi * 2 ** 32 + ((lo & 0xfffff000) >>> 0);
    return;
  }
  // The RPN sits at the page shift; the bits below it (other than R/W) are ignored.
  const lowMask = pageShift >= 32 ? 0 : (0xffffffff << pageShift) >>> 0;
  const highMask = pageShift <= 32 ? 0xffffffff : (0xffffffff << (pageShift - 32)) >>> 0;
  const pa = ((hi & highMask) >>> 0) * 2 ** 32 + ((lo & lowMask) >>> 0);
  out.kind = DESC_LEAF;
  out.paPfn = pa / 4096;
  out.prot =
    ((perm & TCE_PCI_READ) !== 0 ? PROT_READ : 0) | ((perm & TCE_PCI_WRITE) !== 0 ? PROT_WRITE : 0);
  out.attrs = 0;
  out.pageShift = pageShift;
}

export function tceFormat(window: TceWindow, shape: TceShape): RadixFormat {
  const geometry = tceGeometry(window, shape);
  const lastLevel = shape.levels - 1;
  const scratch = decodedDescriptor();
  return {
    geometry,
    leafTemplate(
      _level: number,
      _pageShift: number,
      prot: number,
      _attrs: number,
      out: DescriptorWords,
    ) {
      out.lo = tcePerm(prot);
      out.hi = 0;
    },
    tableDescriptor(_level: number, tablePa: number, out: DescriptorWords) {
      out.lo = ((tablePa % 2 ** 32) | TCE_PCI_READ | TCE_PCI_WRITE) >>> 0;
      out.hi = Math.floor(tablePa / 2 ** 32);
    },
    decode(level: number, lo: number, hi: number, out: DecodedDescriptor) {
      tceDecode(level, lastLevel, shape.pageShift, lo, hi, out);
    },
    describeDescriptor(level: number, lo: number, hi: number) {
      tceDecode(level, lastLevel, shape.pageShift, lo, hi, scratch);
      const r = (lo & TCE_PCI_READ) !== 0 ? "R" : "-";
      const w = (lo & TCE_PCI_WRITE) !== 0 ? "W" : "-";
      if (scratch.kind === DESC_TABLE)
        return `indirect -> 0x${scratch.tablePa.toString(16)} ${r}${w}`;
      if (scratch.kind === DESC_LEAF) {
        return `tce rpn=0x${((scratch.paPfn * 4096) / 2 ** shape.pageShift).toString(16)} pa=0x${(scratch.paPfn * 4096).toString(16)} ${r}${w}`;
      }
      return scratch.fault ? `invalid (${scratch.fault})` : "invalid";
    },
  };
}
