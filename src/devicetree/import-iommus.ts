/**
 * IOMMUs and the devices behind them: an IOMMU node with a known compatible becomes an `iommu`
 * with its page-table format; a node with `iommus` becomes one device per stream ID (several IDs
 * on one IOMMU: one group, as Linux makes one iommu_group; devices sharing an ID are grouped too).
 */
import { D } from "../diagnostics/catalogue.js";
import { coherenceText, isOkay, type ImportContext } from "./import-context.js";
import { iommuFormatFor } from "./iommu-formats.js";
import type { DtNode } from "./tree.js";
import { hex } from "../diagnostics/format.js";
import { vcmHex, vcmSize } from "./vcm-text.js";

/** Linux's software MSI window of arm-smmu, arm-smmu-v3 and virtio-iommu (MSI_IOVA_BASE/LENGTH). */
export const SW_MSI_BASE = 0x0800_0000n;
export const SW_MSI_SIZE = 0x10_0000n;

interface DeviceLine {
  name: string;
  iommu: string;
  stream?: bigint;
  group?: number;
  comment: string;
}

interface IommuRef {
  iommu: DtNode;
  stream?: bigint;
  mask?: number;
}

/** The `iommu` lines: each IOMMU node whose compatible has a page-table format here. */
export function iommuNodes(ctx: ImportContext): string[] {
  const lines: string[] = [];
  for (const n of ctx.tree.root.walk()) {
    if (!n.has("#iommu-cells")) continue;
    const compat = n.strings("compatible") ?? [];
    const format = iommuFormatFor(compat);
    if (!format) {
      ctx.skip(n, `IOMMU with no page-table format for ${compat.join(", ") || "no compatible"}`);
      continue;
    }
    if (!isOkay(n)) {
      ctx.skip(n, "status disabled");
      continue;
    }
    const name = ctx.namer.of(n);
    ctx.iommus.set(n, { name, format });
    ctx.mappers++;
    const params = [...format.params];
    // The driver reserves this window whether or not an MSI controller is described.
    if (format.softwareMsi) {
      params.push(`msi ${vcmHex(SW_MSI_BASE)} .. +${vcmSize(SW_MSI_SIZE)}`);
    }
    lines.push(
      `iommu ${name} : ${format.plugin} { ${params.join("; ")} }   // dt: ${n.path} (${compat[0]}: ${format.why})`,
    );
    ctx.mapped.add(n);
    ctx.count("iommu");
  }
  return lines;
}

/** `iommus = <&iommu ID...>` entries of a node: the IOMMU and its first specifier cell. */
function iommusOf(ctx: ImportContext, n: DtNode): IommuRef[] | undefined {
  const cells = n.cells("iommus");
  if (!cells) {
    ctx.warn(D.dtPropertyMalformed.messages.iommusCells, n);
    return undefined;
  }
  const out: IommuRef[] = [];
  for (let i = 0; i < cells.length;) {
    const target = ctx.phandles.get(cells[i]!);
    if (!target) {
      ctx.warn(D.dtPhandleUnresolved, n, { property: "iommus", phandle: hex(cells[i]!) });
      return undefined;
    }
    const argc = target.u32("#iommu-cells");
    if (argc === undefined || argc > 4 || i + 1 + argc > cells.length) {
      ctx.warn(D.dtPropertyMalformed.messages.iommuCells, n, { target: target.path });
      return undefined;
    }
    // arm-smmu's second cell is the SMR mask (arm,smmu.yaml); the stream is the first.
    out.push({
      iommu: target,
      ...(argc > 0 ? { stream: BigInt(cells[i + 1]!) } : {}),
      ...(argc > 1 ? { mask: cells[i + 2]! } : {}),
    });
    i += 1 + argc;
  }
  return out;
}

