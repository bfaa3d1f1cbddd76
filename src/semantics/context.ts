/**
 * What the resolution passes share, passed to each explicitly: the IR being built, where
 * diagnostics go, the names the binding pass found, the evaluator, and the symbol tables each
 * builder fills for the builders after it. Every pass keeps its own working state to itself.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type {
  IrContainer,
  IrDomain,
  IrEndpoint,
  IrGuestMemory,
  IrMapper,
  IrMemory,
  IrRange,
  IrReservation,
  IrTopology,
} from "../ir/types.js";
import type { Capabilities, VcmPlugin } from "../plugin-api/types.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import type { BufferTable } from "./buffers.js";
import type { ConstantTable } from "./constants.js";
import type { Evaluator } from "./evaluate.js";
import type { NameTable } from "./names.js";

/** Records one diagnostic (`diagnostic(D.x, span, {...})`); undefined, so `return report(...)`. */
export type Report = (d: Diagnostic) => undefined;

/** The diagnostics of one resolution, in the order they were found. */
export class DiagnosticSink {
  readonly list: Diagnostic[] = [];

  readonly push = (d: Diagnostic): void => {
    this.list.push(d);
  };

  readonly report: Report = (d) => {
    this.list.push(d);
    return undefined;
  };
}

export interface MapperInfo {
  ir: IrMapper;
  plugin?: VcmPlugin;
  caps?: Capabilities;
  /** Its domains' aperture unless they say otherwise (`mappers.ts`), made once. */
  defaultAperture?: IrRange;
}

/** What the builders have made so far, by name; later builders read what earlier ones wrote. */
export interface SymbolTables {
  readonly memories: Map<string, IrMemory>;
  readonly mappers: Map<string, MapperInfo>;
  readonly endpoints: Map<string, IrEndpoint>;
  readonly domains: Map<string, IrDomain>;
  readonly containers: Map<string, IrContainer>;
  readonly reservations: Map<string, IrReservation>;
  /** Device name -> the domains attaching it (explicitly, by group, or by default). */
  readonly deviceDomains: Map<string, string[]>;
  readonly guestMemories: Map<string, IrGuestMemory>;
  /** The stand-ins `memories` holds for guest regions (their backing host memory). */
  readonly guestAliases: Set<IrMemory>;
}

export interface ResolveContext {
  readonly ir: IrTopology;
  readonly plugins: PluginRegistry;
  readonly sink: DiagnosticSink;
  readonly report: Report;
  readonly names: NameTable;
  readonly symbols: SymbolTables;
  /** Folds expressions; names in them are looked up through `constants.valueOf`. */
  readonly evaluator: Evaluator;
  readonly constants: ConstantTable;
  readonly buffers: BufferTable;
}

export function emptySymbols(): SymbolTables {
  return {
    memories: new Map(),
    mappers: new Map(),
    endpoints: new Map(),
    domains: new Map(),
    containers: new Map(),
    reservations: new Map(),
    deviceDomains: new Map(),
    guestMemories: new Map(),
    guestAliases: new Set(),
  };
}
