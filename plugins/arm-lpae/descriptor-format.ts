/**
 * VMSAv8-64 translation table descriptors (Arm ARM D8.3 "Translation table descriptor formats";
 * Linux drivers/iommu/io-pgtable-arm.c) as radix-engine hooks.
 *
 * Leaves are encoded as Linux does: stage 1 sets AF and nG, AP[2]=1 for read-only, AP[1]=1 unless
 * privileged-only, AttrIndx from the MAIR below, and XN (UXN|PXN, bits 54:53) unless executable;
 * stage 2 sets AF, S2AP[7:6] from read/write and MemAttr[5:2] (device nGnRE 0b0001, normal WB
 * 0b1111, normal NC 0b0101). SH[9:8] comes from the shareability attributes.
 *
 * Stage 1 follows the context's translation regime (./regime.ts): in a regime with one privilege
 * level (EL2 without VHE, EL3) AP[1] is RES1 and written 1, nG is RES0, execute-never is XN (bit
 * 54, bit 53 RES0), and PXNTable and APTable[0] mean nothing; at EL3 (Secure) NS (bit 5) selects
 * the Non-secure physical address space, written 1 unless the mapping is `secure`.
 */
import {
  ATTR_CACHEABLE,
  ATTR_DEVICE,
  ATTR_OTHER_TYPE,
  ATTR_SECURE,
  ATTR_SHAREABLE_INNER,
  ATTR_SHAREABLE_OUTER,
  DESC_INVALID,
  DESC_LEAF,
  DESC_TABLE,
  MappingError,
  PROT_EXEC,
  PROT_PRIV,
  PROT_READ,
  PROT_WRITE,
  type DecodedDescriptor,
  type DescriptorWords,
  type RadixFormat,
  type RadixLevel,
} from "../../src/plugin-api/index.js";
import type { ArmLpaeConfig } from "./config.js";

// Descriptor bits (lo = bits 31:0, hi = bits 63:32).
const TYPE_MASK = 3;
const TYPE_BLOCK = 1;
const TYPE_TABLE = 3; // also "page" at level 3
const ATTRINDX_SHIFT = 2;
const NS = 1 << 5; // stage 1, Secure regimes: output in the Non-secure PA space
const AP_UNPRIV = 1 << 6; // AP[1]: EL0 access
const AP_RDONLY = 1 << 7; // AP[2]
const S2AP_READ = 1 << 6;
const S2AP_WRITE = 1 << 7;
const MEMATTR_SHIFT = 2;
const SH_SHIFT = 8;
const AF = 1 << 10;
const NG = 1 << 11;
const HI_XN = 3 << (53 - 32); // UXN | PXN (stage 1), XN[1:0] (stage 2)
const HI_XN54 = 1 << (54 - 32); // XN (UXN in two-privilege regimes)
// Stage-1 table descriptors, hierarchical permissions (Arm ARM D8.4.2; RES0 at stage 2).
const HI_PXNTABLE = 1 << (59 - 32);
const HI_UXNTABLE = 1 << (60 - 32); // XNTable in single-privilege regimes
const HI_APTABLE_NOEL0 = 1 << (61 - 32); // APTable[0]: no EL0 access below
const HI_APTABLE_RDONLY = 1 << (62 - 32); // APTable[1]: no write access below
const HI_NSTABLE = 1 << (63 - 32); // Secure regimes: the next level is in the Non-secure PA space

/** MAIR attribute indexes and values, as io-pgtable-arm.c programs MAIR. */
export const MAIR_IDX_NC = 0;
export const MAIR_IDX_CACHE = 1;
export const MAIR_IDX_DEV = 2;
export const MAIR_IDX_INC_OCACHE = 3;
export const MAIR_ATTR_NC = 0x44n;
export const MAIR_ATTR_WBRWA = 0xffn;
export const MAIR_ATTR_DEVICE = 0x04n;
export const MAIR_ATTR_INC_OWBRWA = 0xf4n;
export const MAIR_VALUE =
  (MAIR_ATTR_NC << BigInt(8 * MAIR_IDX_NC)) |
  (MAIR_ATTR_WBRWA << BigInt(8 * MAIR_IDX_CACHE)) |
  (MAIR_ATTR_DEVICE << BigInt(8 * MAIR_IDX_DEV)) |
  (MAIR_ATTR_INC_OWBRWA << BigInt(8 * MAIR_IDX_INC_OCACHE));

