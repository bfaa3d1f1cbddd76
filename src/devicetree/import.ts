/**
 * `vcm import-dt`: a device tree as a checkable VCM skeleton. What is read, and as what
 * (docs/DEVICETREE.md has the whole table):
 *
 * - `memory` nodes -> `ram` regions, cut around static `reserved-memory` children and
 *   `/memreserve/` entries, which become regions of their own (`no-map`: `reserved`; else `ram`);
 *   dynamic reservations (`size`, `alloc-ranges`) are comments, since the kernel places them.
 * - one page-table pool at the top of the largest RAM region.
 * - `/cpus/cpu@N` -> cpus via one `arm-lpae` stage-1 MMU (AArch64 cores).
 * - IOMMUs by compatible -> `iommu` with a page-table format; devices with `iommus` -> devices
 *   with their stream IDs (several IDs: one group); PCIe host bridges -> their `iommu-map` and
 *   `msi-map` as comments, PCI functions in the tree -> devices with the mapped stream ID.
 * - GICv3 ITS / GICv2m frames -> the doorbell page as a `reserved` region, and the IOMMUs'
 *   software MSI window (Linux MSI_IOVA_BASE) as their `msi` range.
 * - DMA masters without an IOMMU -> `dma` engines with the `dma-ranges` offset and mask.
 * - `dma-coherent` -> the attribute a device's mappings take (a comment on the device line).
 * - every other node -> a comment with its path.
 */
import { D } from "../diagnostics/catalogue.js";
import { formatVcm } from "../format/index.js";
import { diagnosticOf } from "../checks/registry.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { fileSpan } from "../diagnostics/span.js";
import { formatSize } from "../semantics/evaluate.js";
import {
  dmaWindow,
  physicalRegs,
  regEntries,
  translateUp,
  type AddressRange,
} from "./addresses.js";
import { iommuFormatFor, type IommuFormat } from "./iommu-formats.js";
import { labelsOf, Namer, sanitizeName } from "./names.js";
import { cellsValue, phandleIndex, type DeviceTree, type DtNode } from "./tree.js";

export interface ImportOptions {
  /** The input file, named in the header comment and in diagnostics. */
  file: string;
}

export interface ImportResult {
  text: string;
  diagnostics: Diagnostic[];
  /** What was imported, by kind (for the CLI's summary and tests). */
  counts: Record<string, number>;
}

/** Linux's software MSI window of arm-smmu, arm-smmu-v3 and virtio-iommu (MSI_IOVA_BASE/LENGTH). */
export const SW_MSI_BASE = 0x0800_0000n;
export const SW_MSI_SIZE = 0x10_0000n;
/** The page-table pool the skeleton carves from the largest RAM region. */
export const POOL_SIZE = 16n << 20n;

/** `0x4000_0000`: hex in groups of four digits, as the samples write addresses. */
export function vcmHex(v: bigint): string {
  const digits = v.toString(16);
  const groups: string[] = [];
  for (let end = digits.length; end > 0; end -= 4)
    groups.unshift(digits.slice(Math.max(0, end - 4), end));
  if (groups.length > 1 && groups[0]!.length % 2 === 1) groups[0] = "0" + groups[0]!;
  return "0x" + groups.join("_");
}

/** A size as the language writes it: `2G`, `64K`, else hex. */
export function vcmSize(v: bigint): string {
  const s = formatSize(v);
  return /[KMGT]$/.test(s) ? s : vcmHex(v);
}

interface Region {
  name: string;
  range: AddressRange;
  kind: "ram" | "reserved" | "mmio";
  comment: string;
}

interface DeviceLine {
  name: string;
  iommu: string;
  stream?: bigint;
  group?: number;
  comment: string;
}

const isOkay = (n: DtNode) => {
  const s = n.string("status");
  return s === undefined || s === "okay" || s === "ok";
};

const METADATA = new Set(["__symbols__", "__fixups__", "__local_fixups__", "aliases", "chosen"]);

export function importDeviceTree(tree: DeviceTree, options: ImportOptions): ImportResult {
  return new Importer(tree, options).run();
}

