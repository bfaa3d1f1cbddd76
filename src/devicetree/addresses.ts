/**
 * Addresses in a device tree: `reg` entries read with the parent's cell counts and translated
 * to CPU physical addresses through every `ranges` above (Devicetree Specification 2.3.6, 2.3.8),
 * and DMA windows from `dma-ranges` (2.3.9). Anything that does not translate is `undefined`
 * with a reason, never a guess.
 */
import { cellsValue, type DtNode } from "./tree.js";

export interface AddressRange {
  base: bigint;
  size: bigint;
}

export type Translated<T> = { ok: true; value: T } | { ok: false; why: string };

const LIMIT = 1n << 64n;
const hex = (v: bigint) => "0x" + v.toString(16);

/** The `reg` entries of `node` in its parent's address space (untranslated). */
export function regEntries(node: DtNode): Translated<AddressRange[]> {
  const parent = node.parent;
  if (!parent) return { ok: false, why: "the root has no reg" };
  const ac = parent.addressCells;
  const sc = parent.sizeCells;
  const cells = node.cells("reg");
  if (!cells) return { ok: false, why: "no reg property of whole 32-bit cells" };
  if (ac < 1 || ac > 2 || sc > 2) {
    return {
      ok: false,
      why: `#address-cells ${ac} / #size-cells ${sc} of the parent are not 1-2 / 0-2`,
    };
  }
  const step = ac + sc;
  if (cells.length === 0 || cells.length % step !== 0) {
    return { ok: false, why: `reg has ${cells.length} cells, not a multiple of ${step}` };
  }
  const out: AddressRange[] = [];
  for (let i = 0; i < cells.length; i += step) {
    const base = cellsValue(cells, i, ac);
    const size = cellsValue(cells, i + ac, sc);
    if (base + size > LIMIT)
      return { ok: false, why: `reg ${hex(base)} + ${hex(size)} passes 2^64` };
    out.push({ base, size });
  }
  return { ok: true, value: out };
}

interface RangeEntry {
  child: bigint;
  parent: bigint;
  size: bigint;
}

/** The entries of a `ranges`/`dma-ranges` of `bus` (child cells: bus's, parent cells: its parent's). */
function rangeEntries(
  bus: DtNode,
  prop: "ranges" | "dma-ranges",
): Translated<RangeEntry[] | "identity"> {
  const raw = bus.raw(prop);
  if (!raw) return { ok: false, why: `${bus.path} has no ${prop}` };
  if (raw.length === 0) return { ok: true, value: "identity" };
  const up = bus.parent;
  if (!up) return { ok: false, why: `the root cannot have ${prop}` };
  const cac = bus.addressCells;
  const pac = up.addressCells;
  const sc = bus.sizeCells;
  const cells = bus.cells(prop);
  if (cac > 2 || pac > 2 || sc > 2 || cac < 1 || pac < 1) {
    return {
      ok: false,
      why: `${bus.path}: ${prop} with ${cac}/${pac}/${sc} cells is not translated`,
    };
  }
  const step = cac + pac + sc;
  if (!cells || cells.length % step !== 0) {
    return { ok: false, why: `${bus.path}: ${prop} is not a multiple of ${step} cells` };
  }
  const out: RangeEntry[] = [];
  for (let i = 0; i < cells.length; i += step) {
    out.push({
      child: cellsValue(cells, i, cac),
      parent: cellsValue(cells, i + cac, pac),
      size: cellsValue(cells, i + cac + pac, sc),
    });
  }
  return { ok: true, value: out };
}

/** `range` of `node`'s parent address space as a CPU physical range, through every `ranges` above. */
export function translateUp(node: DtNode, range: AddressRange): Translated<AddressRange> {
  let r = range;
  for (let bus = node.parent; bus && bus.parent; bus = bus.parent) {
    const entries = rangeEntries(bus, "ranges");
    if (!entries.ok)
      return { ok: false, why: `${bus.path} has no ranges: its children are not memory-mapped` };
    if (entries.value === "identity") continue;
    const hit = entries.value.find((e) => r.base >= e.child && r.base + r.size <= e.child + e.size);
    if (!hit) return { ok: false, why: `${hex(r.base)} lies in no ranges entry of ${bus.path}` };
    r = { base: r.base - hit.child + hit.parent, size: r.size };
    if (r.base + r.size > LIMIT) return { ok: false, why: `${bus.path}: translation passes 2^64` };
  }
  return { ok: true, value: r };
}

/** Every `reg` entry of `node` as CPU physical ranges. */
export function physicalRegs(node: DtNode): Translated<AddressRange[]> {
  const regs = regEntries(node);
  if (!regs.ok) return regs;
  const out: AddressRange[] = [];
  for (const r of regs.value) {
    const t = translateUp(node, r);
    if (!t.ok) return t;
    out.push(t.value);
  }
  return { ok: true, value: out };
}

/** How a device without an IOMMU reaches memory: bus address + offset = physical, below 2^bits. */
export interface DmaWindow {
  /** physical - bus (Linux: `dma_range_map` `offset`); negative when bus addresses sit above. */
  offset: bigint;
  /** Bits of the highest bus address the window allows (Linux of_dma_configure: ilog2(end) + 1). */
  maskBits: number;
  /** Non-fatal remarks (several entries, only the first used). */
  notes: string[];
  /** The bus whose `dma-ranges` gave the window, if any (else: no dma-ranges, 1:1). */
  bus?: string;
}

function bitsFor(last: bigint): number {
  return last <= 0n ? 1 : last.toString(2).length;
}

/**
 * The DMA window of a device, from the first `dma-ranges` above it. As Linux's
 * of_dma_get_range, each level's dma-ranges maps child bus addresses to the parent's; levels
 * are composed up to the root. With no dma-ranges anywhere: 1:1, no mask limit (64 bits).
 */
export function dmaWindow(node: DtNode): Translated<DmaWindow> {
  let offset = 0n;
  let lowBus: bigint | undefined;
  let lastBus: bigint | undefined;
  const notes: string[] = [];
  let first: string | undefined;
  for (let bus = node.parent; bus && bus.parent; bus = bus.parent) {
    if (!bus.has("dma-ranges")) continue;
    const entries = rangeEntries(bus, "dma-ranges");
    if (!entries.ok) return entries;
    if (entries.value === "identity") continue;
    const e = entries.value[0]!;
    if (entries.value.length > 1) {
      notes.push(
        `${bus.path}: dma-ranges has ${entries.value.length} entries; the first is imported`,
      );
    }
    first ??= bus.path;
    if (lowBus === undefined) {
      lowBus = e.child;
      lastBus = e.child + e.size - 1n;
    }
    offset += e.parent - e.child;
  }
  return {
    ok: true,
    value: {
      offset,
      maskBits: lastBus === undefined ? 64 : bitsFor(lastBus),
      notes,
      ...(first ? { bus: first } : {}),
    },
  };
}