const MEMATTR_DEV = 0x1;
const MEMATTR_OIWB = 0xf;
const MEMATTR_NC = 0x5;

/** The programmed MAIR's eight attribute bytes, indexed by AttrIndx. */
const MAIR_BYTES = Array.from({ length: 8 }, (_, i) =>
  Number((MAIR_VALUE >> BigInt(8 * i)) & 0xffn),
);

/**
 * The memory type of one MAIR attribute byte (Arm ARM D8.6.1 "MAIR_ELx.Attr<n>"): 0b0000dd00 is
 * Device (dd: nGnRnE, nGnRE, nGRE, GRE), 0xFF Normal inner+outer write-back read/write-allocate,
 * 0x44 Normal inner+outer non-cacheable. VCM writes Device-nGnRE for `device`; every other
 * encoding (other device kinds, write-through, mixed inner/outer, other allocation hints) is a
 * type no mapping declares.
 */
export function mairByteAttrs(attr: number): number {
  if (attr === Number(MAIR_ATTR_DEVICE)) return ATTR_DEVICE;
  if (attr === Number(MAIR_ATTR_WBRWA)) return ATTR_CACHEABLE;
  if (attr === Number(MAIR_ATTR_NC)) return 0;
  return (attr & 0xf3) === 0 ? ATTR_DEVICE | ATTR_OTHER_TYPE : ATTR_OTHER_TYPE;
}

/**
 * The memory type of a stage-2 MemAttr[3:0] (Arm ARM D8.6.5, without FEAT_S2FWB): [3:2] = 00 is
 * Device with [1:0] its kind; otherwise [3:2] is the outer and [1:0] the inner cacheability
 * (01 non-cacheable, 10 write-through, 11 write-back). VCM writes 0b0001, 0b1111 and 0b0101.
 */
export function memAttrAttrs(memattr: number): number {
  if (memattr === MEMATTR_DEV) return ATTR_DEVICE;
  if (memattr === MEMATTR_OIWB) return ATTR_CACHEABLE;
  if (memattr === MEMATTR_NC) return 0;
  return memattr >>> 2 === 0 ? ATTR_DEVICE | ATTR_OTHER_TYPE : ATTR_OTHER_TYPE;
}

/** Names of the memory types above, for walk traces. */
export function memoryTypeName(attrs: number, code: number, stage: 1 | 2): string {
  if (attrs & ATTR_OTHER_TYPE) {
    if (attrs & ATTR_DEVICE) {
      const kind = stage === 1 ? (code >>> 2) & 3 : code & 3;
      return ["Device-nGnRnE", "Device-nGnRE", "Device-nGRE", "Device-GRE"][kind]!;
    }
    return stage === 1 ? `Normal 0x${code.toString(16).padStart(2, "0")}` : "Normal (other)";
  }
  return attrs & ATTR_DEVICE ? "Device-nGnRE" : attrs & ATTR_CACHEABLE ? "Normal-WB" : "Normal-NC";
}

const TWO20 = 1048576;

function shBits(attrs: number): number {
  const inner = (attrs & ATTR_SHAREABLE_INNER) !== 0;
  const outer = (attrs & ATTR_SHAREABLE_OUTER) !== 0;
  if (inner && outer) {
    throw new MappingError("invalid", "a mapping cannot be both inner and outer shareable");
  }
  return inner ? 3 : outer ? 2 : 0;
}

/** SH[9:8]: 00 non-shareable, 10 outer, 11 inner; 01 is reserved (a type no mapping declares). */
function shAttrs(sh: number): number {
  return sh === 3
    ? ATTR_SHAREABLE_INNER
    : sh === 2
      ? ATTR_SHAREABLE_OUTER
      : sh === 1
        ? ATTR_OTHER_TYPE
        : 0;
}

/**
 * The rights a stage-1 table descriptor leaves below it (Arm ARM D8.4.2): APTable[1] removes
 * write, APTable[0] removes EL0 access, UXNTable or PXNTable removes exec (one exec right, as
 * for leaves, where either XN bit makes a page not executable).
 */
