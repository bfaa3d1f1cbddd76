/**
 * Physical memory of an imported tree: `memory` nodes become `ram` regions, cut around the
 * static `reserved-memory` children and `/memreserve/` entries, which become regions of their own
 * (`no-map`: `reserved`; else `ram`); dynamic reservations (`size`, `alloc-ranges`) become
 * comments, since the kernel places them. MSI doorbells are `reserved` regions. One page-table
 * pool is carved from the top of the largest RAM region.
 */
import { D } from "../diagnostics/catalogue.js";
import type { AddressRange } from "./addresses.js";
import { isOkay, type ImportContext, type Region } from "./import-context.js";
import { cellsValue, type DtNode } from "./tree.js";
import { vcmHex, vcmSize } from "./vcm-text.js";

/** The page-table pool the skeleton carves from the largest RAM region. */
export const POOL_SIZE = 16n << 20n;

interface RamBank {
  node: DtNode;
  range: AddressRange;
}

const byBase = (a: { range: AddressRange }, b: { range: AddressRange }) =>
  a.range.base < b.range.base ? -1 : 1;

/**
 * GICv3 ITS and GICv2m frames: the page MSI writes land on, as a `reserved` region (the IOMMU
 * must not map it as memory).
 */
export function msiDoorbells(ctx: ImportContext): Region[] {
  const out: Region[] = [];
  for (const n of ctx.tree.root.walk()) {
    const compat = n.strings("compatible") ?? [];
    const its = compat.includes("arm,gic-v3-its");
    const v2m = compat.includes("arm,gic-v2m-frame");
    if (!(its || v2m) || !n.has("msi-controller")) continue;
    if (!isOkay(n)) {
      ctx.skip(n, "status disabled");
      continue;
    }
    const regs = ctx.regs(n);
    if (!regs) continue;
    const base = regs[0]!.base;
    // GITS_TRANSLATER lives in the ITS's second 64K frame (offset 0x10040); a GICv2m frame's
    // MSI_SETSPI_NS at 0x40 of its 4K page.
    const page = its ? { base: base + 0x1_0000n, size: 0x1_0000n } : { base, size: 0x1000n };
    out.push({
      name: ctx.namer.fresh(`${ctx.namer.of(n)}_doorbell`),
      range: page,
      kind: "reserved",
      comment: `dt: ${n.path} (${its ? "GITS_TRANSLATER frame" : "GICv2m MSI_SETSPI_NS page"}: MSI writes land here)`,
    });
    ctx.mapped.add(n);
    ctx.count("msi-controller");
  }
  return out;
}

/** The banks of every usable `memory` node, sorted by address. */
function ramBanks(ctx: ImportContext): RamBank[] {
  const ram: RamBank[] = [];
  for (const n of ctx.tree.root.walk()) {
    if (n.string("device_type") !== "memory") continue;
    if (!isOkay(n)) {
      ctx.skip(n, "status disabled");
      continue;
    }
    const regs = ctx.regs(n);
    if (!regs) continue;
    ctx.mapped.add(n);
    for (const r of regs) if (r.size > 0n) ram.push({ node: n, range: r });
  }
  ram.sort(byBase);
  return ram;
}

function allocRanges(ctx: ImportContext, c: DtNode, resv: DtNode): AddressRange[] {
  const cells = c.cells("alloc-ranges");
  if (!cells) return [];
  const ac = resv.addressCells;
  const sc = resv.sizeCells;
  if (ac < 1 || ac > 2 || sc < 1 || sc > 2 || cells.length % (ac + sc) !== 0) {
    ctx.warn(D.dtPropertyMalformed.messages.allocRanges, c, { addressCells: ac, sizeCells: sc });
    return [];
  }
  const out: AddressRange[] = [];
  for (let i = 0; i < cells.length; i += ac + sc) {
    out.push({ base: cellsValue(cells, i, ac), size: cellsValue(cells, i + ac, sc) });
  }
  return out;
}

