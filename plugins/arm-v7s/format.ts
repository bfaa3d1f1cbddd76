/**
 * The ARMv7 short-descriptor format (Arm ARM B3.5) as Linux drivers/iommu/io-pgtable-arm-v7s.c
 * writes it, reduced to radix-engine hooks. Two levels: L1 (4096 x 32-bit entries, 16K, each 1M)
 * holds sections, supersections (16 identical entries, 16M) or pointers to L2 tables (256 entries,
 * 1K); L2 holds small pages (4K) or large pages (16 identical entries, 64K).
 *
 * Attribute choices follow arm_v7s_prot_to_pte(): TEX[0]=1 for normal memory (TEX remap index via
 * PRRR/NMRR below), B only for device memory, B|C for cacheable, AP[0] used as the access flag
 * (simplified AP model), AP[1] = unprivileged access, AP[2] = read-only, XN unless exec, nG set.
 * One deliberate difference: Linux always sets S; here S follows ATTR_SHAREABLE_INNER so the
 * attributes a walk reports are exactly those mapped.
 */
import {
  ATTR_CACHEABLE,
  ATTR_DEVICE,
  ATTR_OTHER_TYPE,
  ATTR_SHAREABLE_INNER,
  MappingError,
  PROT_EXEC,
  PROT_PRIV,
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
} from "../../src/plugin-api/index.js";

// Descriptor type bits (io-pgtable-arm-v7s.c ARM_V7S_PTE_TYPE_*; Arm ARM B3.5.1).
export const V7S_TYPE_TABLE = 0x1;
/** PXN of an L1 page-table descriptor (Arm ARM B3.5.1): nothing below it executes. */
export const V7S_TABLE_PXN = 1 << 2;
export const V7S_TYPE_PAGE = 0x2;
export const V7S_TYPE_CONT_PAGE = 0x1;
export const V7S_CONT_SECTION = 1 << 18;
export const V7S_CONT_PAGE_XN_SHIFT = 15;
export const V7S_CONT_PAGE_TEX_SHIFT = 6;
export const V7S_ATTR_B = 1 << 2;
export const V7S_ATTR_C = 1 << 3;

// The 8-bit attribute block, at bits [17:10] of an L1 entry and [11:4] of an L2 entry.
const ATTR_AP0_AF = 1 << 0;
const ATTR_AP1_UNPRIV = 1 << 1;
const ATTR_TEX_SHIFT = 2;
const ATTR_TEX_MASK = 0x7 << ATTR_TEX_SHIFT;
const ATTR_AP2_RDONLY = 1 << 5;
const ATTR_S = 1 << 6;
const ATTR_NG = 1 << 7;

// TEX remap (io-pgtable-arm-v7s.c arm_v7s_alloc_pgtable; Arm ARM B4.1.127 PRRR, B4.1.120 NMRR).
const RGN_WBWA = 1;
const PRRR_TYPE_DEVICE = 1;
const PRRR_TYPE_NORMAL = 2;
/** PRRR as the format programs it (also the decode's memory types). */
export const V7S_PRRR =
  ((PRRR_TYPE_DEVICE << 2) | // TR1 = device (TEX[0]=0,C=0,B=1: Linux MMIO)
    (PRRR_TYPE_NORMAL << 8) | // TR4 = normal (TEX[0]=1,C=0,B=0: non-cacheable)
    (PRRR_TYPE_NORMAL << 14) | // TR7 = normal (TEX[0]=1,C=1,B=1: write-back)
    (1 << 16) | // DS0
    (1 << 17) | // DS1
    (1 << 19) | // NS1: S=1 means shareable
    (1 << 31)) >>> // NOS7
  0;
/** NMRR: IR7 = OR7 = write-back write-allocate; every other region non-cacheable. */
export const V7S_NMRR = ((RGN_WBWA << 14) | (RGN_WBWA << 30)) >>> 0;

/** Level index 0 = L1, 1 = L2. */
function attrShift(level: number): number {
  return level === 0 ? 10 : 4;
}
function xnBit(level: number): number {
  return level === 0 ? 1 << 4 : 1 << 0;
}

