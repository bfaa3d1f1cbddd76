/**
 * PCIe host bridges: their `iommu-map` and `msi-map` as comments (how a requester ID becomes a
 * stream or device ID, as Linux's of_map_id reads them), and the PCI functions the tree lists as
 * devices with the stream ID their RID maps to.
 */
import { D } from "../diagnostics/catalogue.js";
import { physicalRegs } from "./addresses.js";
import { coherenceText, isOkay, type ImportContext } from "./import-context.js";
import type { DtNode } from "./tree.js";
import { hex } from "../diagnostics/format.js";
import { vcmHex, vcmSize } from "./vcm-text.js";

interface IdMapEntry {
  ridBase: number;
  target: DtNode;
  outBase: number;
  length: number;
}

/** Where a requester ID goes through a bridge's iommu-map: its IOMMU node and stream ID. */
type RidTranslation = (rid: number) => { iommu: DtNode; stream: bigint } | undefined;

/** `iommu-map` / `msi-map` as Linux's of_map_id reads them: 4 cells per entry. */
function idMap(
  ctx: ImportContext,
  n: DtNode,
  prop: "iommu-map" | "msi-map",
): IdMapEntry[] | undefined {
  if (!n.has(prop)) return undefined;
  const cells = n.cells(prop);
  if (!cells || cells.length % 4 !== 0) {
    ctx.warn(D.dtPropertyMalformed.messages.idMapCells, n, { property: prop });
    return undefined;
  }
  const out = [];
  for (let i = 0; i < cells.length; i += 4) {
    const target = ctx.phandles.get(cells[i + 1]!);
    if (!target) {
      ctx.warn(D.dtPhandleUnresolved, n, { property: prop, phandle: hex(cells[i + 1]!) });
      return undefined;
    }
    out.push({ ridBase: cells[i]!, target, outBase: cells[i + 2]!, length: cells[i + 3]! });
  }
  return out;
}

/** `bus:dev.fn` of a requester ID, with `sep` after the bus and the device. */
function bdfOf(rid: number, sep: [string, string]): string {
  const bus = ((rid >> 8) & 0xff).toString(16).padStart(2, "0");
  const dev = ((rid >> 3) & 0x1f).toString(16).padStart(2, "0");
  return `${bus}${sep[0]}${dev}${sep[1]}${rid & 7}`;
}

/** The bridge's comment lines: registers, buses, coherence, its id maps and MSI parent. */
function bridgeComments(
  ctx: ImportContext,
  n: DtNode,
  imap: IdMapEntry[] | undefined,
  mmap: IdMapEntry[] | undefined,
  mask: number,
): string[] {
  const lines: string[] = [];
  const regs = physicalRegs(n);
  const ecam = regs.ok
    ? ` (registers ${vcmHex(regs.value[0]!.base)} .. +${vcmSize(regs.value[0]!.size)})`
    : "";
  const bus = n.cells("bus-range");
  lines.push(
    `// ${n.path}${ecam}, buses ${bus && bus.length === 2 ? `0x${bus[0]!.toString(16)}..0x${bus[1]!.toString(16)}` : "0x00..0xff"}; ${coherenceText(n)}`,
  );
  const msiMask = n.u32("msi-map-mask");
  const describe = (what: string, map: IdMapEntry[], to: (t: DtNode) => string) => {
    for (const e of map) {
      const last = e.ridBase + e.length - 1;
      lines.push(
        `//   ${what}: RID 0x${e.ridBase.toString(16)}..0x${last.toString(16)} -> ${to(e.target)} 0x${e.outBase.toString(16)} + (RID - 0x${e.ridBase.toString(16)})`,
      );
    }
  };
  if (imap) {
    describe("iommu-map", imap, (t) => `${ctx.iommus.get(t)?.name ?? t.path} stream`);
    if (mask !== 0xffff) lines.push(`//   iommu-map-mask 0x${mask.toString(16)}`);
  }
  if (mmap) {
    describe("msi-map", mmap, (t) => `${ctx.namer.of(t)} device ID`);
    if (msiMask !== undefined) lines.push(`//   msi-map-mask 0x${msiMask.toString(16)}`);
  }
  const parent = n.cells("msi-parent");
  if (!mmap && parent && parent.length >= 1) {
    const t = ctx.phandles.get(parent[0]!);
    if (t) lines.push(`//   msi-parent: ${ctx.namer.of(t)} (every function's MSIs)`);
  }
  return lines;
}

