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
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { formatVcm } from "../format/index.js";
import { ImportContext, type ImportOptions } from "./import-context.js";
import { iommuMasters, iommuNodes } from "./import-iommus.js";
import { cpus, dmaMasters } from "./import-masters.js";
import { memoryAndReservations, memoryLines, msiDoorbells } from "./import-memory.js";
import { pciHostBridges } from "./import-pci.js";
import { sanitizeName } from "./names.js";
import type { DeviceTree, DtNode } from "./tree.js";

export type { ImportOptions } from "./import-context.js";
export { POOL_SIZE } from "./import-memory.js";
export { SW_MSI_BASE, SW_MSI_SIZE } from "./import-iommus.js";
export { isArmv8 } from "./import-masters.js";
export { vcmHex, vcmSize } from "./vcm-text.js";
export { regEntries, translateUp } from "./addresses.js";

export interface ImportResult {
  text: string;
  diagnostics: Diagnostic[];
  /** What was imported, by kind (for the CLI's summary and tests). */
  counts: Record<string, number>;
}

const METADATA = new Set(["__symbols__", "__fixups__", "__local_fixups__", "aliases", "chosen"]);

/**
 * The skeleton: every part is read first (the order decides the names handed out), then written
 * in the order a reader wants: memory, processors, IOMMUs, devices, PCIe, DMA masters, dynamic
 * reservations, and the nodes left unmapped.
 */
export function importDeviceTree(tree: DeviceTree, options: ImportOptions): ImportResult {
  const ctx = new ImportContext(tree, options);
  const root = tree.root;
  const model = root.string("model") ?? root.strings("compatible")?.[0];
  const out: string[] = [
    `// Imported by \`vcm import-dt\` from ${options.file}${model ? ` (model "${model}")` : ""}.`,
    "// A skeleton: add buffers, domains and maps, then `vcm check`, `vcm compile`, `vcm run`.",
    "// `// dt: PATH` names the node a declaration came from (`vcm compile --format dts` targets it).",
    `topology ${sanitizeName(model ?? "imported")}`,
    "",
  ];
  ctx.mapped.add(root);

  for (const r of msiDoorbells(ctx)) ctx.regions.push(r);
  const dynamic = memoryAndReservations(ctx);
  const iommuLines = iommuNodes(ctx);
  const cpuLines = cpus(ctx);
  const deviceLines = iommuMasters(ctx);
  const pciLines = pciHostBridges(ctx);
  const dmaLines = dmaMasters(ctx);

  for (const l of memoryLines(ctx)) out.push(l);
  const section = (title: string, lines: string[]) => {
    if (lines.length === 0) return;
    out.push(`// ${title}`);
    for (const l of lines) out.push(l); // no spread: a hostile tree may give a million
    out.push("");
  };
  section("Processors", cpuLines);
  section("IOMMUs (page-table format chosen by compatible; docs/DEVICETREE.md)", iommuLines);
  section("Devices behind IOMMUs (`iommus`: stream IDs; several IDs make one group)", deviceLines);
  section("PCIe host bridges", pciLines);
  section("DMA masters without an IOMMU (`dma-ranges`: bus = physical - offset)", dmaLines);
  section("Dynamic reservations (placed by the kernel at boot; not fixed memory)", dynamic);
  for (const l of unmappedLines(ctx)) out.push(l);
  // Written as `vcm fmt` would write it, so an imported skeleton is already formatted.
  const text = formatVcm(out.join("\n") + "\n");
  return { text, diagnostics: ctx.diagnostics, counts: ctx.counts };
}

/** Every node the skeleton does not declare or describe, with the reason when there is one. */
function unmappedLines(ctx: ImportContext): string[] {
  const root = ctx.tree.root;
  const lines: string[] = [];
  const fixups = [root.child("__local_fixups__"), root.child("__fixups__")].filter(
    (f) => f !== undefined,
  );
  for (const n of root.walk()) {
    if (ctx.mapped.has(n)) continue;
    if (METADATA.has(n.name) && n.parent === root) continue;
    if (n.parent && METADATA.has(n.parent.name) && n.parent.parent === root) continue;
    if (fixups.some((f) => isUnder(n, f))) continue;
    lines.push(`//   ${n.path}${ctx.why.has(n) ? `   (${ctx.why.get(n)})` : ""}`);
  }
  if (lines.length === 0) return [];
  ctx.counts["not mapped"] = lines.length;
  return [
    `// Not mapped to the language (${lines.length} node${lines.length === 1 ? "" : "s"}: no memory-mapping role, unless a reason is given)`,
    ...lines,
  ];
}

function isUnder(n: DtNode, top: DtNode | undefined): boolean {
  for (let p: DtNode | undefined = n; p; p = p.parent) if (p === top) return true;
  return false;
}
