/**
 * `vcm compile --format dts`: a device-tree overlay (`overlay.dtso`) telling the kernel and the
 * bootloader about the memory VCM's tables use and point at:
 *
 * - a `no-map` child of /reserved-memory per page-table pool and per buffer (a carve-out the
 *   kernel must neither allocate nor map cacheable), bindings/reserved-memory/reserved-memory.yaml;
 * - `memory-region` (+ `memory-region-names`) on each device node, listing the buffers mapped
 *   into its domain;
 * - `iommu-addresses` in a buffer's node for each fixed-IOVA mapping (`map B -> dev at ADDR`):
 *   Linux's of_iommu_get_resv_regions turns an entry whose IOVA equals the buffer's address
 *   into an IOMMU_RESV_DIRECT mapping set up before the driver probes (a bootloader framebuffer),
 *   and any other into a reserved IOVA range.
 *
 * Device nodes are found by the `// dt: PATH` comment `vcm import-dt` leaves on the declaration
 * line (the overlay targets `&{PATH}`), else by a label named like the endpoint. The overlay
 * assumes /reserved-memory exists with 2 address and 2 size cells (docs/DEVICETREE.md).
 */
import type { CompiledTopology } from "../lowering/compiled.js";

export interface DtsOverlayOptions {
  /** The topology's sources (file -> text), to read `// dt: PATH` comments. */
  sources?: ReadonlyMap<string, string>;
}

const hex = (v: bigint) => "0x" + v.toString(16);
const cells2 = (v: bigint) => `${hex(v >> 32n)} ${hex(v & 0xffff_ffffn)}`;

/** A dtc label: [A-Za-z_][A-Za-z0-9_]*. */
export function dtLabel(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]+/g, "_").replace(/_+$/, "");
  return /^[A-Za-z_]/.test(s) ? s : `_${s}`;
}

/** A node name: [A-Za-z0-9,._+-], starting with a letter. */
function nodeName(name: string): string {
  return name.replace(/[^A-Za-z0-9,._+-]+/g, "-").replace(/-+$/, "");
}