/** A static reservation (`reg`): a carve-out per entry, the first named after the node. */
function staticReservation(ctx: ImportContext, c: DtNode, flagText: string, carve: Region[]): void {
  const regs = ctx.regs(c);
  if (!regs) return;
  const name = ctx.namer.of(c);
  regs.forEach((r, i) => {
    carve.push({
      name: i === 0 ? name : ctx.namer.fresh(`${name}_${i}`),
      range: r,
      kind: c.has("no-map") ? "reserved" : "ram",
      comment: `dt: ${c.path}${flagText}`,
    });
  });
  ctx.mapped.add(c);
  ctx.count("reserved-memory");
}

/** A dynamic reservation (`size`, `alignment`, `alloc-ranges`): comment lines, placed at boot. */
function dynamicReservation(
  ctx: ImportContext,
  c: DtNode,
  resv: DtNode,
  flagText: string,
  dynamic: string[],
): void {
  const size = c.cells("size");
  if (!size || (size.length !== 1 && size.length !== 2)) {
    ctx.warn(D.dtPropertyMalformed.messages.noSize, c);
    ctx.skip(c, "neither reg nor size");
    return;
  }
  const sz = cellsValue(size, 0, size.length);
  const align = c.cells("alignment");
  const alignText =
    align && (align.length === 1 || align.length === 2)
      ? `, alignment ${vcmSize(cellsValue(align, 0, align.length))}`
      : "";
  const ranges = allocRanges(ctx, c, resv);
  dynamic.push(
    `// ${c.path}${flagText}: size ${vcmSize(sz)}${alignText}` +
      (ranges.length > 0
        ? `, alloc-ranges ${ranges.map((r) => `${vcmHex(r.base)} .. +${vcmSize(r.size)}`).join(", ")}`
        : ", anywhere in RAM"),
    `//   buffer ${ctx.namer.of(c)} in REGION size ${vcmSize(sz)}   // once you know where it lands`,
  );
  ctx.mapped.add(c);
  ctx.count("reserved-memory (dynamic)");
}

/** The children of /reserved-memory: static ones into `carve`, dynamic ones into `dynamic`. */
function reservedMemory(ctx: ImportContext, carve: Region[], dynamic: string[]): void {
  const resv = ctx.tree.root.child("reserved-memory");
  if (!resv) return;
  ctx.mapped.add(resv);
  for (const c of resv.children) {
    if (!isOkay(c)) {
      ctx.skip(c, "status disabled");
      continue;
    }
    const flags = [
      c.has("no-map") ? "no-map" : "",
      c.has("reusable") ? "reusable" : "",
      ...(c.strings("compatible") ?? []),
    ].filter((s) => s !== "");
    const flagText = flags.length > 0 ? ` (${flags.join(", ")})` : "";
    if (c.has("reg")) staticReservation(ctx, c, flagText, carve);
    else dynamicReservation(ctx, c, resv, flagText, dynamic);
  }
}

/** The header's /memreserve/ entries, as `reserved` carve-outs. */
function memreserves(ctx: ImportContext, carve: Region[]): void {
  ctx.tree.reservations.forEach((r, i) => {
    if (r.size === 0n) return;
    carve.push({
      name: ctx.namer.fresh(`memreserve_${i}`),
      range: { base: r.address, size: r.size },
      kind: "reserved",
      comment: "/memreserve/ entry of the header's memory reservation block",
    });
    ctx.count("memreserve");
  });
}

/** Sorted by address, each overlapping an earlier one left out with a warning. */
function withoutOverlaps(ctx: ImportContext, regions: Region[], what: string): Region[] {
  regions.sort(byBase);
  const kept: Region[] = [];
  for (const r of regions) {
    const prev = kept[kept.length - 1];
    if (prev && r.range.base < prev.range.base + prev.range.size) {
      const overlap =
        what === "reservation"
          ? D.dtPropertyMalformed.messages.reservationOverlap
          : D.dtPropertyMalformed.messages.regionOverlap;
      ctx.warn(overlap, undefined, { name: r.name, previous: prev.name });
      continue;
    }
    kept.push(r);
  }
  return kept;
}

