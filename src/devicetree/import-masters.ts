/**
 * The masters that reach memory without an IOMMU of the tree: processors (through one AArch64
 * stage-1 MMU when every core is AArch64) and DMA masters, with the offset and mask their
 * `dma-ranges` give.
 */
import { D } from "../diagnostics/catalogue.js";
import { dmaWindow } from "./addresses.js";
import { coherenceText, isOkay, type ImportContext } from "./import-context.js";
import { vcmHex } from "./vcm-text.js";

/** AArch64 cores: a stage-1 LPAE MMU with a 4K granule is what Linux runs them with. */
export function isArmv8(compatible: readonly string[]): boolean {
  return compatible.some((c) =>
    /^(arm,(cortex-a(3[2-9]|5\d|6\d|7\d|510|710|715|720|725|78\w*)|cortex-x\d*|neoverse-[\w-]+|armv8|armv9)|qcom,(kryo\w*|oryon\w*|falkor)|apple,\w+|nvidia,(denver|carmel)|cavium,thunder\w*|brcm,brahma-b53|fujitsu,a64fx|hisilicon,tsv110)/.test(
      c,
    ),
  );
}

/** `/cpus/cpu@N` as cpus, via one `arm-lpae` stage-1 MMU when they are all AArch64 cores. */
export function cpus(ctx: ImportContext): string[] {
  const node = ctx.tree.root.child("cpus");
  if (!node) return [];
  ctx.mapped.add(node);
  const list = node.children.filter((c) => c.string("device_type") === "cpu");
  if (list.length === 0) return [];
  const aarch64 = list.every((c) => isArmv8(c.strings("compatible") ?? []));
  const lines: string[] = [];
  let mmu: string | undefined;
  if (aarch64) {
    mmu = ctx.namer.fresh("cpu_mmu");
    ctx.mappers++;
    lines.push(
      `mmu ${mmu} : arm-lpae { stage 1; granule 4K; va-bits 48; pa-bits 48 }   // AArch64 stage 1 (TTBR0_EL1)`,
    );
  } else {
    lines.push("// not every cpu is an AArch64 core: cpus are imported without an MMU");
  }
  for (const c of list) {
    const compat = c.strings("compatible")?.[0] ?? "no compatible";
    lines.push(`cpu ${ctx.namer.of(c)}${mmu ? ` via ${mmu}` : ""}   // dt: ${c.path} (${compat})`);
    ctx.mapped.add(c);
    ctx.count("cpu");
  }
  return lines;
}

/**
 * DMA masters without an IOMMU (a DMA controller, a `dma-coherent` node, virtio-mmio) not yet
 * declared: `dma` engines with the `dma-ranges` offset (bus = physical - offset) and mask.
 */
export function dmaMasters(ctx: ImportContext): string[] {
  const lines: string[] = [];
  for (const n of ctx.tree.root.walk()) {
    if (ctx.mapped.has(n) || ctx.iommus.has(n) || n.has("iommus") || !n.parent) continue;
    if (n.parent.string("device_type") === "pci") continue;
    const compat = n.strings("compatible") ?? [];
    const master = n.has("#dma-cells") || n.has("dma-coherent") || compat.includes("virtio,mmio");
    if (!master || !n.has("reg")) continue;
    if (!isOkay(n)) {
      ctx.skip(n, "status disabled");
      continue;
    }
    const win = dmaWindow(n);
    if (!win.ok) {
      ctx.warn(D.dtPropertyMalformed, n, { problem: win.why });
      ctx.skip(n, `dma-ranges unreadable: ${win.why}`);
      continue;
    }
    for (const note of win.value.notes) ctx.warn(D.dtPropertyMalformed, n, { problem: note });
    const why = [
      n.has("#dma-cells") ? "DMA controller" : (compat[0] ?? "DMA master"),
      coherenceText(n),
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
    lines.push(`dma ${ctx.namer.of(n)}${mask}${offset}   // dt: ${n.path} (${why.join("; ")})`);
    ctx.mapped.add(n);
    ctx.count("dma");
  }
  return lines;
}
