/**
 * The AMD K8 GART remapping table (GATT): one flat level of 32-bit entries, one per 4K page of
 * the aperture (Linux arch/x86/kernel/amd_gart_64.c, arch/x86/include/asm/gart.h). An entry is
 * GPTE_ENCODE(pa) = pa[31:12] at bits [31:12], pa[39:32] at bits [11:4], GPTE_VALID (bit 0),
 * GPTE_COHERENT (bit 1, snoop the CPU caches). There are no permission bits: a valid entry
 * grants read and write.
 */
import {
  ATTR_CACHEABLE,
  MappingError,
  PROT_READ,
  PROT_WRITE,
  DESC_INVALID,
  decodedDescriptor,
  DESC_LEAF,
  type DecodedDescriptor,
  type DescriptorWords,
  type RadixFormat,
  type RadixGeometry,
} from "../../src/plugin-api/index.js";

export const GPTE_VALID = 0x1;
export const GPTE_COHERENT = 0x2;
/** GART_MAX_PHYS_ADDR: the GART can only remap to physical addresses below 1 TB. */
export const GART_OUTPUT_BITS = 40;

/** GPTE_ENCODE for a page frame number (pa / 4096), without the flag bits. */
export function gartEncodeAddress(paPfn: number): number {
  return ((((paPfn & 0xfffff) * 4096) >>> 0) | (((paPfn / 2 ** 20) & 0xff) << 4)) >>> 0;
}

/** GPTE_DECODE as a page frame number. */
export function gartDecodePfn(lo: number): number {
  return (lo >>> 12) + ((lo >>> 4) & 0xff) * 2 ** 20;
}

export function gartGeometry(aperture: { base: bigint; size: bigint }): RadixGeometry {
  const bits = aperture.size.toString(2).length - 1 - 12;
  return {
    levels: [
      {
        number: 1,
        shift: 12,
        bits,
        tableBytes: Math.max(2 ** bits * 4, 4096),
        tableAlign: 4096,
        pageShifts: [12],
        tables: false,
      },
    ],
    entryBytes: 4,
    bigEndian: false,
    inputBits: bits + 12,
    outputBits: GART_OUTPUT_BITS,
    iovaBase: aperture.base,
  };
}

export function gartDecode(lo: number, out: DecodedDescriptor): void {
  out.fault = undefined;
  if ((lo & GPTE_VALID) === 0) {
    out.kind = DESC_INVALID;
    return;
  }
  out.kind = DESC_LEAF;
  out.paPfn = gartDecodePfn(lo);
  out.prot = PROT_READ | PROT_WRITE;
  out.attrs = (lo & GPTE_COHERENT) !== 0 ? ATTR_CACHEABLE : 0;
  out.pageShift = 12;
}

export function gartFormat(aperture: { base: bigint; size: bigint }): RadixFormat {
  const scratch = decodedDescriptor();
  return {
    geometry: gartGeometry(aperture),
    leafTemplate(
      _level: number,
      _pageShift: number,
      prot: number,
      attrs: number,
      out: DescriptorWords,
    ) {
      if ((prot & (PROT_READ | PROT_WRITE)) === 0) {
        throw new MappingError("no-permission", "a mapping needs read or write access");
      }
      // No permission bits: read-only and write-only requests become read+write.
      out.lo = GPTE_VALID | ((attrs & ATTR_CACHEABLE) !== 0 ? GPTE_COHERENT : 0);
      out.hi = 0;
    },
    encodeLeafAddress(_level: number, _pageShift: number, paPfn: number, out: DescriptorWords) {
      out.lo = (out.lo | gartEncodeAddress(paPfn)) >>> 0;
    },
    tableDescriptor() {
      throw new Error("the GART table has one level");
    },
    decode(_level: number, lo: number, _hi: number, out: DecodedDescriptor) {
      gartDecode(lo, out);
    },
    describeDescriptor(_level: number, lo: number) {
      gartDecode(lo, scratch);
      if (scratch.kind !== DESC_LEAF) return "invalid";
      return (
        `gpte pa=0x${(scratch.paPfn * 4096).toString(16)} V` +
        ((lo & GPTE_COHERENT) !== 0 ? " COHERENT" : "")
      );
    },
  };
}

/** The K8 northbridge registers a driver programs (aperture_64.c, amd_gart_64.c). */
export function gartRegisters(
  gattPa: bigint,
  aperture: { base: bigint; size: bigint },
): Record<string, bigint> {
  // Aperture size = 32M << order (GARTAPERTURECTL bits [3:1]).
  const order = BigInt(aperture.size.toString(2).length - 1 - 25);
  return {
    GARTAPERTURECTL: (order << 1n) | 0x1n | 0x40n, // order, GARTEN, DISTLBWALKPRB
    GARTAPERTUREBASE: aperture.base >> 25n,
    GARTTABLEBASE: (gattPa >> 12n) << 4n,
    APERTURE_BASE: aperture.base,
    APERTURE_SIZE: aperture.size,
    GATT_BASE: gattPa,
  };
}