export const V7S_GEOMETRY: RadixGeometry = {
  levels: [
    {
      number: 1,
      shift: 20,
      bits: 12,
      tableBytes: 16384,
      tableAlign: 16384,
      pageShifts: [20, 24],
      tables: true,
    },
    {
      number: 2,
      shift: 12,
      bits: 8,
      tableBytes: 1024,
      tableAlign: 1024,
      pageShifts: [12, 16],
      tables: false,
    },
  ],
  entryBytes: 4,
  bigEndian: false,
  inputBits: 32,
  outputBits: 32,
};

/** A leaf descriptor without its address (arm_v7s_prot_to_pte + arm_v7s_pte_to_cont). */
export function v7sLeafTemplate(
  level: number,
  pageShift: number,
  prot: number,
  attrs: number,
): number {
  if ((prot & (PROT_READ | PROT_WRITE)) === 0) {
    throw new MappingError("no-permission", "a mapping needs read or write access");
  }
  if ((attrs & ATTR_CACHEABLE) !== 0 && (attrs & ATTR_DEVICE) !== 0) {
    throw new MappingError("invalid", "memory cannot be both cacheable and device");
  }
  const device = (attrs & ATTR_DEVICE) !== 0;
  let a = ATTR_NG | ATTR_AP0_AF;
  if ((attrs & ATTR_SHAREABLE_INNER) !== 0) a |= ATTR_S;
  if (!device) a |= 1 << ATTR_TEX_SHIFT;
  if ((prot & PROT_PRIV) === 0) a |= ATTR_AP1_UNPRIV;
  if ((prot & PROT_WRITE) === 0) a |= ATTR_AP2_RDONLY;
  let pte = a << attrShift(level);
  if ((prot & PROT_EXEC) === 0) pte |= xnBit(level);
  if (device) pte |= V7S_ATTR_B;
  else if ((attrs & ATTR_CACHEABLE) !== 0) pte |= V7S_ATTR_B | V7S_ATTR_C;
  pte |= V7S_TYPE_PAGE;
  if (level === 0 && pageShift === 24) {
    pte |= V7S_CONT_SECTION;
  } else if (level === 1 && pageShift === 16) {
    // Large page: XN moves from bit 0 to bit 15, TEX from [8:6] to [14:12], type 0b01.
    const xn = pte & 1;
    const tex = pte & (0x7 << 6);
    pte ^= xn | tex | V7S_TYPE_PAGE;
    pte |= (xn << V7S_CONT_PAGE_XN_SHIFT) | (tex << V7S_CONT_PAGE_TEX_SHIFT) | V7S_TYPE_CONT_PAGE;
  }
  return pte >>> 0;
}

/**
 * The TEX remap index of a leaf (Arm ARM B3.8.2, SCTLR.TRE = 1): TEX[0]:C:B. TEX[2:1] are then
 * ignored by the hardware (left to the OS). `tex` is TEX[2:0] in attribute-block position.
 */
function remapIndex(tex: number, lo: number): number {
  return (
    (((tex >>> ATTR_TEX_SHIFT) & 1) << 2) |
    ((lo & V7S_ATTR_C) !== 0 ? 2 : 0) |
    ((lo & V7S_ATTR_B) !== 0 ? 1 : 0)
  );
}

/**
 * ATTR_* of a remap index through the PRRR/NMRR the format programs (v7sRegisters): PRRR.TRn
 * 00 strongly-ordered, 01 device, 10 normal with NMRR IRn/ORn (00 non-cacheable, 01 write-back
 * write-allocate, 10 write-through, 11 write-back no write-allocate). VCM writes index 1
 * (device), 4 (normal non-cacheable) and 7 (normal write-back WA); the rest is another type.
 */
export function remapAttrs(index: number): number {
  const tr = (V7S_PRRR >>> (2 * index)) & 3;
  if (tr === PRRR_TYPE_DEVICE) return ATTR_DEVICE;
  if (tr === 0) return ATTR_DEVICE | ATTR_OTHER_TYPE; // strongly-ordered
  if (tr !== PRRR_TYPE_NORMAL) return ATTR_OTHER_TYPE; // reserved
  const inner = (V7S_NMRR >>> (2 * index)) & 3;
  const outer = (V7S_NMRR >>> (16 + 2 * index)) & 3;
  if (inner === 0 && outer === 0) return 0;
  if (inner === RGN_WBWA && outer === RGN_WBWA) return ATTR_CACHEABLE;
  return ATTR_OTHER_TYPE;
}

