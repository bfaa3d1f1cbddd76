/**
 * Build a complete VcmPlugin from a radix format: the plugin supplies its parameter schema,
 * capabilities, a format factory and its registers; the engine supplies create/map/unmap/walk/
 * leaves/tables/describe. Spread the result to add bindDevices/lookupDevice or override a method.
 */
import type { PhysicalMemory } from "../physical-memory.js";
import type { PoolAllocator } from "../pool-allocator.js";
import {
  PLUGIN_API_VERSION,
  type Capabilities,
  type CreateOptions,
  type ParamProblem,
  type ParamSchema,
  type PluginArchitecture,
  type PluginParams,
  type TableContext,
  type TableHandle,
  type VcmPlugin,
} from "../types.js";
import type { RadixFormat, RadixGeometry } from "./format.js";
import { radixDescribe, radixLeaves, radixTables, radixWalk } from "./reader.js";
import { radixRelocations } from "./relocations.js";
import { RadixTable } from "./table.js";

/** What a format is built from: available both at create time and from a TableContext. */
export interface RadixFormatInput {
  params: PluginParams;
  aperture: { base: bigint; size: bigint };
  window?: { base: bigint; size: bigint; pageSize: bigint; levels: number };
}

export interface RadixPluginDefinition {
  name: string;
  version: string;
  description: string;
  params: ParamSchema;
  /** The architecture the tables serve (`VcmPlugin.architecture`), for asm and ELF output. */
  architecture?: PluginArchitecture;
  validate?(params: PluginParams): ParamProblem[];
  /**
   * What the geometry does not say: `perms` (required), `attrs`, the implications
   * (`writeImpliesRead`, ...), `outside`, `upperHalf`. Fields the geometry states (page sizes,
   * input and output bits, levels, granule, entry size and byte order, blocks) are derived from
   * `format()` when left out (`capabilitiesFromGeometry`), so they are written once.
   */
  capabilities(params: PluginParams): RadixCapabilities;
  /** The configured format; called once per distinct parameter set (results are cached). */
  format(input: RadixFormatInput): RadixFormat;
  /**
   * Register values a driver would program for this table (TTBR/TCR/MAIR, CR3, ...), with the
   * upper half's table when the context has one of its own (`UpperHalf`).
   */
  registers(table: RadixTable, upper?: RadixTable): Record<string, bigint>;
}

/** A radix plugin's own capabilities: `perms` and whatever it states beyond its geometry. */
export type RadixCapabilities = Partial<Capabilities> & Pick<Capabilities, "perms">;

/** The aperture `format()` is asked with when only capabilities are wanted: the whole space. */
const WHOLE_SPACE = { base: 0n, size: 1n << 64n };

/**
 * The capabilities a radix geometry states: page sizes (every level's leaves), input and output
 * bits, levels, granule (the last level's table size), entry size and byte order, blocks
 * (leaves above the last level); the engine splits blocks (`partialUnmap`) and has no windows.
 */
export function capabilitiesFromGeometry(geometry: RadixGeometry): Omit<Capabilities, "perms"> {
  const shifts = new Set<number>();
  for (const level of geometry.levels) for (const p of level.pageShifts) shifts.add(p);
  const last = geometry.levels[geometry.levels.length - 1];
  return {
    pageSizes: [...shifts].sort((a, b) => a - b).map((p) => 1n << BigInt(p)),
    inputBits: geometry.inputBits,
    outputBits: geometry.outputBits,
    levels: geometry.levels.length,
    granule: BigInt(last?.tableBytes ?? 4096),
    entryBytes: geometry.entryBytes,
    bigEndian: geometry.bigEndian,
    blocks: geometry.levels.slice(0, -1).some((l) => l.pageShifts.length > 0),
    partialUnmap: true,
    windows: false,
  };
}

const GEOMETRY_FIELDS = [
  "pageSizes",
  "inputBits",
  "outputBits",
  "levels",
  "granule",
  "entryBytes",
  "bigEndian",
  "blocks",
  "partialUnmap",
  "windows",
] as const;

/** The RadixTable behind a handle, or a clear error if the handle came from another plugin. */
export function asRadixTable(handle: TableHandle, plugin: string): RadixTable {
  if (!(handle instanceof RadixTable)) {
    throw new TypeError(`plugin '${plugin}' was given a table handle it did not create`);
  }
  return handle;
}

export function defineRadixPlugin(def: RadixPluginDefinition): VcmPlugin {
  const cache = new WeakMap<object, Map<string, RadixFormat>>();
  const formatFor = (input: RadixFormatInput): RadixFormat => {
    const key =
      `${input.aperture.base}:${input.aperture.size}` +
      (input.window
        ? `:${input.window.base}:${input.window.size}:${input.window.pageSize}:${input.window.levels}`
        : "");
    let byKey = cache.get(input.params);
    if (byKey === undefined) {
      byKey = new Map();
      cache.set(input.params, byKey);
    }
    let f = byKey.get(key);
    if (f === undefined) {
      f = def.format(input);
      byKey.set(key, f);
    }
    return f;
  };
  const contextFormat = (ctx: TableContext): RadixFormat =>
    formatFor({
      params: ctx.params,
      aperture: ctx.aperture,
      ...(ctx.window ? { window: ctx.window } : {}),
    });

  const plugin: VcmPlugin = {
    name: def.name,
    version: def.version,
    apiVersion: PLUGIN_API_VERSION,
    description: def.description,
    params: def.params,
    capabilities(params) {
      const own = def.capabilities(params);
      if (GEOMETRY_FIELDS.every((k) => own[k] !== undefined)) return own as Capabilities;
      const derived = capabilitiesFromGeometry(
        formatFor({ params, aperture: WHOLE_SPACE }).geometry,
      );
      return { ...derived, ...own };
    },
    tableGeometry: (input) => formatFor(input).geometry,
    create(memory: PhysicalMemory, pool: PoolAllocator, options: CreateOptions): TableHandle {
      const format = formatFor({
        params: options.params,
        aperture: options.aperture,
        ...(options.window ? { window: options.window } : {}),
      });
      return new RadixTable(memory, pool, format, options);
    },
    map(handle, iova, pa, pageSize, count, prot, attrs) {
      asRadixTable(handle, def.name).map(iova, pa, pageSize, count, prot, attrs);
    },
    unmap(handle, iova, size) {
      return asRadixTable(handle, def.name).unmap(iova, size);
    },
    registers(handle, upper) {
      const upperTable = upper === undefined ? undefined : asRadixTable(upper, def.name);
      return def.registers(asRadixTable(handle, def.name), upperTable);
    },
    walk: (memory, ctx, iova) => radixWalk(memory, contextFormat(ctx), Number(ctx.root), iova),
    leaves: (memory, ctx, visit, loops) =>
      radixLeaves(memory, contextFormat(ctx), Number(ctx.root), visit, loops),
    tables: (memory, ctx, visit) =>
      radixTables(memory, contextFormat(ctx), Number(ctx.root), visit),
    describe: (memory, ctx) => radixDescribe(memory, contextFormat(ctx), Number(ctx.root)),
    relocations: (memory, ctx, visit) =>
      radixRelocations(memory, contextFormat(ctx), Number(ctx.root), visit),
  };
  if (def.architecture !== undefined) Object.assign(plugin, { architecture: def.architecture });
  if (def.validate) plugin.validate = (params) => def.validate!(params);
  return plugin;
}