function memoryRegionsOf(ctx: ImportContext, n: DtNode): string {
  const cells = n.cells("memory-region");
  if (!cells) return "";
  const names: string[] = [];
  for (const p of cells) {
    const target = ctx.phandles.get(p);
    if (!target) {
      ctx.warn(D.dtPhandleUnresolved, n, { property: "memory-region", phandle: hex(p) });
      continue;
    }
    names.push(ctx.namer.of(target));
  }
  return names.length > 0 ? `; memory-region ${names.join(", ")}` : "";
}

/**
 * The device lines of one master: one per stream ID it has on an IOMMU with a format here, the
 * first named after the node; several IDs on one IOMMU share a new group.
 */
function masterDevices(
  ctx: ImportContext,
  n: DtNode,
  supported: IommuRef[],
  groups: Map<string, number>,
  devices: DeviceLine[],
): void {
  const base = ctx.namer.of(n);
  const coherent = coherenceText(n);
  const region = memoryRegionsOf(ctx, n);
  // Several stream IDs on one IOMMU: one device, one group (Linux: one iommu_group).
  const perIommu = new Map<DtNode, IommuRef[]>();
  for (const r of supported) {
    const list = perIommu.get(r.iommu);
    if (list) list.push(r);
    else perIommu.set(r.iommu, [r]);
  }
  let first = true;
  for (const [iommu, list] of perIommu) {
    const iname = ctx.iommus.get(iommu)!.name;
    let group: number | undefined;
    if (list.length > 1) {
      group = (groups.get(iname) ?? 0) + 1;
      groups.set(iname, group);
    }
    list.forEach((r, i) => {
      const name =
        first && i === 0 ? base : ctx.namer.fresh(`${base}_${r.stream?.toString(16) ?? i}`);
      devices.push({
        name,
        iommu: iname,
        ...(r.stream !== undefined ? { stream: r.stream } : {}),
        ...(group !== undefined ? { group } : {}),
        comment: `dt: ${n.path} (${coherent}${r.mask ? `; SMR mask 0x${r.mask.toString(16)}` : ""}${region})`,
      });
      ctx.count("device");
    });
    first = false;
  }
}

/** The `device` lines of every node with `iommus` on an IOMMU declared by iommuNodes. */
export function iommuMasters(ctx: ImportContext): string[] {
  const devices: DeviceLine[] = [];
  const groups = new Map<string, number>();
  for (const n of ctx.tree.root.walk()) {
    if (!n.has("iommus") || ctx.iommus.has(n)) continue;
    if (!isOkay(n)) {
      ctx.skip(n, "status disabled");
      continue;
    }
    const refs = iommusOf(ctx, n);
    if (!refs) {
      ctx.skip(n, "iommus unreadable");
      continue;
    }
    const supported = refs.filter((r) => ctx.iommus.has(r.iommu));
    if (supported.length === 0) {
      ctx.skip(n, `behind ${refs.map((r) => r.iommu.path).join(", ")}, which has no format here`);
      continue;
    }
    masterDevices(ctx, n, supported, groups, devices);
    ctx.mapped.add(n);
  }
  // Devices sharing a stream ID alias one another: Linux puts them in one group.
  groupAliases(devices, groups);
  return devices.map(
    (d) =>
      `device ${d.name} behind ${d.iommu}` +
      (d.stream !== undefined ? ` stream ${vcmHex(d.stream)}` : "") +
      (d.group !== undefined ? ` group ${d.group}` : "") +
      `   // ${d.comment}`,
  );
}

function groupAliases(devices: DeviceLine[], groups: Map<string, number>) {
  const byStream = new Map<string, DeviceLine[]>();
  for (const d of devices) {
    if (d.stream === undefined) continue;
    const key = `${d.iommu}:${d.stream}`;
    const list = byStream.get(key);
    if (list) list.push(d);
    else byStream.set(key, [d]);
  }
  for (const list of byStream.values()) {
    if (list.length < 2) continue;
    const existing = list.find((d) => d.group !== undefined)?.group;
    const group = existing ?? (groups.get(list[0]!.iommu) ?? 0) + 1;
    if (existing === undefined) groups.set(list[0]!.iommu, group);
    for (const d of list) d.group = group;
  }
}