class Importer {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly namer: Namer;
  private readonly phandles: Map<number, DtNode>;
  /** Nodes the skeleton declares or describes, with nothing left to list. */
  private readonly mapped = new Set<DtNode>();
  /** Why a node was not mapped, when there is more to say than "no memory-mapping role". */
  private readonly why = new Map<DtNode, string>();
  private readonly regions: Region[] = [];
  private readonly out: string[] = [];
  private readonly counts: Record<string, number> = {};
  private readonly iommus = new Map<DtNode, { name: string; format: IommuFormat }>();
  /** Mappers declared (cpu MMU, IOMMUs): without one, a pool would be unused. */
  private mappers = 0;

  constructor(
    private readonly tree: DeviceTree,
    private readonly options: ImportOptions,
  ) {
    this.namer = new Namer(labelsOf(tree.root));
    this.phandles = phandleIndex(tree.root);
  }

  private count(kind: string) {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
  }

  private warn(check: string, node: DtNode | undefined, message: string) {
    const where = node ? `${node.path}: ` : "";
    const at = node ? ` (node at byte 0x${node.offset.toString(16)})` : "";
    this.diagnostics.push(
      diagnosticOf(check, fileSpan(this.options.file), `${where}${message}${at}`),
    );
  }

  private skip(node: DtNode, reason: string) {
    this.why.set(node, reason);
  }

  run(): ImportResult {
    const root = this.tree.root;
    const model = root.string("model") ?? root.strings("compatible")?.[0];
    this.out.push(
      `// Imported by \`vcm import-dt\` from ${this.options.file}${model ? ` (model "${model}")` : ""}.`,
      "// A skeleton: add buffers, domains and maps, then `vcm check`, `vcm compile`, `vcm run`.",
      "// `// dt: PATH` names the node a declaration came from (`vcm compile --format dts` targets it).",
      `topology ${sanitizeName(model ?? "imported")}`,
      "",
    );
    this.mapped.add(root);

    for (const r of this.msiControllers()) this.regions.push(r);
    const dynamic = this.memoryAndReservations();
    const iommuLines = this.iommuNodes();
    const cpuLines = this.cpus();
    const deviceLines = this.iommuMasters();
    const pciLines = this.pciHostBridges();
    const dmaLines = this.dmaMasters();

    this.emitMemory();
    const emit = (title: string, lines: string[]) => {
      if (lines.length === 0) return;
      this.out.push(`// ${title}`);
      for (const l of lines) this.out.push(l); // no spread: a hostile tree may give a million
      this.out.push("");
    };
    emit("Processors", cpuLines);
    emit("IOMMUs (page-table format chosen by compatible; docs/DEVICETREE.md)", iommuLines);
    emit("Devices behind IOMMUs (`iommus`: stream IDs; several IDs make one group)", deviceLines);
    emit("PCIe host bridges", pciLines);
    emit("DMA masters without an IOMMU (`dma-ranges`: bus = physical - offset)", dmaLines);
    emit("Dynamic reservations (placed by the kernel at boot; not fixed memory)", dynamic);
    this.emitUnmapped();
    // Written as `vcm fmt` would write it, so an imported skeleton is already formatted.
    const text = formatVcm(this.out.join("\n") + "\n");
    return { text, diagnostics: this.diagnostics, counts: this.counts };
  }

  // ---- memory ----------------------------------------------------------------------------

