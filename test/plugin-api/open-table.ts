/**
 * One fresh plugin table for plugin unit and golden tests: sparse memory whose only writable
 * range is the pool (a stray write throws), the pool, the handle and byte-level readers.
 * Golden vectors depend on the pool base (tables come first-fit), so tests state it.
 */
import {
  PhysicalMemory,
  PoolAllocator,
  type PluginParams,
  type TableContext,
  type TableHandle,
  type VcmPlugin,
  type WalkResult,
} from "../../src/plugin-api/index.js";

export interface OpenTableOptions {
  params: PluginParams;
  /** Table pool (default 0x8000_0000 + 16 MiB). */
  pool?: { base: bigint; size: bigint };
  /** Default: the whole input space of capabilities(params), or the window. */
  aperture?: { base: bigint; size: bigint };
  window?: { base: bigint; size: bigint; pageSize: bigint; levels: number };
  name?: string;
  domainId?: number;
  /** A second writable pool for per-IOMMU structures (bindDevices: VT-d root/context, AMD DTEs). */
  instances?: { base: bigint; size: bigint };
}

export interface OpenTable {
  plugin: VcmPlugin;
  params: PluginParams;
  memory: PhysicalMemory;
  pool: PoolAllocator;
  /** The `instances` pool, when asked for. */
  instances: PoolAllocator | undefined;
  handle: TableHandle;
  aperture: { base: bigint; size: bigint };
  /** What the runtime would hand walk/leaves/describe: registers as the plugin reports them now. */
  context: () => TableContext;
  walk: (iova: bigint) => WalkResult;
  /** The translated address, or undefined on a fault. */
  translate: (iova: bigint) => bigint | undefined;
  /** Valid leaf pages (4K units) read from the bytes. */
  leafPages: () => number;
}

export function openTable(plugin: VcmPlugin, options: OpenTableOptions): OpenTable {
  const { params, window } = options;
  const poolRange = options.pool ?? { base: 0x8000_0000n, size: 16n << 20n };
  const memory = new PhysicalMemory();
  memory.allowWrites(poolRange.base, poolRange.size);
  const pool = new PoolAllocator("tables", poolRange.base, poolRange.size);
  const inst = options.instances;
  if (inst) memory.allowWrites(inst.base, inst.size);
  const instances = inst ? new PoolAllocator("iommu", inst.base, inst.size) : undefined;
  const aperture =
    options.aperture ??
    (window
      ? { base: window.base, size: window.size }
      : { base: 0n, size: 1n << BigInt(plugin.capabilities(params).inputBits) });
  const handle = plugin.create(memory, pool, {
    params,
    name: options.name ?? "t",
    domainId: options.domainId ?? 1,
    aperture,
    ...(window ? { window } : {}),
  });
  const context = (): TableContext => ({
    params,
    root: handle.root,
    registers: plugin.registers(handle),
    aperture,
    ...(window ? { window } : {}),
  });
  const walk = (iova: bigint): WalkResult => plugin.walk(memory, context(), iova);
  const translate = (iova: bigint): bigint | undefined => {
    const r = walk(iova);
    return r.ok ? r.pa : undefined;
  };
  const leafPages = (): number => {
    let n = 0;
    plugin.leaves(memory, context(), (_iova, _pa, count) => (n += count));
    return n;
  };
  return {
    plugin,
    params,
    memory,
    pool,
    instances,
    handle,
    aperture,
    context,
    walk,
    translate,
    leafPages,
  };
}
