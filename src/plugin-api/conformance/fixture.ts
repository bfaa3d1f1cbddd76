/**
 * One fresh table: simulated memory whose only writable range is the pool (so a write outside it
 * throws), the plugin's table, and byte-level readers. The conformance kit runs every case on
 * one; plugin unit and golden tests use it too (`new Fixture(plugin, { params })` from
 * `vcm/testing`), the built-in plugins' tests included. Golden vectors depend on the pool base
 * (tables come first-fit), so such tests state it. The readers are bound (they may be taken
 * apart: `const { walk, context } = new Fixture(...)`).
 */
import { hex } from "../../diagnostics/format.js";
import { PhysicalMemory } from "../physical-memory.js";
import { PoolAllocator } from "../pool-allocator.js";
import type {
  Capabilities,
  PluginParams,
  TableContext,
  TableHandle,
  VcmPlugin,
  WalkResult,
} from "../types.js";
import type { ReferenceRange } from "./reference.js";

export interface ConformanceOptions {
  /** Validated parameters (schema defaults filled in). */
  params: PluginParams;
  /** Table pool (default 0x8000_0000 + 64 MiB: below 4 GiB, so 32-bit outputs can reach it). */
  poolBase?: bigint;
  poolSize?: bigint;
  /** IOVA range to test (default: the whole input space, or the window). */
  aperture?: { base: bigint; size: bigint };
  window?: { base: bigint; size: bigint; pageSize: bigint; levels: number };
  /**
   * Attributes the self-tests map with and then expect back from walk() (e.g. ATTR_CACHEABLE for
   * formats that express it). Default: map with 0 and do not compare attributes.
   */
  attrs?: number;
  /** fast-check runs per property (default: env FUZZ_RUNS, else 20). */
  runs?: number;
  /** fast-check seed, to replay a failure. */
  seed?: number;
  /** The table's name and id as `create` gets them (default "conformance", 1). */
  name?: string;
  domainId?: number;
  /** A second writable pool for per-IOMMU structures (`bindDevices`: VT-d root/context, AMD DTEs). */
  instances?: { base: bigint; size: bigint };
}

export class Fixture {
  readonly memory = new PhysicalMemory();
  readonly pool: PoolAllocator;
  /** The `instances` pool, when asked for. */
  readonly instances: PoolAllocator | undefined;
  readonly params: PluginParams;
  readonly handle: TableHandle;
  readonly caps: Capabilities;
  readonly aperture: { base: bigint; size: bigint };
  /** The page sizes to test: the window's own, else every size the capabilities list. */
  readonly pageSizes: readonly bigint[];

  constructor(
    readonly plugin: VcmPlugin,
    readonly options: ConformanceOptions,
  ) {
    const base = options.poolBase ?? 0x8000_0000n;
    const size = options.poolSize ?? 64n << 20n;
    this.pool = new PoolAllocator("conformance", base, size);
    this.memory.allowWrites(base, size);
    const inst = options.instances;
    if (inst) this.memory.allowWrites(inst.base, inst.size);
    this.instances = inst ? new PoolAllocator("iommu", inst.base, inst.size) : undefined;
    this.params = options.params;
    this.caps = plugin.capabilities(options.params);
    this.aperture = apertureOf(this.caps, options);
    // capabilities() cannot see the window, and a windowed table maps only its page size.
    this.pageSizes = options.window ? [options.window.pageSize] : this.caps.pageSizes;
    this.handle = plugin.create(this.memory, this.pool, {
      params: options.params,
      name: options.name ?? "conformance",
      domainId: options.domainId ?? 1,
      aperture: this.aperture,
      ...(options.window ? { window: options.window } : {}),
    });
  }

  /** What the runtime would hand walk/leaves/describe: registers as the plugin reports them now. */
  readonly context = (): TableContext => ({
    params: this.options.params,
    root: this.handle.root,
    registers: this.plugin.registers(this.handle),
    aperture: this.aperture,
    ...(this.options.window ? { window: this.options.window } : {}),
  });

  readonly walk = (iova: bigint): WalkResult => this.plugin.walk(this.memory, this.context(), iova);

  /** The translated address, or undefined on a fault. */
  readonly translate = (iova: bigint): bigint | undefined => {
    const r = this.walk(iova);
    return r.ok ? r.pa : undefined;
  };

  /** leaves() as ranges of 4K frames (not merged further). */
  readonly leaves = (): ReferenceRange[] => {
    const out: ReferenceRange[] = [];
    this.plugin.leaves(this.memory, this.context(), (iova, pa, count, prot, attrs) => {
      out.push({ start: iova, end: iova + count, pa, prot, attrs });
    });
    return out;
  };

  /** Every table page reachable from the root. */
  readonly tables = (): { pa: bigint; bytes: number; level: number }[] => {
    const out: { pa: bigint; bytes: number; level: number }[] = [];
    this.plugin.tables(this.memory, this.context(), (pa, bytes, level) =>
      out.push({ pa, bytes, level }),
    );
    return out;
  };
}

export function apertureOf(
  caps: Capabilities,
  options: ConformanceOptions,
): { base: bigint; size: bigint } {
  if (options.aperture) return options.aperture;
  if (options.window) return { base: options.window.base, size: options.window.size };
  return { base: 0n, size: 1n << BigInt(caps.inputBits) };
}

export { hex };
