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
  type PluginParams,
  type TableContext,
  type TableHandle,
  type VcmPlugin,
} from "../types.js";
import type { RadixFormat } from "./format.js";
import { radixDescribe, radixLeaves, radixTables, radixWalk } from "./reader.js";
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
  validate?(params: PluginParams): ParamProblem[];
  capabilities(params: PluginParams): Capabilities;
  /** The configured format; called once per distinct parameter set (results are cached). */
  format(input: RadixFormatInput): RadixFormat;
  /**
   * Register values a driver would program for this table (TTBR/TCR/MAIR, CR3, ...), with the
   * upper half's table when the context has one of its own (`UpperHalf`).
   */
  registers(table: RadixTable, upper?: RadixTable): Record<string, bigint>;
}

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
    capabilities: (params) => def.capabilities(params),
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
  };
  if (def.validate) plugin.validate = (params) => def.validate!(params);
  return plugin;
}