export function tableRights(hi: number, twoPrivilegeLevels = true): number {
  let allows = PROT_READ | PROT_WRITE | PROT_EXEC;
  if ((hi & HI_APTABLE_RDONLY) !== 0) allows &= ~PROT_WRITE;
  if (!twoPrivilegeLevels) {
    // One privilege level: APTable[0] and PXNTable are RES0 (the walk ignores them), XNTable stays.
    if ((hi & HI_UXNTABLE) !== 0) allows &= ~PROT_EXEC;
    return allows;
  }
  if ((hi & HI_APTABLE_NOEL0) !== 0) allows |= PROT_PRIV;
  if ((hi & (HI_UXNTABLE | HI_PXNTABLE)) !== 0) allows &= ~PROT_EXEC;
  return allows;
}

export class ArmLpaeFormat implements RadixFormat {
  readonly geometry;
  /** Level index -> architectural level. */
  private readonly levelNumber: number[];
  private readonly wide: boolean;
  /** Stage 1 in a regime with EL0 (EL1&0, EL2&0): AP[1], nG, UXN and PXN. */
  private readonly twoPrivilegeLevels: boolean;
  /** Stage 1 in Secure state (EL3): NS and NSTable. */
  private readonly secure: boolean;
  readonly encodeLeafAddress?: (
    level: number,
    pageShift: number,
    paPfn: number,
    out: DescriptorWords,
  ) => void;

  constructor(readonly config: ArmLpaeConfig) {
    const { granuleShift: g, bitsPerLevel, startLevel, pgdBits, pageShifts } = config;
    const levels: RadixLevel[] = [];
    this.levelNumber = [];
    for (let n = startLevel; n <= 3; n++) {
      const shift = g + bitsPerLevel * (3 - n);
      const bits = n === startLevel ? pgdBits : bitsPerLevel;
      const tableBytes = Math.max(8 * 2 ** bits, 64);
      levels.push({
        number: n,
        shift,
        bits,
        tableBytes,
        tableAlign: tableBytes,
        pageShifts: pageShifts.filter((s) => s === shift),
        tables: n < 3,
      });
      this.levelNumber.push(n);
    }
    this.geometry = {
      levels,
      entryBytes: 8 as const,
      bigEndian: false,
      inputBits: config.ias,
      outputBits: config.oas,
    };
    this.wide = config.oas > 48;
    this.twoPrivilegeLevels = config.stage === 2 || config.regime.twoPrivilegeLevels;
    this.secure = config.stage === 1 && config.regime.secure;
    if (this.wide) {
      // 52-bit output (64K granule): PA[51:48] sit in descriptor bits [15:12].
      this.encodeLeafAddress = (_level, _shift, paPfn, out) => {
        const low = paPfn % TWO20;
        const high = (paPfn - low) / TWO20; // PA[51:32]
        out.lo = (out.lo | (low << 12) | (((high >>> 16) & 0xf) << 12)) >>> 0;
        out.hi = (out.hi | (high & 0xffff)) >>> 0;
      };
    }
  }

