/**
 * The result of lowering (documented in docs/MANIFEST.md, whose manifest.json mirrors it). Every
 * field outside `live` is plain data plus the simulated memory, so a CompiledTopology loaded back
 * from a compile output directory (`loadCompiled`) has exactly the same shape: the runtime
 * verifier reads tables only through `memory` and each table's `context`.
 */
import type { IrDomainType, IrTargetKind, IrTopology } from "../ir/types.js";
import type { PhysicalMemory } from "../plugin-api/physical-memory.js";
import type { PoolAllocator } from "../plugin-api/pool-allocator.js";
import type {
  Capabilities,
  InstanceHandle,
  TableContext,
  TableHandle,
} from "../plugin-api/types.js";
import type { PluginRegistry } from "../plugin-host/registry.js";

/** Leaves per page size, keyed by the page size in bytes as a decimal string ("4096": 12). */
export type LeafCounts = Record<string, number>;

export interface CompiledPool {
  name: string;
  memory: string;
  base: bigint;
  size: bigint;
  /** Bytes handed out to tables and instance structures. */
  usedBytes: number;
}

/** Geometry of a format, enough for an outside tool to walk its tables from bytes. */
export interface CompiledFormat {
  pageSizes: bigint[];
  inputBits: number;
  outputBits: number;
  levels: number;
  granule: bigint;
  entryBytes: 4 | 8;
  bigEndian: boolean;
  blocks: boolean;
  outside?: "passthrough" | "blocked";
}

export interface CompiledMapper {
  name: string;
  role: "mmu" | "iommu";
  format: string;
  pluginVersion: string;
  pool: string;
  geometry: CompiledFormat;
  /** Per-instance structures from `bindDevices` (VT-d root table, AMD device table), if any. */
  instance?: { root: bigint; registers: Record<string, bigint> };
}

export type CompiledTableKind = "domain" | "cpu" | "window";

/** One page table: a domain's, a cpu address space's, or an sPAPR window's (`c0.ddw`). */
export interface CompiledTable {
  name: string;
  kind: CompiledTableKind;
  mapper: string;
  format: string;
  /** Small id unique within the mapper (VT-d DID, AMD domain id, ASID). */
  domainId: number;
  context: TableContext;
  /** Leaves by page size: the TLB footprint. */
  leafCounts: LeafCounts;
  /**
   * A cpu address space with an upper half: the virtual ranges this table translates. x86-64:
   * one table, both canonical halves; AArch64: the TTBR0 table the lower, the TTBR1 table (named
   * `CPU.upper`) the upper. Absent: addresses are table input addresses.
   */
  halves?: CompiledHalf[];
  /**
   * A nested domain's stage-1 table: the stage-2 table (the parent domain's) its table addresses
   * and leaves go through. Its `context.root` and every address in it are then IPAs.
   */
  stage2?: string;
}

/** Virtual addresses [base, base + size) are table input addresses [input, input + size). */
export interface CompiledHalf {
  half: "lower" | "upper";
  base: bigint;
  size: bigint;
  input: bigint;
}

export interface CompiledDomain {
  name: string;
  mapper: string;
  type: IrDomainType;
  implicit: boolean;
  aperture: { base: bigint; size: bigint };
  /** A cpu address space's upper half (then `aperture` is the lower one). */
  upper?: { base: bigint; size: bigint };
  /** The table's name, for dma/unmanaged domains; identity and blocked domains have none. */
  table?: string;
  attached: string[];
}

/** One piece of a mapping: a physically contiguous chunk at its IOVA, with its page runs. */
export interface CompiledChunk {
  iova: bigint;
  pa: bigint;
  size: bigint;
  runs: { iova: bigint; pa: bigint; pageSize: bigint; count: number }[];
}

export interface CompiledMapping {
  id: number;
  target: { kind: IrTargetKind; name: string };
  /** The table the mapping lives in (absent for `direct` targets). */
  table?: string;
  iova: bigint;
  size: bigint;
  /** true when the allocator chose the IOVA (`at auto`). */
  autoIova: boolean;
  chunks: CompiledChunk[];
  prot: number;
  attrs: number;
  leafCounts: LeafCounts;
  /** Set for unity reserved ranges mapped by VCM rather than by a `map` line. */
  unity?: boolean;
  buffer?: string;
  memory: string;
}

/** How an endpoint reaches memory. */
export type EndpointRoute =
  | {
      endpoint: string;
      kind: "table";
      mapper: string;
      table: string;
      /** The upper half's table, when it has a root of its own (AArch64 TTBR1). */
      upper?: string;
    }
  | {
      endpoint: string;
      kind: "iommu";
      mapper: string;
      stream?: bigint;
      domain: string;
      table: string;
    }
  | {
      endpoint: string;
      kind: "identity";
      mapper: string;
      domain: string;
      aperture: { base: bigint; size: bigint };
    }
  | { endpoint: string; kind: "blocked"; mapper: string; domain: string }
  | { endpoint: string; kind: "windows"; mapper: string; container: string; tables: string[] }
  | { endpoint: string; kind: "direct"; busOffset: bigint; dmaMaskBits: number }
  | { endpoint: string; kind: "unattached"; mapper: string };

/** The live plugin state, present only right after lowering (never in a loaded output). */
export interface LiveLowering {
  handles: Map<string, TableHandle>;
  instances: Map<string, InstanceHandle>;
  allocators: Map<string, PoolAllocator>;
}

export interface CompiledTopology {
  ir: IrTopology;
  /** The plugins the tables were built with (to walk, dump and describe them). */
  plugins: PluginRegistry;
  memory: PhysicalMemory;
  pools: CompiledPool[];
  mappers: CompiledMapper[];
  domains: CompiledDomain[];
  tables: CompiledTable[];
  mappings: CompiledMapping[];
  endpoints: EndpointRoute[];
  live?: LiveLowering;
}

/** Map a page size to its LeafCounts key. */
export function leafKey(pageSize: bigint): string {
  return pageSize.toString();
}

/** The geometry part of a format's capabilities. */
export function compiledFormat(caps: Capabilities): CompiledFormat {
  return {
    pageSizes: [...caps.pageSizes],
    inputBits: caps.inputBits,
    outputBits: caps.outputBits,
    levels: caps.levels,
    granule: caps.granule,
    entryBytes: caps.entryBytes,
    bigEndian: caps.bigEndian,
    blocks: caps.blocks,
    ...(caps.outside ? { outside: caps.outside } : {}),
  };
}