/** A DTS string literal. */
function dtsString(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** The `// dt: PATH` comment at the end of a declaration's line. */
function dtPathOf(line: string | undefined): string | undefined {
  return line === undefined ? undefined : /\/\/\s*dt:\s*(\/\S*)/.exec(line)?.[1];
}

interface Carveout {
  label: string;
  node: string;
  ranges: { base: bigint; size: bigint }[];
  comment: string;
  iommuAddresses: string[];
}

/** Labels unique within one overlay: a repeated one gets `_2`, `_3`... */
function labeller(): (want: string) => string {
  const used = new Set<string>();
  return (want) => {
    let l = dtLabel(want);
    for (let i = 2; used.has(l); i++) l = `${dtLabel(want)}_${i}`;
    used.add(l);
    return l;
  };
}

/** One carveout per pool, then one per placed buffer (also returned by buffer name). */
function carveoutsOf(compiled: CompiledTopology): {
  carveouts: Carveout[];
  byBuffer: Map<string, Carveout>;
} {
  const label = labeller();
  const carveouts: Carveout[] = [];
  for (const p of compiled.pools) {
    carveouts.push({
      label: label(`vcm_pool_${p.name}`),
      node: `vcm-pool-${nodeName(p.name)}@${p.base.toString(16)}`,
      ranges: [{ base: p.base, size: p.size }],
      comment: `pool ${p.name}: page tables of every mapper using it (${p.usedBytes} bytes used)`,
      iommuAddresses: [],
    });
  }
  const byBuffer = new Map<string, Carveout>();
  for (const b of compiled.ir.buffers) {
    if (b.chunks.length === 0) continue;
    const c: Carveout = {
      label: label(`vcm_${b.name}`),
      node: `vcm-${nodeName(b.name)}@${b.chunks[0]!.pa.toString(16)}`,
      ranges: b.chunks.map((ch) => ({ base: ch.pa, size: ch.size })),
      comment: `buffer ${b.name} in ${b.memory}`,
      iommuAddresses: [],
    };
    carveouts.push(c);
    byBuffer.set(b.name, c);
  }
  return { carveouts, byBuffer };
}

/** The devices (not CPUs or DMA engines) that reach each table through an IOMMU. */
function devicesOfTables(compiled: CompiledTopology): Map<string, string[]> {
  const endpoints = new Map(compiled.ir.endpoints.map((e) => [e.name, e]));
  const devicesOfTable = new Map<string, string[]>();
  for (const r of compiled.endpoints) {
    if (r.kind !== "iommu" || endpoints.get(r.endpoint)?.kind !== "device") continue;
    const list = devicesOfTable.get(r.table);
    if (list) list.push(r.endpoint);
    else devicesOfTable.set(r.table, [r.endpoint]);
  }
  return devicesOfTable;
}

/**
 * How the overlay names a device's node: the `// dt: PATH` a `vcm import-dt` wrote at the end of
 * its declaration's line, else a label made from its name.
 */
function deviceTargets(
  compiled: CompiledTopology,
  sources: ReadonlyMap<string, string> | undefined,
): (device: string) => string {
  const endpoints = new Map(compiled.ir.endpoints.map((e) => [e.name, e]));
  const lines = new Map<string, string[]>();
  const lineOf = (file: string, line: number) => {
    let list = lines.get(file);
    if (!list) {
      list = (sources?.get(file) ?? "").split("\n");
      lines.set(file, list);
    }
    return list[line - 1];
  };
  return (device) => {
    const span = endpoints.get(device)?.span;
    const path = span ? dtPathOf(lineOf(span.file, span.line)) : undefined;
    return path !== undefined ? `&{${path}}` : `&${dtLabel(device)}`;
  };
}

/**
 * For each buffer mapped through a table: the device nodes that get it as a memory-region (a Set
 * per node: insertion order is the memory-region order, lookups stay O(1)), and, for a mapping
 * at a chosen IOVA, its iommu-addresses entry on the buffer's carveout.
 */
function memoryRegionsOf(
  compiled: CompiledTopology,
  byBuffer: Map<string, Carveout>,
  target: (device: string) => string,
): Map<string, Set<Carveout>> {
  const devicesOfTable = devicesOfTables(compiled);
  const regionsOf = new Map<string, Set<Carveout>>();
  for (const m of compiled.mappings) {
    if (!m.table || m.unity) continue;
    const c = m.buffer !== undefined ? byBuffer.get(m.buffer) : undefined;
    for (const device of devicesOfTable.get(m.table) ?? []) {
      if (c) {
        const t = target(device);
        const set = regionsOf.get(t);
        if (set) set.add(c);
        else regionsOf.set(t, new Set([c]));
      }
      if (!m.autoIova && c) {
        const identity = m.iova === m.chunks[0]?.pa;
        c.iommuAddresses.push(
          `<&${dtLabel(device)} ${cells2(m.iova)} ${cells2(m.size)}>` +
            (identity
              ? ""
              : ` /* IOVA != PA: Linux reserves this IOVA range rather than mapping it */`),
        );
      }
    }
  }
  return regionsOf;
}

/** The overlay text: the /reserved-memory carveouts, then each device's memory-region list. */
function overlayText(
  name: string,
  carveouts: Carveout[],
  regionsOf: Map<string, Set<Carveout>>,
): string {
  const out: string[] = [
    `// Generated by \`vcm compile --format dts\` from topology ${name || "(unnamed)"}.`,
    "// Apply to a base tree whose /reserved-memory uses 2 address and 2 size cells:",
    "//   dtc -@ -I dts -O dtb -o overlay.dtbo overlay.dtso; fdtoverlay -i base.dtb -o out.dtb overlay.dtbo",
    "/dts-v1/;",
    "/plugin/;",
    "",
    "&{/reserved-memory} {",
    "\t#address-cells = <2>;",
    "\t#size-cells = <2>;",
  ];
  for (const c of carveouts) {
    out.push(
      "",
      `\t/* ${c.comment.replace(/\*\//g, "* /")} */`,
      `\t${c.label}: ${c.node} {`,
      `\t\treg = ${c.ranges.map((r) => `<${cells2(r.base)} ${cells2(r.size)}>`).join(",\n\t\t      ")};`,
      "\t\tno-map;",
    );
    if (c.iommuAddresses.length > 0) {
      out.push(`\t\tiommu-addresses = ${c.iommuAddresses.join(",\n\t\t\t\t  ")};`);
    }
    out.push("\t};");
  }
  out.push("};");
  for (const [t, set] of regionsOf) {
    const list = [...set];
    out.push(
      "",
      `${t} {`,
      `\tmemory-region = ${list.map((c) => `<&${c.label}>`).join(", ")};`,
      `\tmemory-region-names = ${list.map((c) => dtsString(c.comment.replace(/^buffer (\S+) in .*$/, "$1"))).join(", ")};`,
      "};",
    );
  }
  return out.join("\n") + "\n";
}

export function dtsOverlay(compiled: CompiledTopology, options: DtsOverlayOptions = {}): string {
  const { carveouts, byBuffer } = carveoutsOf(compiled);
  const target = deviceTargets(compiled, options.sources);
  const regionsOf = memoryRegionsOf(compiled, byBuffer, target);
  return overlayText(compiled.ir.name, carveouts, regionsOf);
}