/**
 * Functions the tree lists (reg phys.hi = bus:dev.fn << 8) are devices with their stream.
 * Returns whether any became a device.
 */
function functionDevices(
  ctx: ImportContext,
  n: DtNode,
  translate: RidTranslation,
  lines: string[],
): boolean {
  let declared = false;
  for (const c of n.children.filter((c) => c.has("reg"))) {
    const reg = c.cells("reg");
    if (!reg || reg.length < 3) {
      ctx.warn(D.dtPropertyMalformed.messages.pciReg, c);
      continue;
    }
    const rid = (reg[0]! >> 8) & 0xffff;
    const bdf = bdfOf(rid, [":", "."]);
    if (ctx.iommus.has(c)) {
      lines.push(
        `//   ${c.path} is ${bdf} (RID 0x${rid.toString(16)}): the IOMMU ${ctx.iommus.get(c)!.name} itself`,
      );
      continue;
    }
    const t = translate(rid);
    const iommu = t && ctx.iommus.get(t.iommu);
    if (!t || !iommu) {
      ctx.skip(c, `PCI function ${bdf}: its RID maps to no IOMMU with a format here`);
      continue;
    }
    lines.push(
      `device ${ctx.namer.of(c)} behind ${iommu.name} stream ${vcmHex(t.stream)}   // dt: ${c.path} (${bdf}, RID 0x${rid.toString(16)}; ${coherenceText(n)})`,
    );
    ctx.mapped.add(c);
    ctx.count("device");
    declared = true;
  }
  return declared;
}

/**
 * The function at the iommu-map's first RID (the root port or host bridge) exists on every such
 * bus; it is declared so the IOMMU has a device, and shows the form of the lines to add.
 */
function firstFunction(
  ctx: ImportContext,
  n: DtNode,
  imap: IdMapEntry[],
  translate: RidTranslation,
): string | undefined {
  const rid = imap[0]!.ridBase;
  const t = translate(rid);
  const iommu = t && ctx.iommus.get(t.iommu);
  if (!t || !iommu) return undefined;
  const bdf = bdfOf(rid, ["_", "_"]);
  ctx.count("device");
  return `device ${ctx.namer.fresh(`${ctx.namer.of(n)}_${bdf}`)} behind ${iommu.name} stream ${vcmHex(t.stream)}   // RID 0x${rid.toString(16)}: the first function of ${n.path}; add one line per function found at boot`;
}

/** Every usable PCIe host bridge (a `pci` node not under another): comments and devices. */
export function pciHostBridges(ctx: ImportContext): string[] {
  const lines: string[] = [];
  for (const n of ctx.tree.root.walk()) {
    if (n.string("device_type") !== "pci" || (n.parent && n.parent.string("device_type") === "pci"))
      continue;
    if (!isOkay(n)) {
      ctx.skip(n, "status disabled");
      continue;
    }
    ctx.mapped.add(n);
    ctx.count("pcie-host-bridge");
    const mask = n.u32("iommu-map-mask") ?? 0xffff;
    const imap = idMap(ctx, n, "iommu-map");
    const mmap = idMap(ctx, n, "msi-map");
    for (const l of bridgeComments(ctx, n, imap, mmap, mask)) lines.push(l);
    const translate: RidTranslation = (rid) => {
      const m = rid & mask;
      const e = imap?.find((x) => m >= x.ridBase && m < x.ridBase + x.length);
      return e ? { iommu: e.target, stream: BigInt(e.outBase + (m - e.ridBase)) } : undefined;
    };
    const declared = functionDevices(ctx, n, translate, lines);
    if (imap && !declared) {
      const line = firstFunction(ctx, n, imap, translate);
      if (line !== undefined) lines.push(line);
    }
    if (!imap) lines.push("//   no iommu-map: its functions reach memory without an IOMMU");
  }
  return lines;
}