const REMAP_NAMES = ["SO", "Device", "Normal", "reserved"];
const RGN_NAMES = ["NC", "WBWA", "WT", "WB"];

/** The remapped memory type's name for dumps, e.g. `Normal IWBWA/OWBWA`. */
function remapName(index: number): string {
  const tr = (V7S_PRRR >>> (2 * index)) & 3;
  if (tr !== PRRR_TYPE_NORMAL) return REMAP_NAMES[tr]!;
  const inner = RGN_NAMES[(V7S_NMRR >>> (2 * index)) & 3]!;
  const outer = RGN_NAMES[(V7S_NMRR >>> (16 + 2 * index)) & 3]!;
  return `Normal I${inner}/O${outer}`;
}

/** Decode one 32-bit descriptor at level index `level`. */
export function v7sDecode(level: number, lo: number, out: DecodedDescriptor): void {
  out.kind = DESC_INVALID;
  out.fault = undefined;
  const type = lo & 3;
  if (type === 0) return;
  let attr8: number;
  let xn: boolean;
  let tex: number;
  if (level === 0) {
    if (type === 1) {
      out.kind = DESC_TABLE;
      out.tablePa = (lo & 0xfffffc00) >>> 0;
      // PXN (bit 2, Arm ARM B3.5.1): nothing below is executable (one exec right, as for leaves).
      if ((lo & V7S_TABLE_PXN) !== 0) out.prot = PROT_READ | PROT_WRITE;
      return;
    }
    if (type === 3) {
      out.fault = "section with PXN (bits[1:0]=0b11) is not used by this format";
      return;
    }
    const superSection = (lo & V7S_CONT_SECTION) !== 0;
    if (superSection && (lo & 0x00f001e0) !== 0) {
      out.fault = "supersection with extended base address bits (PA above 4G)";
      return;
    }
    out.pageShift = superSection ? 24 : 20;
    out.paPfn = superSection ? (lo >>> 24) << 12 : (lo >>> 20) << 8;
    attr8 = (lo >>> 10) & 0xff;
    xn = (lo & xnBit(0)) !== 0;
    tex = attr8 & ATTR_TEX_MASK;
  } else {
    if (type === 1) {
      out.pageShift = 16;
      out.paPfn = (lo >>> 16) << 4;
      xn = (lo & (1 << V7S_CONT_PAGE_XN_SHIFT)) !== 0;
      tex = (lo >>> 10) & ATTR_TEX_MASK; // TEX[2:0] at bits [14:12]
    } else {
      out.pageShift = 12;
      out.paPfn = lo >>> 12;
      xn = (lo & xnBit(1)) !== 0;
      tex = (lo >>> 4) & 0xff & ATTR_TEX_MASK;
    }
    attr8 = (lo >>> 4) & 0xff;
  }
  if ((attr8 & ATTR_AP0_AF) === 0) {
    out.fault = "access flag (AP[0]) clear: the first access would fault";
    return;
  }
  let prot = PROT_READ;
  if ((attr8 & ATTR_AP2_RDONLY) === 0) prot |= PROT_WRITE;
  if (!xn) prot |= PROT_EXEC;
  if ((attr8 & ATTR_AP1_UNPRIV) === 0) prot |= PROT_PRIV;
  let attrs = remapAttrs(remapIndex(tex, lo));
  if ((attr8 & ATTR_S) !== 0) attrs |= ATTR_SHAREABLE_INNER;
  out.kind = DESC_LEAF;
  out.prot = prot;
  out.attrs = attrs;
}

function hex(n: number): string {
  return "0x" + (n >>> 0).toString(16).padStart(8, "0");
}

