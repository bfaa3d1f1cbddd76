/**
 * The Linux rules of VFIO sPAPR TCE containers on PowerNV, as plain functions shared by
 * resolution, the checks and the runtime: where the platform puts a window, how much locked
 * memory a TCE table costs, and which IOMMU page sizes a pre-registered region can back.
 * Sources: drivers/vfio/vfio_iommu_spapr_tce.c, arch/powerpc/mm/book3s64/iommu_api.c,
 * arch/powerpc/platforms/powernv/pci-ioda.c and pci-ioda-tce.c.
 */
import type { IrContainerModel } from "../ir/types.js";

/** The closed set of container models: VFIO_SPAPR_TCE_IOMMU and VFIO_SPAPR_TCE_v2_IOMMU. */
export const CONTAINER_MODELS: readonly IrContainerModel[] = ["spapr-v1", "spapr-v2"];

export function isContainerModel(word: string): word is IrContainerModel {
  return (CONTAINER_MODELS as readonly string[]).includes(word);
}

/** IOMMU_TABLE_GROUP_MAX_TABLES: a container has at most this many DMA windows. */
export const MAX_WINDOWS = 2;

/** The name VCM gives the default 32-bit window the platform creates. */
export const DEFAULT_WINDOW = "default32";

/**
 * The default window as tce_iommu_create_default_window() creates it: 4K IOMMU pages, one level,
 * at tce32_start (0) of size tce32_size (phb->ioda.m32_pci_base, 2G on PHB3/PHB4).
 */
export const DEFAULT_WINDOW_GEOMETRY = {
  base: 0n,
  size: 0x8000_0000n,
  pageSize: 0x1000n,
  levels: 1,
} as const;

/** pe->tce_bypass_base: TVE #1 is selected by PCI address bit 59. */
export const PNV_SECOND_WINDOW_BASE = 1n << 59n;

/**
 * Where pnv_pci_ioda2_create_table() puts the table of slot `num`: slot 0 at tce32_start (0),
 * slot 1 at the bypass base (1<<59).
 */
export function platformWindowBase(slot: number): bigint {
  return slot === 0 ? DEFAULT_WINDOW_GEOMETRY.base : PNV_SECOND_WINDOW_BASE;
}

function log2(v: bigint): number {
  return v.toString(2).length - 1;
}

/** Is this a power of two? */
function pow2(v: bigint): boolean {
  return v > 0n && (v & (v - 1n)) === 0n;
}

/**
 * pnv_pci_ioda2_get_table_size(): the bytes tce_iommu_create_table() charges to the owner's
 * locked memory for a window, counting every level at its largest and the userspace copy of the
 * table ("one for HW table, one for userspace copy"). 0 when the kernel refuses the shape.
 * `hostPage` is the kernel's PAGE_SIZE, the smallest level allocation.
 */
export function tceTableBytes(
  pageSize: bigint,
  windowSize: bigint,
  levels: number,
  hostPage: bigint,
): bigint {
  if (levels < 1 || levels > 5 || !pow2(windowSize) || !pow2(pageSize) || !pow2(hostPage))
    return 0n;
  const pageShift = log2(pageSize);
  const windowShift = log2(windowSize);
  if (windowShift < pageShift) return 0n;
  let entriesShift = windowShift - pageShift;
  let tceTableSize = 1n << BigInt(entriesShift + 3);
  if (tceTableSize < 0x1000n) tceTableSize = 0x1000n;
  entriesShift = Math.floor((entriesShift + levels - 1) / levels);
  const tableShift = Math.max(entriesShift + 3, log2(hostPage));
  const direct = 1n << BigInt(tableShift);
  let bytes = 0n;
  for (let l = levels; l > 0; l--) {
    bytes += ((tceTableSize + direct - 1n) / direct) * direct;
    tceTableSize = (tceTableSize / direct) << 3n;
    if (tceTableSize < direct) tceTableSize = direct;
  }
  return bytes + bytes;
}

/**
 * mm_iommu_do_alloc(): the largest IOMMU page shift a registered region can back. It starts at
 * the natural alignment of the user address and size (`__ffs(ua | entries << PAGE_SHIFT)`), and
 * is capped by the backing page: a huge page (hugetlbfs) when larger than PAGE_SIZE, else
 * PAGE_SIZE itself.
 */
export function registrationPageShift(
  base: bigint,
  size: bigint,
  hostPage: bigint,
  backingPage: bigint,
): number {
  const v = base | size;
  let natural = 0;
  if (v === 0n) natural = 64;
  else while (((v >> BigInt(natural)) & 1n) === 0n) natural++;
  const hostShift = log2(hostPage);
  const backing = natural > hostShift && backingPage > hostPage ? log2(backingPage) : hostShift;
  return Math.min(natural, backing);
}

/** Is `[base, base + size)` aligned to the host page (tce_iommu_register_pages' -EINVAL)? */
export function hostPageAligned(base: bigint, size: bigint, hostPage: bigint): boolean {
  return base % hostPage === 0n && size % hostPage === 0n;
}