  leafTemplate(
    level: number,
    pageShift: number,
    prot: number,
    attrs: number,
    out: DescriptorWords,
  ): void {
    if ((prot & (PROT_READ | PROT_WRITE)) === 0) {
      throw new MappingError("no-permission", "a mapping needs read or write permission");
    }
    const cacheable = (attrs & ATTR_CACHEABLE) !== 0;
    const device = (attrs & ATTR_DEVICE) !== 0;
    if (cacheable && device) {
      throw new MappingError("invalid", "a mapping cannot be both device and cacheable memory");
    }
    if ((attrs & ATTR_SECURE) !== 0 && !this.secure) {
      throw new MappingError(
        "invalid",
        `the ${this.regimeText()} makes Non-secure accesses only: a Secure mapping needs regime el3`,
      );
    }
    const type = this.levelNumber[level] === 3 ? TYPE_TABLE : TYPE_BLOCK;
    let lo = type | AF | (shBits(attrs) << SH_SHIFT);
    if (this.config.stage === 1) {
      // Write-only cannot be expressed: AP grants read with write (as Linux maps it).
      if ((prot & PROT_WRITE) === 0) lo |= AP_RDONLY;
      if (this.twoPrivilegeLevels) {
        lo |= NG;
        if ((prot & PROT_PRIV) === 0) lo |= AP_UNPRIV;
      } else {
        if ((prot & PROT_PRIV) === 0) {
          throw new MappingError(
            "invalid",
            `the ${this.regimeText()} has one privilege level: no EL0 (user) access can be granted`,
          );
        }
        lo |= AP_UNPRIV; // AP[1] is RES1 (as TF-A's xlat_tables writes it)
      }
      if (this.secure && (attrs & ATTR_SECURE) === 0) lo |= NS;
      const idx = device ? MAIR_IDX_DEV : cacheable ? MAIR_IDX_CACHE : MAIR_IDX_NC;
      lo |= idx << ATTRINDX_SHIFT;
    } else {
      if ((prot & PROT_PRIV) !== 0) {
        throw new MappingError("invalid", "stage-2 tables cannot express privileged-only access");
      }
      if ((prot & PROT_READ) !== 0) lo |= S2AP_READ;
      if ((prot & PROT_WRITE) !== 0) lo |= S2AP_WRITE;
      const memattr = device ? MEMATTR_DEV : cacheable ? MEMATTR_OIWB : MEMATTR_NC;
      lo |= memattr << MEMATTR_SHIFT;
    }
    out.lo = lo >>> 0;
    out.hi = (prot & PROT_EXEC) !== 0 ? 0 : this.twoPrivilegeLevels ? HI_XN : HI_XN54;
  }

  /** `EL3 translation regime`, for messages. */
  private regimeText(): string {
    if (this.config.stage === 2) return "stage-2 translation";
    return `${this.config.regime.label} translation regime`;
  }

  tableDescriptor(_level: number, tablePa: number, out: DescriptorWords): void {
    const pfn = tablePa / 4096;
    const low = pfn % TWO20;
    const high = (pfn - low) / TWO20;
    let lo = TYPE_TABLE | (low << 12);
    if (this.wide) lo |= ((high >>> 16) & 0xf) << 12;
    out.lo = lo >>> 0;
    out.hi = (high & 0xffff) >>> 0;
  }

  /** Output address bits [47:12] plus, for 52-bit output, [51:48] from bits [15:12]. */
  private address(lo: number, hi: number, alignShift: number): number {
    // Masks rather than `pa % 2 ** alignShift` (a floating-point remainder: this runs for every
    // table entry a proof reads).
    const loKept = alignShift >= 32 ? 0 : (lo & (-1 << alignShift)) >>> 0;
    const hiKept = alignShift <= 32 ? hi & 0xffff : hi & 0xffff & (-1 << (alignShift - 32));
    let pa = hiKept * 4294967296 + loKept;
    if (this.wide) pa += ((lo >>> 12) & 0xf) * 281474976710656; // OA[51:48] from bits [15:12]
    return pa;
  }

  decode(level: number, lo: number, hi: number, out: DecodedDescriptor): void {
    const n = this.levelNumber[level]!;
    const lvl = this.geometry.levels[level]!;
    const type = lo & TYPE_MASK;
    out.fault = undefined;
    if ((type & 1) === 0) {
      out.kind = DESC_INVALID;
      out.fault = `invalid descriptor (bit 0 clear) at level ${n}`;
      return;
    }
    if (type === TYPE_TABLE && n < 3) {
      out.kind = DESC_TABLE;
      out.tablePa = this.address(lo, hi, this.config.granuleShift);
      if (this.secure && (hi & HI_NSTABLE) !== 0) {
        // VCM never writes NSTable: the next level would be fetched from the Non-secure PA space
        // and every leaf below forced Non-secure. The proof does not follow such an entry.
        out.kind = DESC_INVALID;
        out.fault = `NSTable set at level ${n}: the next level is read from the Non-secure physical address space`;
        return;
      }
      // TCR.HPD0 is 0 in the TCR this format programs, so hierarchical permissions apply.
      if (this.config.stage === 1) out.prot = tableRights(hi, this.twoPrivilegeLevels);
      return;
    }
    if (type === TYPE_BLOCK && (n === 3 || lvl.pageShifts.length === 0)) {
      out.kind = DESC_INVALID;
      out.fault = `block descriptor not allowed at level ${n}`;
      return;
    }
    out.kind = DESC_LEAF;
    out.pageShift = lvl.shift;
    out.paPfn = this.address(lo, hi, lvl.shift) / 4096;
    const xn = (hi & (this.twoPrivilegeLevels ? HI_XN : HI_XN54)) !== 0;
    let prot = xn ? 0 : PROT_EXEC;
    let attrs = shAttrs((lo >>> SH_SHIFT) & 3);
    if (this.config.stage === 1) {
      prot |= PROT_READ;
      if ((lo & AP_RDONLY) === 0) prot |= PROT_WRITE;
      // With one privilege level AP[1] is ignored: every access is privileged.
      if (!this.twoPrivilegeLevels || (lo & AP_UNPRIV) === 0) prot |= PROT_PRIV;
      if (this.secure && (lo & NS) === 0) attrs |= ATTR_SECURE;
      attrs |= mairByteAttrs(MAIR_BYTES[(lo >>> ATTRINDX_SHIFT) & 7]!);
    } else {
      if ((lo & S2AP_READ) !== 0) prot |= PROT_READ;
      if ((lo & S2AP_WRITE) !== 0) prot |= PROT_WRITE;
      attrs |= memAttrAttrs((lo >>> MEMATTR_SHIFT) & 0xf);
    }
    out.prot = prot;
    out.attrs = attrs;
  }