/** Text for walk traces and dumps. */
export function v7sDescribe(level: number, lo: number): string {
  const type = lo & 3;
  if (type === 0) return "invalid";
  if (level === 0 && type === 1) {
    return `table -> ${hex(lo & 0xfffffc00)}${(lo & V7S_TABLE_PXN) !== 0 ? " PXN" : ""}`;
  }
  const d = decodedDescriptor();
  v7sDecode(level, lo, d);
  if (d.kind !== DESC_LEAF) return `invalid (${d.fault ?? "reserved"})`;
  const name =
    d.pageShift === 24
      ? "supersection"
      : d.pageShift === 20
        ? "section"
        : d.pageShift === 16
          ? "large-page"
          : "small-page";
  const attr8 = (lo >>> (level === 0 ? 10 : 4)) & 0xff;
  const ap = ((attr8 >> 5) & 1).toString() + ((attr8 >> 1) & 1).toString() + (attr8 & 1).toString();
  const texField = d.pageShift === 16 ? (lo >>> 12) & 7 : (attr8 >> ATTR_TEX_SHIFT) & 7;
  const index = remapIndex(texField << ATTR_TEX_SHIFT, lo);
  const flags = [
    `AP[2:0]=${ap}`,
    `TEX=${texField}`,
    (lo & V7S_ATTR_C) !== 0 ? "C" : "",
    (lo & V7S_ATTR_B) !== 0 ? "B" : "",
    `(TR${index} ${remapName(index)})`,
    (attr8 & ATTR_S) !== 0 ? "S" : "",
    (attr8 & ATTR_NG) !== 0 ? "nG" : "",
    (d.prot & PROT_EXEC) === 0 ? "XN" : "",
  ].filter((s) => s !== "");
  return `${name} pa=${hex(d.paPfn * 4096)} ${flags.join(" ")}`;
}

/** The format as radix-engine hooks. */
export function v7sFormat(pageShifts: readonly number[] = [12, 16, 20, 24]): RadixFormat {
  const geometry: RadixGeometry = {
    ...V7S_GEOMETRY,
    levels: V7S_GEOMETRY.levels.map((l) => ({
      ...l,
      pageShifts: l.pageShifts.filter((p) => pageShifts.includes(p)),
    })),
  };
  return {
    geometry,
    leafTemplate(
      level: number,
      pageShift: number,
      prot: number,
      attrs: number,
      out: DescriptorWords,
    ) {
      out.lo = v7sLeafTemplate(level, pageShift, prot, attrs);
      out.hi = 0;
    },
    tableDescriptor(_level: number, tablePa: number, out: DescriptorWords) {
      if (tablePa + 1024 > 2 ** 32) {
        throw new MappingError(
          "out-of-range",
          `an L2 table at 0x${tablePa.toString(16)} is above 4G: short-descriptor tables need a pool below 4G`,
        );
      }
      out.lo = (tablePa | V7S_TYPE_TABLE) >>> 0;
      out.hi = 0;
    },
    decode(level: number, lo: number, _hi: number, out: DecodedDescriptor) {
      v7sDecode(level, lo, out);
    },
    describeDescriptor(level: number, lo: number) {
      return v7sDescribe(level, lo);
    },
  };
}

// Register values (arm_v7s_alloc_pgtable).
const TTBR_S = 1 << 1;
const TTBR_NOS = 1 << 5;
const TTBR_ORGN_WBWA = (RGN_WBWA & 3) << 3;
const TTBR_IRGN_WBWA = ((RGN_WBWA & 1) << 6) | ((RGN_WBWA & 2) >> 1);

/** TTBR0/TTBR1/TTBCR/PRRR/NMRR as io-pgtable-arm-v7s.c fills arm_v7s_cfg. */
export function v7sRegisters(root: bigint): Record<string, bigint> {
  const prrr = V7S_PRRR;
  const nmrr = V7S_NMRR;
  return {
    TTBR0: root | BigInt(TTBR_S | TTBR_NOS | TTBR_IRGN_WBWA | TTBR_ORGN_WBWA),
    TTBR1: 0n,
    TTBCR: 1n << 5n, // PD1: no walks through TTBR1; T0SZ = 0 (full 4G through TTBR0)
    PRRR: BigInt(prrr),
    NMRR: BigInt(nmrr),
  };
}