  /** Reads memory and reserved-memory; returns the comment lines of dynamic reservations. */
  private memoryAndReservations(): string[] {
    const root = this.tree.root;
    const ram: { node: DtNode; range: AddressRange }[] = [];
    for (const n of root.walk()) {
      if (n.string("device_type") !== "memory") continue;
      if (!isOkay(n)) {
        this.skip(n, "status disabled");
        continue;
      }
      const regs = physicalRegs(n);
      if (!regs.ok) {
        this.warn(D.dtPropertyMalformed.name, n, regs.why);
        this.skip(n, `reg unreadable: ${regs.why}`);
        continue;
      }
      this.mapped.add(n);
      for (const r of regs.value) if (r.size > 0n) ram.push({ node: n, range: r });
    }
    ram.sort((a, b) => (a.range.base < b.range.base ? -1 : 1));

    // Carve-outs: static reserved-memory children and /memreserve/ entries.
    const carve: { name: string; range: AddressRange; kind: Region["kind"]; comment: string }[] =
      [];
    const dynamic: string[] = [];
    const resv = root.child("reserved-memory");
    if (resv) {
      this.mapped.add(resv);
      for (const c of resv.children) {
        if (!isOkay(c)) {
          this.skip(c, "status disabled");
          continue;
        }
        const flags = [
          c.has("no-map") ? "no-map" : "",
          c.has("reusable") ? "reusable" : "",
          ...(c.strings("compatible") ?? []),
        ].filter((s) => s !== "");
        const flagText = flags.length > 0 ? ` (${flags.join(", ")})` : "";
        if (c.has("reg")) {
          const regs = physicalRegs(c);
          if (!regs.ok) {
            this.warn(D.dtPropertyMalformed.name, c, regs.why);
            this.skip(c, `reg unreadable: ${regs.why}`);
            continue;
          }
          const name = this.namer.of(c);
          regs.value.forEach((r, i) => {
            carve.push({
              name: i === 0 ? name : this.namer.fresh(`${name}_${i}`),
              range: r,
              kind: c.has("no-map") ? "reserved" : "ram",
              comment: `dt: ${c.path}${flagText}`,
            });
          });
          this.mapped.add(c);
          this.count("reserved-memory");
          continue;
        }
        const size = c.cells("size");
        if (!size || (size.length !== 1 && size.length !== 2)) {
          this.warn(
            D.dtPropertyMalformed.name,
            c,
            "a reserved-memory child with neither reg nor a size of 1-2 cells",
          );
          this.skip(c, "neither reg nor size");
          continue;
        }
        const sz = cellsValue(size, 0, size.length);
        const align = c.cells("alignment");
        const alignText =
          align && (align.length === 1 || align.length === 2)
            ? `, alignment ${vcmSize(cellsValue(align, 0, align.length))}`
            : "";
        const ranges = this.allocRanges(c, resv);
        dynamic.push(
          `// ${c.path}${flagText}: size ${vcmSize(sz)}${alignText}` +
            (ranges.length > 0
              ? `, alloc-ranges ${ranges.map((r) => `${vcmHex(r.base)} .. +${vcmSize(r.size)}`).join(", ")}`
              : ", anywhere in RAM"),
          `//   buffer ${this.namer.of(c)} in REGION size ${vcmSize(sz)}   // once you know where it lands`,
        );
        this.mapped.add(c);
        this.count("reserved-memory (dynamic)");
      }
    }
    this.tree.reservations.forEach((r, i) => {
      if (r.size === 0n) return;
      carve.push({
        name: this.namer.fresh(`memreserve_${i}`),
        range: { base: r.address, size: r.size },
        kind: "reserved",
        comment: "/memreserve/ entry of the header's memory reservation block",
      });
      this.count("memreserve");
    });

    // Carve-outs are their own regions; RAM keeps what lies around them.
    carve.sort((a, b) => (a.range.base < b.range.base ? -1 : 1));
    const kept: typeof carve = [];
    for (const c of carve) {
      const prev = kept[kept.length - 1];
      if (prev && c.range.base < prev.range.base + prev.range.size) {
        this.warn(
          D.dtPropertyMalformed.name,
          undefined,
          `reservation '${c.name}' overlaps '${prev.name}'; only '${prev.name}' is imported`,
        );
        continue;
      }
      kept.push(c);
    }
    const named = new Set<DtNode>();
    for (const { node, range } of ram) {
      let cursor = range.base;
      const end = range.base + range.size;
      const push = (lo: bigint, hi: bigint) => {
        if (hi <= lo) return;
        // A node's first piece has its name; later pieces (other banks, the RAM between
        // carve-outs) are named after their base address.
        const name = named.has(node)
          ? this.namer.fresh(`${node.baseName}_${lo.toString(16)}`)
          : this.namer.of(node);
        named.add(node);
        this.regions.push({
          name,
          range: { base: lo, size: hi - lo },
          kind: "ram",
          comment: `dt: ${node.path}`,
        });
        this.count("memory");
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
    for (const c of kept) this.regions.push(c);
    // Two memory nodes that overlap (or a region overlapping a doorbell) would not check.
    this.regions.sort((a, b) => (a.range.base < b.range.base ? -1 : 1));
    const clean: Region[] = [];
    for (const r of this.regions) {
      const prev = clean[clean.length - 1];
      if (prev && r.range.base < prev.range.base + prev.range.size) {
        this.warn(
          D.dtPropertyMalformed.name,
          undefined,
          `region '${r.name}' overlaps '${prev.name}'; it is left out`,
        );
        continue;
      }
      clean.push(r);
    }
    this.regions.length = 0;
    for (const r of clean) this.regions.push(r);
    if (ram.length === 0) {
      this.warn(
        D.dtNoMemory.name,
        undefined,
        "no memory node: no RAM and no page-table pool imported",
      );
    }
    return dynamic;
  }

  private allocRanges(c: DtNode, resv: DtNode): AddressRange[] {
    const cells = c.cells("alloc-ranges");
    if (!cells) return [];
    const ac = resv.addressCells;
    const sc = resv.sizeCells;
    if (ac < 1 || ac > 2 || sc < 1 || sc > 2 || cells.length % (ac + sc) !== 0) {
      this.warn(
        D.dtPropertyMalformed.name,
        c,
        `alloc-ranges is not a list of ${ac}+${sc}-cell entries`,
      );
      return [];
    }
    const out: AddressRange[] = [];
    for (let i = 0; i < cells.length; i += ac + sc) {
      out.push({ base: cellsValue(cells, i, ac), size: cellsValue(cells, i + ac, sc) });
    }
    return out;
  }

  private emitMemory(): void {
    if (this.regions.length === 0) return;
    this.out.push("// Physical memory (memory nodes, reserved-memory carve-outs, MSI doorbells)");
    const width = this.regions.reduce((w, r) => Math.max(w, r.name.length), 0);
    for (const r of this.regions) {
      this.out.push(
        `memory ${r.name.padEnd(width)} ${vcmHex(r.range.base)} .. +${vcmSize(r.range.size)} ${r.kind}   // ${r.comment}`,
      );
    }
    // The pool: the top of the largest RAM region, 4K-aligned (VCM0140).
    const ram = this.regions.filter((r) => r.kind === "ram" && r.range.size >= 1n << 20n);
    if (ram.length > 0 && this.mappers > 0) {
      const big = ram.reduce((a, b) => (b.range.size > a.range.size ? b : a));
      const size = big.range.size >= POOL_SIZE * 4n ? POOL_SIZE : (big.range.size / 4n) & ~0xfffn;
      const offset = (big.range.size - size) & ~0xfffn;
      const pool = this.namer.fresh("vcm_tables");
      this.out.push(
        `pool ${pool} in ${big.name}[${vcmHex(offset)} .. +${vcmSize(size)}]   // page tables of every mapper (a no-map carve-out in the overlay)`,
      );
    }
    this.out.push("");
  }

  // ---- MSI doorbells ---------------------------------------------------------------------

  private msiControllers(): Region[] {
    const out: Region[] = [];
    for (const n of this.tree.root.walk()) {
      const compat = n.strings("compatible") ?? [];
      const its = compat.includes("arm,gic-v3-its");
      const v2m = compat.includes("arm,gic-v2m-frame");
      if (!(its || v2m) || !n.has("msi-controller")) continue;
      if (!isOkay(n)) {
        this.skip(n, "status disabled");
        continue;
      }
      const regs = physicalRegs(n);
      if (!regs.ok) {
        this.warn(D.dtPropertyMalformed.name, n, regs.why);
        this.skip(n, `reg unreadable: ${regs.why}`);
        continue;
      }
      const base = regs.value[0]!.base;
      // GITS_TRANSLATER lives in the ITS's second 64K frame (offset 0x10040); a GICv2m frame's
      // MSI_SETSPI_NS at 0x40 of its 4K page.
      const page = its ? { base: base + 0x1_0000n, size: 0x1_0000n } : { base, size: 0x1000n };
      out.push({
        name: this.namer.fresh(`${this.namer.of(n)}_doorbell`),
        range: page,
        kind: "reserved",
        comment: `dt: ${n.path} (${its ? "GITS_TRANSLATER frame" : "GICv2m MSI_SETSPI_NS page"}: MSI writes land here)`,
      });
      this.mapped.add(n);
      this.count("msi-controller");
    }
    return out;
  }

  // ---- processors ------------------------------------------------------------------------

  private cpus(): string[] {
    const cpus = this.tree.root.child("cpus");
    if (!cpus) return [];
    this.mapped.add(cpus);
    const list = cpus.children.filter((c) => c.string("device_type") === "cpu");
    if (list.length === 0) return [];
    const aarch64 = list.every((c) => isArmv8(c.strings("compatible") ?? []));
    const lines: string[] = [];
    let mmu: string | undefined;
    if (aarch64) {
      mmu = this.namer.fresh("cpu_mmu");
      this.mappers++;
      lines.push(
        `mmu ${mmu} : arm-lpae { stage 1; granule 4K; va-bits 48; pa-bits 48 }   // AArch64 stage 1 (TTBR0_EL1)`,
      );
    } else {
      lines.push("// not every cpu is an AArch64 core: cpus are imported without an MMU");
    }
    for (const c of list) {
      const compat = c.strings("compatible")?.[0] ?? "no compatible";
      lines.push(
        `cpu ${this.namer.of(c)}${mmu ? ` via ${mmu}` : ""}   // dt: ${c.path} (${compat})`,
      );
      this.mapped.add(c);
      this.count("cpu");
    }
    return lines;
  }

  // ---- IOMMUs ----------------------------------------------------------------------------

  private iommuNodes(): string[] {
    const lines: string[] = [];
    for (const n of this.tree.root.walk()) {
      if (!n.has("#iommu-cells")) continue;
      const compat = n.strings("compatible") ?? [];
      const format = iommuFormatFor(compat);
      if (!format) {
        this.skip(n, `IOMMU with no page-table format for ${compat.join(", ") || "no compatible"}`);
        continue;
      }
      if (!isOkay(n)) {
        this.skip(n, "status disabled");
        continue;
      }
      const name = this.namer.of(n);
      this.iommus.set(n, { name, format });
      this.mappers++;
      const params = [...format.params];
      // The driver reserves this window whether or not an MSI controller is described.
      if (format.softwareMsi) {
        params.push(`msi ${vcmHex(SW_MSI_BASE)} .. +${vcmSize(SW_MSI_SIZE)}`);
      }
      lines.push(
        `iommu ${name} : ${format.plugin} { ${params.join("; ")} }   // dt: ${n.path} (${compat[0]}: ${format.why})`,
      );
      this.mapped.add(n);
      this.count("iommu");
    }
    return lines;
  }

  /** `iommus = <&iommu ID...>` entries of a node: the IOMMU and its first specifier cell. */
  private iommusOf(n: DtNode): { iommu: DtNode; stream?: bigint; mask?: number }[] | undefined {
    const cells = n.cells("iommus");
    if (!cells) {
      this.warn(D.dtPropertyMalformed.name, n, "iommus is not a list of 32-bit cells");
      return undefined;
    }
    const out: { iommu: DtNode; stream?: bigint; mask?: number }[] = [];
    for (let i = 0; i < cells.length;) {
      const target = this.phandles.get(cells[i]!);
      if (!target) {
        this.warn(
          D.dtPhandleUnresolved.name,
          n,
          `iommus names phandle 0x${cells[i]!.toString(16)}, which no node has`,
        );
        return undefined;
      }
      const argc = target.u32("#iommu-cells");
      if (argc === undefined || argc > 4 || i + 1 + argc > cells.length) {
        this.warn(
          D.dtPropertyMalformed.name,
          n,
          `iommus: ${target.path} has no usable #iommu-cells for the cells left`,
        );
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

  private iommuMasters(): string[] {
    const devices: DeviceLine[] = [];
    const groups = new Map<string, number>();
    for (const n of this.tree.root.walk()) {
      if (!n.has("iommus") || this.iommus.has(n)) continue;
      if (!isOkay(n)) {
        this.skip(n, "status disabled");
        continue;
      }
      const refs = this.iommusOf(n);
      if (!refs) {
        this.skip(n, "iommus unreadable");
        continue;
      }
      const supported = refs.filter((r) => this.iommus.has(r.iommu));
      if (supported.length === 0) {
        this.skip(
          n,
          `behind ${refs.map((r) => r.iommu.path).join(", ")}, which has no format here`,
        );
        continue;
      }
      const base = this.namer.of(n);
      const coherent = n.has("dma-coherent")
        ? "dma-coherent: map cacheable"
        : "not dma-coherent: map noncacheable";
      const region = this.memoryRegionsOf(n);
      // Several stream IDs on one IOMMU: one device, one group (Linux: one iommu_group).
      const perIommu = new Map<DtNode, typeof supported>();
      for (const r of supported) {
        const list = perIommu.get(r.iommu);
        if (list) list.push(r);
        else perIommu.set(r.iommu, [r]);
      }
      let first = true;
      for (const [iommu, list] of perIommu) {
        const iname = this.iommus.get(iommu)!.name;
        let group: number | undefined;
        if (list.length > 1) {
          group = (groups.get(iname) ?? 0) + 1;
          groups.set(iname, group);
        }
        list.forEach((r, i) => {
          const name =
            first && i === 0 ? base : this.namer.fresh(`${base}_${r.stream?.toString(16) ?? i}`);
          devices.push({
            name,
            iommu: iname,
            ...(r.stream !== undefined ? { stream: r.stream } : {}),
            ...(group !== undefined ? { group } : {}),
            comment: `dt: ${n.path} (${coherent}${r.mask ? `; SMR mask 0x${r.mask.toString(16)}` : ""}${region})`,
          });
          this.count("device");
        });
        first = false;
      }
      this.mapped.add(n);
    }
    // Devices sharing a stream ID alias one another: Linux puts them in one group.
    this.groupAliases(devices, groups);
    return devices.map(
      (d) =>
        `device ${d.name} behind ${d.iommu}` +
        (d.stream !== undefined ? ` stream ${vcmHex(d.stream)}` : "") +
        (d.group !== undefined ? ` group ${d.group}` : "") +
        `   // ${d.comment}`,
    );
  }

  private groupAliases(devices: DeviceLine[], groups: Map<string, number>) {
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

  private memoryRegionsOf(n: DtNode): string {
    const cells = n.cells("memory-region");
    if (!cells) return "";
    const names: string[] = [];
    for (const p of cells) {
      const target = this.phandles.get(p);
      if (!target) {
        this.warn(
          D.dtPhandleUnresolved.name,
          n,
          `memory-region names phandle 0x${p.toString(16)}, which no node has`,
        );
        continue;
      }
      names.push(this.namer.of(target));
    }
    return names.length > 0 ? `; memory-region ${names.join(", ")}` : "";
  }

  // ---- PCIe ------------------------------------------------------------------------------

  /** `iommu-map` / `msi-map` as Linux's of_map_id reads them: 4 cells per entry. */
  private idMap(
    n: DtNode,
    prop: "iommu-map" | "msi-map",
  ): { ridBase: number; target: DtNode; outBase: number; length: number }[] | undefined {
    if (!n.has(prop)) return undefined;
    const cells = n.cells(prop);
    if (!cells || cells.length % 4 !== 0) {
      this.warn(
        D.dtPropertyMalformed.name,
        n,
        `${prop} is not a list of 4-cell entries (rid-base, phandle, base, length)`,
      );
      return undefined;
    }
    const out = [];
    for (let i = 0; i < cells.length; i += 4) {
      const target = this.phandles.get(cells[i + 1]!);
      if (!target) {
        this.warn(
          D.dtPhandleUnresolved.name,
          n,
          `${prop} names phandle 0x${cells[i + 1]!.toString(16)}, which no node has`,
        );
        return undefined;
      }
      out.push({ ridBase: cells[i]!, target, outBase: cells[i + 2]!, length: cells[i + 3]! });
    }
    return out;
  }

  private pciHostBridges(): string[] {
    const lines: string[] = [];
    for (const n of this.tree.root.walk()) {
      if (
        n.string("device_type") !== "pci" ||
        (n.parent && n.parent.string("device_type") === "pci")
      )
        continue;
      if (!isOkay(n)) {
        this.skip(n, "status disabled");
        continue;
      }
      this.mapped.add(n);
      this.count("pcie-host-bridge");
      const regs = physicalRegs(n);
      const ecam = regs.ok
        ? ` (registers ${vcmHex(regs.value[0]!.base)} .. +${vcmSize(regs.value[0]!.size)})`
        : "";
      const bus = n.cells("bus-range");
      const coherent = n.has("dma-coherent")
        ? "dma-coherent: map cacheable"
        : "not dma-coherent: map noncacheable";
      lines.push(
        `// ${n.path}${ecam}, buses ${bus && bus.length === 2 ? `0x${bus[0]!.toString(16)}..0x${bus[1]!.toString(16)}` : "0x00..0xff"}; ${coherent}`,
      );
      const mask = n.u32("iommu-map-mask") ?? 0xffff;
      const msiMask = n.u32("msi-map-mask");
      const imap = this.idMap(n, "iommu-map");
      const mmap = this.idMap(n, "msi-map");
      const describe = (
        what: string,
        map: NonNullable<ReturnType<Importer["idMap"]>>,
        to: (t: DtNode) => string,
      ) => {
        for (const e of map) {
          const last = e.ridBase + e.length - 1;
          lines.push(
            `//   ${what}: RID 0x${e.ridBase.toString(16)}..0x${last.toString(16)} -> ${to(e.target)} 0x${e.outBase.toString(16)} + (RID - 0x${e.ridBase.toString(16)})`,
          );
        }
      };
      if (imap) {
        describe("iommu-map", imap, (t) => `${this.iommus.get(t)?.name ?? t.path} stream`);
        if (mask !== 0xffff) lines.push(`//   iommu-map-mask 0x${mask.toString(16)}`);
      }
      if (mmap) {
        describe("msi-map", mmap, (t) => `${this.namer.of(t)} device ID`);
        if (msiMask !== undefined) lines.push(`//   msi-map-mask 0x${msiMask.toString(16)}`);
      }
      const parent = n.cells("msi-parent");
      if (!mmap && parent && parent.length >= 1) {
        const t = this.phandles.get(parent[0]!);
        if (t) lines.push(`//   msi-parent: ${this.namer.of(t)} (every function's MSIs)`);
      }
      const translate = (rid: number) => {
        const m = rid & mask;
        const e = imap?.find((x) => m >= x.ridBase && m < x.ridBase + x.length);
        return e ? { iommu: e.target, stream: BigInt(e.outBase + (m - e.ridBase)) } : undefined;
      };
      // Functions the tree lists (reg phys.hi = bus:dev.fn << 8) are devices with their stream.
      const fns = n.children.filter((c) => c.has("reg"));
      let example = false;
      for (const c of fns) {
        const reg = c.cells("reg");
        if (!reg || reg.length < 3) {
          this.warn(
            D.dtPropertyMalformed.name,
            c,
            "a PCI function's reg is not a 3-cell PCI address",
          );
          continue;
        }
        const rid = (reg[0]! >> 8) & 0xffff;
        const bdf = `${((rid >> 8) & 0xff).toString(16).padStart(2, "0")}:${((rid >> 3) & 0x1f).toString(16).padStart(2, "0")}.${rid & 7}`;
        if (this.iommus.has(c)) {
          lines.push(
            `//   ${c.path} is ${bdf} (RID 0x${rid.toString(16)}): the IOMMU ${this.iommus.get(c)!.name} itself`,
          );
          continue;
        }
        const t = translate(rid);
        const iommu = t && this.iommus.get(t.iommu);
        if (!t || !iommu) {
          this.skip(c, `PCI function ${bdf}: its RID maps to no IOMMU with a format here`);
          continue;
        }
        lines.push(
          `device ${this.namer.of(c)} behind ${iommu.name} stream ${vcmHex(t.stream)}   // dt: ${c.path} (${bdf}, RID 0x${rid.toString(16)}; ${coherent})`,
        );
        this.mapped.add(c);
        this.count("device");
        example = true;
      }
      if (imap && !example) {
        // The function at RID 0 (the root port or host bridge) exists on every such bus; it is
        // declared so the IOMMU has a device, and shows the form of the lines to add.
        const rid = imap[0]!.ridBase;
        const t = translate(rid);
        const iommu = t && this.iommus.get(t.iommu);
        if (t && iommu) {
          const bdf = `${((rid >> 8) & 0xff).toString(16).padStart(2, "0")}_${((rid >> 3) & 0x1f).toString(16).padStart(2, "0")}_${rid & 7}`;
          lines.push(
            `device ${this.namer.fresh(`${this.namer.of(n)}_${bdf}`)} behind ${iommu.name} stream ${vcmHex(t.stream)}   // RID 0x${rid.toString(16)}: the first function of ${n.path}; add one line per function found at boot`,
          );
          this.count("device");
        }
      }
      if (!imap) lines.push("//   no iommu-map: its functions reach memory without an IOMMU");
    }
    return lines;
  }

  // ---- DMA masters without an IOMMU ------------------------------------------------------

  private dmaMasters(): string[] {
    const lines: string[] = [];
    for (const n of this.tree.root.walk()) {
      if (this.mapped.has(n) || this.iommus.has(n) || n.has("iommus") || !n.parent) continue;
      if (n.parent.string("device_type") === "pci") continue;
      const compat = n.strings("compatible") ?? [];
      const master = n.has("#dma-cells") || n.has("dma-coherent") || compat.includes("virtio,mmio");
      if (!master || !n.has("reg")) continue;
      if (!isOkay(n)) {
        this.skip(n, "status disabled");
        continue;
      }
      const win = dmaWindow(n);
      if (!win.ok) {
        this.warn(D.dtPropertyMalformed.name, n, win.why);
        this.skip(n, `dma-ranges unreadable: ${win.why}`);
        continue;
      }
      for (const note of win.value.notes) this.warn(D.dtPropertyMalformed.name, n, note);
      const why = [
        n.has("#dma-cells") ? "DMA controller" : (compat[0] ?? "DMA master"),
        n.has("dma-coherent")
          ? "dma-coherent: map cacheable"
          : "not dma-coherent: map noncacheable",
      ];
      if (win.value.bus) why.push(`dma-ranges of ${win.value.bus}`);
      let offset = "";
      if (win.value.offset < 0n) {
        // VCM offsets are unsigned (bus = physical - offset): bus addresses above physical ones
        // are left as a comment rather than a wrapped number.
        why.push(
          `bus addresses sit ${vcmHex(-win.value.offset)} above physical: offset not imported`,
        );
      } else if (win.value.offset > 0n) {
        offset = ` offset ${vcmHex(win.value.offset)}`;
      }
      const mask = win.value.maskBits < 64 ? ` dma-mask ${win.value.maskBits}` : "";
      lines.push(`dma ${this.namer.of(n)}${mask}${offset}   // dt: ${n.path} (${why.join("; ")})`);
      this.mapped.add(n);
      this.count("dma");
    }
    return lines;
  }

  // ---- the rest --------------------------------------------------------------------------

  private emitUnmapped(): void {
    const lines: string[] = [];
    const fixups = [
      this.tree.root.child("__local_fixups__"),
      this.tree.root.child("__fixups__"),
    ].filter((f) => f !== undefined);
    for (const n of this.tree.root.walk()) {
      if (this.mapped.has(n)) continue;
      if (METADATA.has(n.name) && n.parent === this.tree.root) continue;
      if (n.parent && METADATA.has(n.parent.name) && n.parent.parent === this.tree.root) continue;
      if (fixups.some((f) => isUnder(n, f))) continue;
      lines.push(`//   ${n.path}${this.why.has(n) ? `   (${this.why.get(n)})` : ""}`);
    }
    if (lines.length === 0) return;
    this.out.push(
      `// Not mapped to the language (${lines.length} node${lines.length === 1 ? "" : "s"}: no memory-mapping role, unless a reason is given)`,
    );
    for (const l of lines) this.out.push(l);
    this.counts["not mapped"] = lines.length;
  }
}

function isUnder(n: DtNode, top: DtNode | undefined): boolean {
  for (let p: DtNode | undefined = n; p; p = p.parent) if (p === top) return true;
  return false;
}

/** AArch64 cores: a stage-1 LPAE MMU with a 4K granule is what Linux runs them with. */
export function isArmv8(compatible: readonly string[]): boolean {
  return compatible.some((c) =>
    /^(arm,(cortex-a(3[2-9]|5\d|6\d|7\d|510|710|715|720|725|78\w*)|cortex-x\d*|neoverse-[\w-]+|armv8|armv9)|qcom,(kryo\w*|oryon\w*|falkor)|apple,\w+|nvidia,(denver|carmel)|cavium,thunder\w*|brcm,brahma-b53|fujitsu,a64fx|hisilicon,tsv110)/.test(
      c,
    ),
  );
}

export { regEntries, translateUp };