/** RAM keeps what lies around the (sorted, disjoint) carve-outs, as regions of its own. */
function ramAround(ctx: ImportContext, ram: RamBank[], kept: Region[]): void {
  const named = new Set<DtNode>();
  for (const { node, range } of ram) {
    let cursor = range.base;
    const end = range.base + range.size;
    const push = (lo: bigint, hi: bigint) => {
      if (hi <= lo) return;
      // A node's first piece has its name; later pieces (other banks, the RAM between
      // carve-outs) are named after their base address.
      const name = named.has(node)
        ? ctx.namer.fresh(`${node.baseName}_${lo.toString(16)}`)
        : ctx.namer.of(node);
      named.add(node);
      ctx.regions.push({
        name,
        range: { base: lo, size: hi - lo },
        kind: "ram",
        comment: `dt: ${node.path}`,
      });
      ctx.count("memory");
    };
    // Carve-outs are sorted and disjoint: start at the first one ending after this bank.
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (kept[mid]!.range.base + kept[mid]!.range.size <= cursor) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < kept.length && kept[k]!.range.base < end; k++) {
      const c = kept[k]!;
      const cEnd = c.range.base + c.range.size;
      push(cursor, c.range.base < cursor ? cursor : c.range.base);
      cursor = cEnd > cursor ? cEnd : cursor;
    }
    push(cursor, end);
  }
}

/**
 * Reads memory and reserved-memory into the context's regions (after the doorbells already
 * there); returns the comment lines of dynamic reservations.
 */
export function memoryAndReservations(ctx: ImportContext): string[] {
  const ram = ramBanks(ctx);
  // Carve-outs: static reserved-memory children and /memreserve/ entries.
  const carve: Region[] = [];
  const dynamic: string[] = [];
  reservedMemory(ctx, carve, dynamic);
  memreserves(ctx, carve);
  // Carve-outs are their own regions; RAM keeps what lies around them.
  const kept = withoutOverlaps(ctx, carve, "reservation");
  ramAround(ctx, ram, kept);
  for (const c of kept) ctx.regions.push(c);
  // Two memory nodes that overlap (or a region overlapping a doorbell) would not check.
  const clean = withoutOverlaps(ctx, ctx.regions, "region");
  ctx.regions.length = 0;
  for (const r of clean) ctx.regions.push(r);
  if (ram.length === 0) {
    ctx.warn(D.dtNoMemory, undefined);
  }
  return dynamic;
}

/** The `memory` lines, and the pool at the top of the largest RAM region (when a mapper uses it). */
export function memoryLines(ctx: ImportContext): string[] {
  if (ctx.regions.length === 0) return [];
  const out = ["// Physical memory (memory nodes, reserved-memory carve-outs, MSI doorbells)"];
  const width = ctx.regions.reduce((w, r) => Math.max(w, r.name.length), 0);
  for (const r of ctx.regions) {
    out.push(
      `memory ${r.name.padEnd(width)} ${vcmHex(r.range.base)} .. +${vcmSize(r.range.size)} ${r.kind}   // ${r.comment}`,
    );
  }
  // The pool: the top of the largest RAM region, 4K-aligned (VCM0140).
  const ram = ctx.regions.filter((r) => r.kind === "ram" && r.range.size >= 1n << 20n);
  if (ram.length > 0 && ctx.mappers > 0) {
    const big = ram.reduce((a, b) => (b.range.size > a.range.size ? b : a));
    const size = big.range.size >= POOL_SIZE * 4n ? POOL_SIZE : (big.range.size / 4n) & ~0xfffn;
    const offset = (big.range.size - size) & ~0xfffn;
    const pool = ctx.namer.fresh("vcm_tables");
    out.push(
      `pool ${pool} in ${big.name}[${vcmHex(offset)} .. +${vcmSize(size)}]   // page tables of every mapper (a no-map carve-out in the overlay)`,
    );
  }
  out.push("");
  return out;
}
