/**
 * The live state of one lowering: the simulated memory (only the pools writable), a pool
 * allocator per pool, each mapper's plugin and capabilities, one plugin table per domain, cpu
 * address-space half and sPAPR window (each with its IOVA allocator), and the IOMMU instance
 * structures. `buildTables` (table-factory.ts) creates it; `mapMapping` and `unmapMapping`
 * (map-mapping.ts) change it; the lowering and the scenario model (src/model/) share it.
 */
import type { Span } from "../diagnostics/span.js";
import type { IrDomain, IrMapper, IrTopology } from "../ir/types.js";
import { PhysicalMemory } from "../plugin-api/physical-memory.js";
import { PoolAllocator } from "../plugin-api/pool-allocator.js";
import type { Capabilities, InstanceHandle, TableHandle, VcmPlugin } from "../plugin-api/types.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import type { CompiledDomain, CompiledHalf, CompiledMapper, CompiledTable } from "./compiled.js";
import type { GuestAddresses } from "./guest-addresses.js";
import type { IovaAllocator } from "./iova-allocator.js";
import type { CallWatch } from "./plugin-guard.js";
import { Attachments } from "./routes.js";

/** A mapper whose plugin is loaded and answered `capabilities`. */
export interface MapperState {
  ir: IrMapper;
  plugin: VcmPlugin;
  caps: Capabilities;
  /** The id the next table of this mapper gets (VT-d DID, AMD domain id, ASID). */
  nextDomainId: number;
}

/** One live table: its compiled record, the plugin's handle and its IOVA allocator. */
export interface TableState {
  table: CompiledTable;
  handle: TableHandle;
  plugin: VcmPlugin;
  /** Page sizes a mapping may use in this table, ascending. */
  pageSizes: readonly bigint[];
  iovas: IovaAllocator;
  span: Span;
  /** A nested domain's stage 1: the guest memory its IPAs are (host memory -> IPA). */
  guest?: GuestAddresses;
}

export class LiveTables {
  readonly memory = new PhysicalMemory();
  readonly allocators = new Map<string, PoolAllocator>();
  readonly mappers = new Map<string, MapperState>();
  /** By table name (a domain's, a cpu context's lower half, a window's `c0.ddw`). */
  readonly tables = new Map<string, TableState>();
  /** The table of a cpu context's upper half, by domain, when it has a root of its own. */
  readonly upperTables = new Map<string, TableState>();
  readonly instances = new Map<string, InstanceHandle>();
  readonly compiledMappers: CompiledMapper[] = [];
  readonly compiledDomains: CompiledDomain[] = [];
  readonly domainsByName = new Map<string, IrDomain>();
  /** Each device's domain and container. */
  readonly attachments: Attachments;

  constructor(
    readonly ir: IrTopology,
    /** Guarded plugins (plugin-guard.ts): every value they return is checked. */
    readonly plugins: PluginRegistry,
    /** Told what is being lowered (a worker's watchdog names it if a plugin call hangs). */
    readonly watch?: CallWatch,
  ) {
    for (const pool of ir.pools) {
      this.memory.allowWrites(pool.range.base, pool.range.size);
      this.allocators.set(
        pool.name,
        new PoolAllocator(pool.name, pool.range.base, pool.range.size),
      );
    }
    for (const d of ir.domains) this.domainsByName.set(d.name, d);
    this.attachments = new Attachments(ir, this.domainsByName);
  }

  /** The table of `domain` holding virtual address `va` (the upper half's own, if it is there). */
  tableAt(domain: string, va: bigint): TableState | undefined {
    const upper = this.upperTables.get(domain);
    if (upper && va >= upper.table.halves![0]!.base) return upper;
    return this.tables.get(domain);
  }

  /** Every half of a cpu context, over its tables. */
  halvesOf(domain: string): CompiledHalf[] {
    return [
      ...(this.tables.get(domain)?.table.halves ?? []),
      ...(this.upperTables.get(domain)?.table.halves ?? []),
    ];
  }
}