  describeDescriptor(level: number, lo: number, hi: number): string {
    const n = this.levelNumber[level]!;
    const lvl = this.geometry.levels[level]!;
    const type = lo & TYPE_MASK;
    if ((type & 1) === 0) return "invalid";
    if (type === TYPE_TABLE && n < 3) {
      const next = `table -> 0x${this.address(lo, hi, this.config.granuleShift).toString(16)}`;
      if (this.config.stage !== 1) return next;
      const apTable = (hi >>> (61 - 32)) & 3;
      const two = this.twoPrivilegeLevels;
      return (
        next +
        (apTable !== 0 ? ` APTable=${apTable.toString(2).padStart(2, "0")}` : "") +
        ((hi & HI_UXNTABLE) !== 0 ? (two ? " UXNTable" : " XNTable") : "") +
        ((hi & HI_PXNTABLE) !== 0 ? " PXNTable" : "") +
        ((hi & HI_NSTABLE) !== 0 && this.secure ? " NSTable" : "")
      );
    }
    if (type === TYPE_BLOCK && (n === 3 || lvl.pageShifts.length === 0)) {
      return `reserved (block at level ${n})`;
    }
    const kind = n === 3 ? "page" : "block";
    const parts = [`${kind} pa=0x${this.address(lo, hi, lvl.shift).toString(16)}`];
    const sh = (lo >>> SH_SHIFT) & 3;
    if (this.config.stage === 1) {
      const idx = (lo >>> ATTRINDX_SHIFT) & 7;
      const attr = MAIR_BYTES[idx]!;
      parts.push(`AttrIndx=${idx} (${memoryTypeName(mairByteAttrs(attr), attr, 1)})`);
      parts.push(`AP=${((lo >>> 6) & 3).toString(2).padStart(2, "0")}`);
    } else {
      const memattr = (lo >>> MEMATTR_SHIFT) & 0xf;
      parts.push(
        `MemAttr=${memattr.toString(2).padStart(4, "0")} (${memoryTypeName(memAttrAttrs(memattr), memattr, 2)})`,
      );
      parts.push(`S2AP=${((lo >>> 6) & 3).toString(2).padStart(2, "0")}`);
    }
    parts.push(`SH=${sh.toString(2).padStart(2, "0")}`);
    if (this.secure && (lo & NS) !== 0) parts.push("NS");
    if ((lo & AF) !== 0) parts.push("AF");
    if (this.config.stage === 1 && (lo & NG) !== 0) parts.push("nG");
    if ((hi & (1 << (52 - 32))) !== 0) parts.push("Contig");
    const [b53, b54] =
      this.config.stage === 2
        ? ["XN[0]", "XN[1]"]
        : this.twoPrivilegeLevels
          ? ["PXN", "UXN"]
          : ["RES0(53)", "XN"];
    if ((hi & (1 << (53 - 32))) !== 0) parts.push(b53);
    if ((hi & (1 << (54 - 32))) !== 0) parts.push(b54);
    return parts.join(" ");
  }
}
