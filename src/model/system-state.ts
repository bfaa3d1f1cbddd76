/**
 * What a proof reads: the state of a system at one moment, as the runtime (src/runtime/) may see
 * it. The bytes (`memory`), each table's context and registers, the IOMMU instances' registers,
 * the routes and the IR's declared intent come from the hardware's point of view; the one thing
 * the lowering decides that the IR cannot say is where each mapping landed (an `at auto` IOVA, a
 * no-MMU engine's bus address, a scenario's moves), and it crosses here, explicitly, as
 * `mappings`: placed intent, never how it was written (no page plans, leaf counts, allocators or
 * plugin handles). A `CompiledTopology` right after lowering, one loaded back from a compile
 * output, and a scenario's state after each step all are `SystemState`s.
 */
import type { IrTargetKind, IrTopology } from "../ir/types.js";
import type { CompiledTable, EndpointRoute } from "../lowering/compiled.js";
import type { PhysicalMemory } from "../plugin-api/physical-memory.js";
import type { PluginRegistry } from "../plugin-host/registry.js";

/** A mapping as intended, at the addresses it was placed at. */
export interface PlacedMapping {
  /** The IR mapping's id (negative: a unity range). */
  id: number;
  target: { kind: IrTargetKind; name: string };
  /** The table it is meant to be in (absent for `direct` targets). */
  table?: string;
  iova: bigint;
  size: bigint;
  /** Physically contiguous pieces at consecutive addresses (bus addresses for `direct`). */
  chunks: readonly { iova: bigint; pa: bigint; size: bigint }[];
  /** The rights asked of the format (execute-only already widened where it cannot say it). */
  prot: number;
  attrs: number;
  unity?: boolean;
  buffer?: string;
  memory: string;
}

/**
 * A table as the hardware is told of it: where its root is and how it is programmed (its
 * context and registers, the id programmed with it, a cpu address space's halves).
 */
export type ProgrammedTable = Pick<
  CompiledTable,
  "name" | "kind" | "mapper" | "format" | "domainId" | "context" | "halves" | "stage2"
>;

export interface ProgrammedMapper {
  name: string;
  format: string;
  /** The pool its tables must lie in. */
  pool: string;
  /** The IOMMU's own structures (root and registers), when it has them. */
  instance?: { root: bigint; registers: Record<string, bigint> };
}

export interface SystemState {
  ir: IrTopology;
  plugins: PluginRegistry;
  memory: PhysicalMemory;
  pools: readonly { name: string; base: bigint; size: bigint }[];
  mappers: readonly ProgrammedMapper[];
  tables: readonly ProgrammedTable[];
  mappings: readonly PlacedMapping[];
  endpoints: readonly EndpointRoute[];
}

/**
 * The state a proof reads, copied out of a lowering's (or a loaded output's) records: only the
 * fields above, so nothing of how the tables were written reaches the runtime or its workers.
 */
export function systemState(s: SystemState): SystemState {
  return {
    ir: s.ir,
    plugins: s.plugins,
    memory: s.memory,
    pools: s.pools.map(({ name, base, size }) => ({ name, base, size })),
    mappers: s.mappers.map(({ name, format, pool, instance }) => ({
      name,
      format,
      pool,
      ...(instance ? { instance } : {}),
    })),
    tables: s.tables.map(({ name, kind, mapper, format, domainId, context, halves, stage2 }) => ({
      name,
      kind,
      mapper,
      format,
      domainId,
      context,
      ...(halves ? { halves } : {}),
      ...(stage2 !== undefined ? { stage2 } : {}),
    })),
    mappings: s.mappings.map(placedMapping),
    endpoints: s.endpoints,
  };
}

function placedMapping(m: PlacedMapping): PlacedMapping {
  return {
    id: m.id,
    target: m.target,
    ...(m.table !== undefined ? { table: m.table } : {}),
    iova: m.iova,
    size: m.size,
    chunks: m.chunks.map(({ iova, pa, size }) => ({ iova, pa, size })),
    prot: m.prot,
    attrs: m.attrs,
    ...(m.unity ? { unity: m.unity } : {}),
    ...(m.buffer !== undefined ? { buffer: m.buffer } : {}),
    memory: m.memory,
  };
}
