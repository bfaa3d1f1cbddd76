/**
 * The AMD IOMMU device table (AMD IOMMU spec 2.2.2 "Device Table"; Linux drivers/iommu/amd/
 * init.c, iommu.c set_dte_entry, amd_iommu_types.h DTE_FLAG_* / DEV_ENTRY_*).
 *
 * One 256-bit (32-byte) entry per DeviceID (the 16-bit bus:devfn, our `stream`). Qword 0: V (bit 0),
 * TV (bit 1), Mode (bits 11:9, the number of page-table levels; 0 = translation disabled), Page
 * Table Root Pointer (bits 51:12), IR (bit 61), IW (bit 62). Qword 1: DomainID (bits 15:0).
 * The Device Table Base Address register (MMIO offset 0x0000) holds the table address in bits 51:12
 * and its size in 4K pages minus one in bits 8:0.
 */
import {
  MappingError,
  type DeviceBinding,
  type PhysicalMemory,
  type PoolAllocator,
} from "../../src/plugin-api/index.js";

export const DTE_BYTES = 32n;
export const DTE_V = 1n << 0n;
export const DTE_TV = 1n << 1n;
export const DTE_MODE_SHIFT = 9n;
export const DTE_IR = 1n << 61n;
export const DTE_IW = 1n << 62n;
const ADDR_MASK = 0x000f_ffff_ffff_f000n;

/** Qword 0 of a translating DTE (set_dte_entry: root | mode << 9 | IR | IW | V | TV). */
export function dteQword0(root: bigint, levels: number): bigint {
  return (
    (root & ADDR_MASK) | (BigInt(levels & 7) << DTE_MODE_SHIFT) | DTE_IR | DTE_IW | DTE_V | DTE_TV
  );
}

/** Qword 1: the domain id tagging the IOTLB entries (DEV_DOMID_MASK). */
export function dteQword1(domainId: number): bigint {
  return BigInt(domainId) & 0xffffn;
}

/**
 * The table size for the highest DeviceID, in bytes: a power-of-two number of pages, as Linux's
 * tbl_size() (PAGE_SHIFT + get_order((last_bdf + 1) * entry size)).
 */
export function deviceTableBytes(lastDeviceId: bigint): number {
  const need = Number((lastDeviceId + 1n) * DTE_BYTES);
  let bytes = 4096;
  while (bytes < need) bytes *= 2;
  return bytes;
}

/** DevTabBase register value: base | (size in pages - 1). */
export function devTabBaseRegister(base: bigint, bytes: number): bigint {
  return (base & ADDR_MASK) | BigInt(bytes / 4096 - 1);
}

/**
 * Build the device table for `bindings`. Unbound DeviceIDs get V=1, TV=1, Mode=0, IR=IW=0: DMA
 * blocked, as Linux's init_device_table_dma leaves every entry until a domain is attached.
 */
export function buildDeviceTable(
  memory: PhysicalMemory,
  pool: PoolAllocator,
  bindings: readonly DeviceBinding[],
  levelsOf: (binding: DeviceBinding) => number,
): bigint {
  let last = 0n;
  const seen = new Map<bigint, string>();
  for (const b of bindings) {
    if (b.stream < 0n || b.stream > 0xffffn) {
      throw new MappingError(
        "out-of-range",
        `device '${b.device}': DeviceID 0x${b.stream.toString(16)} is not a 16-bit bus:devfn`,
      );
    }
    const other = seen.get(b.stream);
    if (other !== undefined) {
      throw new MappingError(
        "exists",
        `devices '${other}' and '${b.device}' share DeviceID 0x${b.stream.toString(16)}`,
      );
    }
    seen.set(b.stream, b.device);
    if (b.stream > last) last = b.stream;
  }
  const bytes = deviceTableBytes(last);
  const base = BigInt(pool.alloc(bytes, 4096));
  for (let id = 0n; id * DTE_BYTES < BigInt(bytes); id++) {
    memory.write64(base + id * DTE_BYTES, DTE_V | DTE_TV);
  }
  for (const b of bindings) {
    const dte = base + b.stream * DTE_BYTES;
    memory.write64(dte, dteQword0(b.table.root, levelsOf(b)));
    memory.write64(dte + 8n, dteQword1(b.domainId));
  }
  return devTabBaseRegister(base, bytes);
}

/** Resolve a DeviceID through the device table in memory. */
export function lookupDte(
  memory: PhysicalMemory,
  devTabBase: bigint,
  stream: bigint,
): { root: bigint; domainId: number; levels: number } | { fault: string } {
  const base = devTabBase & ADDR_MASK;
  const entries = (((devTabBase & 0x1ffn) + 1n) * 4096n) / DTE_BYTES;
  if (stream < 0n || stream >= entries) {
    return {
      fault: `DeviceID 0x${stream.toString(16)} is beyond the device table (${entries} entries)`,
    };
  }
  const q0 = memory.read64(base + stream * DTE_BYTES);
  const q1 = memory.read64(base + stream * DTE_BYTES + 8n);
  const id = `DTE 0x${stream.toString(16)}`;
  if ((q0 & DTE_V) === 0n) return { fault: `${id}: V=0 (no device table entry)` };
  if ((q0 & DTE_TV) === 0n) return { fault: `${id}: TV=0 (translation information not valid)` };
  const mode = Number((q0 >> DTE_MODE_SHIFT) & 7n);
  if (mode === 0) return { fault: `${id}: Mode=0, translation disabled` };
  if (mode === 7) return { fault: `${id}: Mode=7 is reserved` };
  if ((q0 & (DTE_IR | DTE_IW)) === 0n) return { fault: `${id}: IR=IW=0, every access is blocked` };
  return { root: q0 & ADDR_MASK, domainId: Number(q1 & 0xffffn), levels: mode };
}
