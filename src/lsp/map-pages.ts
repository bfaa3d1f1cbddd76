/**
 * What a `map` line becomes: for each mapping it expands to (one per array element), the IOVA
 * and the leaves per page size. Read from the lowering itself (the same allocator and
 * `iommu_pgsize` page choice as `vcm compile`) when the topology lowers; otherwise, for a fixed
 * IOVA, planned with the lowering's `planPages` over the target's page sizes.
 */
import type { IrMapping, IrTopology } from "../ir/types.js";
import { leafCountsOf, planPages } from "../lowering/page-plan.js";
import type { Capabilities } from "../plugin-api/types.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import type { MapDecl } from "../syntax/ast.js";
import type { Analysis } from "./analysis.js";

export interface MappingPages {
  mapping: IrMapping;
  /** The IOVA (or VA, bus address) it gets; undefined when not known without lowering. */
  iova?: bigint;
  /** The table it lives in, when lowered. */
  table?: string;
  /** Leaves per page size (ascending); undefined when not known. */
  leaves?: [bigint, number][];
  /** The page sizes its table offers (ascending), when the mapper's plugin answers. */
  pageSizes?: readonly bigint[];
}

export interface MapLinePages {
  mappings: MappingPages[];
  /** true: figures come from a real lowering. */
  lowered: boolean;
}

/** The mappings (top level or in a scenario) written by the `map` statement `s`. */
export function mappingsOf(ir: IrTopology, s: MapDecl): IrMapping[] {
  const written = (m: IrMapping) => m.span.file === s.span.file && m.span.offset === s.span.offset;
  const top = ir.mappings.filter(written);
  if (top.length > 0) return top;
  // A scenario's `map` step: its mappings live in the step (replayed, never lowered up front).
  return ir.scenarios.flatMap((sc) =>
    sc.steps.flatMap((step) =>
      step.kind === "map" && written(step.mapping) ? [step.mapping] : [],
    ),
  );
}

/** The capabilities of the mapper behind a mapping's target, if its plugin answers. */
export function targetCapabilities(
  ir: IrTopology,
  registry: PluginRegistry,
  m: IrMapping,
): { caps: Capabilities; pageSizes: readonly bigint[] } | undefined {
  let mapperName: string | undefined;
  let window = false;
  if (m.target.kind === "domain")
    mapperName = ir.domains.find((d) => d.name === m.target.name)?.mapper;
  else if (m.target.kind === "window") {
    window = true;
    const container = m.target.name.split(".")[0];
    mapperName = ir.containers.find((c) => c.name === container)?.mapper;
  }
  const mapper = mapperName ? ir.mappers.find((x) => x.name === mapperName) : undefined;
  const plugin = mapper ? registry.get(mapper.format) : undefined;
  if (!mapper || !plugin) return undefined;
  try {
    const caps = plugin.capabilities(mapper.params);
    if (!Array.isArray(caps.pageSizes) || caps.pageSizes.length === 0) return undefined;
    if (window) {
      const w = ir.containers
        .flatMap((c) => c.windows)
        .find((x) => x.qualifiedName === m.target.name);
      return { caps, pageSizes: w ? [w.pageSize] : caps.pageSizes.slice(0, 1) };
    }
    return { caps, pageSizes: caps.pageSizes };
  } catch {
    return undefined;
  }
}

function sortedLeaves(counts: Map<bigint, number>): [bigint, number][] {
  return [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export function mapLinePages(analysis: Analysis, s: MapDecl): MapLinePages {
  const { ir, registry } = analysis.checked;
  if (!ir) return { mappings: [], lowered: false };
  const mappings = mappingsOf(ir, s);
  const compiled = mappings.some((m) => m.scenario === undefined)
    ? analysis.lowered()?.compiled
    : undefined;
  const out: MappingPages[] = [];
  for (const m of mappings) {
    const target = targetCapabilities(ir, registry, m);
    const entry: MappingPages = { mapping: m, ...(target ? { pageSizes: target.pageSizes } : {}) };
    const lowered = compiled?.mappings.find((c) => c.id === m.id && m.scenario === undefined);
    if (lowered) {
      entry.iova = lowered.iova;
      if (lowered.table) entry.table = lowered.table;
      entry.leaves = sortedLeaves(
        new Map(Object.entries(lowered.leafCounts).map(([k, n]) => [BigInt(k), n])),
      );
    } else if (m.iova !== "auto") {
      entry.iova = m.iova;
      if (target) {
        const counts = new Map<bigint, number>();
        let at = m.iova;
        for (const c of m.source.chunks) {
          const plan = planPages(at, c.pa, c.size, target.pageSizes, m.pageSize);
          if (!Array.isArray(plan)) {
            counts.clear();
            break;
          }
          for (const [size, n] of leafCountsOf(plan)) counts.set(size, (counts.get(size) ?? 0) + n);
          at += c.size;
        }
        if (counts.size > 0) entry.leaves = sortedLeaves(counts);
      }
    }
    out.push(entry);
  }
  return { mappings: out, lowered: compiled !== undefined };
}

/**
 * The fewest leaves `m`'s chunks could take with their PA and IOVA aligned to the largest page
 * each chunk can use, and that page size. Undefined when not known.
 */
export function bestLeaves(
  m: IrMapping,
  pageSizes: readonly bigint[],
): { leaves: number; align: bigint } | undefined {
  const usable = m.pageSize !== undefined ? [m.pageSize] : pageSizes;
  let leaves = 0;
  let align = usable[0];
  if (align === undefined) return undefined;
  for (const c of m.source.chunks) {
    const plan = planPages(0n, 0n, c.size, usable);
    if (!Array.isArray(plan)) return undefined;
    for (const r of plan) {
      leaves += r.count;
      if (r.pageSize > align) align = r.pageSize;
    }
  }
  return { leaves, align };
}
