/**
 * Plugins are bounded: every value a plugin returns to the compiler is checked (types, ranges,
 * counts) before it is used, and every exception it throws is tagged with the plugin, its
 * origin and the call. A `CallWatch` (set when third-party code runs in a worker thread) is
 * told which call is active, so a watchdog can name the call a plugin is stuck in.
 */
import type { Span } from "../diagnostics/span.js";
import type { PhysicalMemory } from "../plugin-api/physical-memory.js";
import { isPoolExhaustedError, type PoolAllocator } from "../plugin-api/pool-allocator.js";
import {
  isMappingError,
  type Capabilities,
  type CreateOptions,
  type DeviceBinding,
  type PluginParams,
  type TableContext,
  type TableGeometry,
  type TableGeometryLevel,
  type TableHandle,
  type VcmPlugin,
} from "../plugin-api/types.js";
import { PluginRegistry } from "../plugin-host/registry.js";

const U64_LIMIT = 1n << 64n;
/** The most a `describe` dump may hold (a dump is read by people; more is a runaway plugin). */
export const MAX_DESCRIBE_CHARS = 256 * 1024 * 1024;

/** A plugin returned something the plugin API does not allow. */
export class PluginContractError extends Error {
  constructor(
    readonly plugin: string,
    readonly origin: string,
    readonly call: string,
    readonly problem: string,
  ) {
    super(`plugin '${plugin}' (${origin}) returned an invalid value from ${call}: ${problem}`);
    this.name = "PluginContractError";
  }
}

/** A plugin threw something other than the errors the API defines (MappingError, pool full). */
export class PluginThrewError extends Error {
  constructor(
    readonly plugin: string,
    readonly origin: string,
    readonly call: string,
    readonly thrown: unknown,
  ) {
    const why = thrown instanceof Error ? thrown.message : String(thrown);
    super(`plugin '${plugin}' (${origin}) threw in ${call}: ${why}`);
    this.name = "PluginThrewError";
  }
}

/** Told when a plugin call starts and ends (a worker writes it where its watchdog reads it). */
export interface CallWatch {
  enter(plugin: string, origin: string, call: string): void;
  leave(): void;
  /** What the compiler is doing and where in the source (the calls that follow are for it). */
  subject?(what: string, span?: Span): void;
}

function isU64(v: unknown): v is bigint {
  return typeof v === "bigint" && v >= 0n && v < U64_LIMIT;
}

function isPowerOfTwo(v: bigint): boolean {
  return v > 0n && (v & (v - 1n)) === 0n;
}

function isIntIn(v: unknown, lo: number, hi: number): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= lo && v <= hi;
}

function describeValue(v: unknown): string {
  if (typeof v === "bigint") return `0x${v.toString(16)}n`;
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (v === null || typeof v !== "object") return String(v);
  return Array.isArray(v) ? `an array of ${v.length}` : "an object";
}

/** What is wrong with a `capabilities()` result, or undefined. */
export function capabilitiesProblem(caps: unknown): string | undefined {
  if (caps === null || typeof caps !== "object")
    return `expected an object, got ${describeValue(caps)}`;
  const c = caps as Partial<Capabilities>;
  if (!Array.isArray(c.pageSizes) || c.pageSizes.length === 0 || c.pageSizes.length > 64) {
    return `pageSizes must be 1 to 64 page sizes, got ${describeValue(c.pageSizes)}`;
  }
  let previous = 0n;
  for (const [i, s] of c.pageSizes.entries()) {
    if (!isU64(s) || !isPowerOfTwo(s) || s < 4096n) {
      return `pageSizes[${i}] must be a power of two of at least 4K (a bigint), got ${describeValue(s)}`;
    }
    if (s <= previous) return `pageSizes must be ascending without repeats`;
    previous = s;
  }
  if (!isIntIn(c.inputBits, 12, 64))
    return `inputBits must be 12..64, got ${describeValue(c.inputBits)}`;
  if (!isIntIn(c.outputBits, 12, 64)) {
    return `outputBits must be 12..64, got ${describeValue(c.outputBits)}`;
  }
  if (!isIntIn(c.levels, 0, 8)) return `levels must be 0..8, got ${describeValue(c.levels)}`;
  if (!isU64(c.granule) || !isPowerOfTwo(c.granule)) {
    return `granule must be a power of two (a bigint), got ${describeValue(c.granule)}`;
  }
  if (c.entryBytes !== 4 && c.entryBytes !== 8) {
    return `entryBytes must be 4 or 8, got ${describeValue(c.entryBytes)}`;
  }
  for (const key of ["bigEndian", "blocks", "partialUnmap", "windows"] as const) {
    if (typeof c[key] !== "boolean")
      return `${key} must be a boolean, got ${describeValue(c[key])}`;
  }
  const p = c.perms;
  if (
    p === null ||
    typeof p !== "object" ||
    !["read", "write", "exec", "priv"].every(
      (k) => typeof (p as Record<string, unknown>)[k] === "boolean",
    )
  ) {
    return `perms must be {read, write, exec, priv} booleans`;
  }
  if (c.outside !== undefined && c.outside !== "passthrough" && c.outside !== "blocked") {
    return `outside must be "passthrough" or "blocked", got ${describeValue(c.outside)}`;
  }
  for (const key of ["privilegedOnly", "writeExecNever"] as const) {
    if (c[key] !== undefined && typeof c[key] !== "boolean")
      return `${key} must be a boolean when given, got ${describeValue(c[key])}`;
  }
  if (c.regime !== undefined && (typeof c.regime !== "string" || c.regime.length > 40)) {
    return `regime must be a name of at most 40 characters, got ${describeValue(c.regime)}`;
  }
  return undefined;
}

/** What is wrong with a `tableGeometry()` result, or undefined. */
export function geometryProblem(g: unknown): string | undefined {
  const levels = (g as TableGeometry | null)?.levels;
  if (!Array.isArray(levels) || levels.length === 0 || levels.length > 8) {
    return `levels must be 1 to 8 levels, got ${describeValue(levels)}`;
  }
  for (const [i, l] of levels.entries()) {
    const level = l as Partial<TableGeometryLevel> | null;
    if (
      !isIntIn(level?.shift, 0, 63) ||
      !isIntIn(level?.bits, 0, 32) ||
      !isIntIn(level?.tableBytes, 1, 1 << 30) ||
      !Array.isArray(level?.pageShifts) ||
      !level.pageShifts.every((p) => isIntIn(p, 12, 63))
    ) {
      return `levels[${i}] must be {shift 0..63, bits 0..32, tableBytes 1..1G, pageShifts 12..63}`;
    }
  }
  const base = (g as TableGeometry).iovaBase;
  if (base !== undefined && !isU64(base)) return `iovaBase must be a 64-bit unsigned bigint`;
  return undefined;
}

/** What is wrong with a register set, or undefined. */
export function registersProblem(regs: unknown): string | undefined {
  if (regs === null || typeof regs !== "object" || Array.isArray(regs)) {
    return `expected an object of registers, got ${describeValue(regs)}`;
  }
  const entries = Object.entries(regs);
  if (entries.length > 256) return `${entries.length} registers (at most 256)`;
  for (const [k, v] of entries) {
    if (!isU64(v))
      return `register '${k}' must be a 64-bit unsigned bigint, got ${describeValue(v)}`;
  }
  return undefined;
}

function rootProblem(handle: unknown, pool: PoolAllocator): string | undefined {
  if (handle === null || typeof handle !== "object") {
    return `expected a handle object, got ${describeValue(handle)}`;
  }
  const root = (handle as { root?: unknown }).root;
  if (!isU64(root)) return `root must be a 64-bit unsigned bigint, got ${describeValue(root)}`;
  if (root < BigInt(pool.base) || root >= BigInt(pool.base) + BigInt(pool.size)) {
    return `root 0x${root.toString(16)} is outside pool '${pool.name}'`;
  }
  return undefined;
}

/**
 * `plugin` with checked results and tagged exceptions. Hot loops stay inside the plugin: one
 * check per call, never per page (visitors are passed through, except `tables`, whose few
 * calls per table page are counted and range-checked).
 *
 * Long on purpose: one small wrapper per plugin method, side by side, so every call of the API
 * is visibly guarded in one place.
 */
export function guardPlugin(plugin: VcmPlugin, origin: string, watch?: CallWatch): VcmPlugin {
  const name = plugin.name;
  const run = <T>(call: string, f: () => T): T => {
    watch?.enter(name, origin, call);
    try {
      return f();
    } catch (e) {
      if (
        isMappingError(e) ||
        isPoolExhaustedError(e) ||
        e instanceof PluginContractError ||
        e instanceof PluginThrewError
      ) {
        throw e;
      }
      throw new PluginThrewError(name, origin, call, e);
    } finally {
      watch?.leave();
    }
  };
  const bad = (call: string, problem: string | undefined): void => {
    if (problem !== undefined) throw new PluginContractError(name, origin, call, problem);
  };
  const guarded: VcmPlugin = {
    name,
    version: plugin.version,
    apiVersion: plugin.apiVersion,
    description: plugin.description,
    params: plugin.params,
    capabilities(params: PluginParams): Capabilities {
      const caps = run("capabilities()", () => plugin.capabilities(params));
      bad("capabilities()", capabilitiesProblem(caps));
      return caps;
    },
    create(memory: PhysicalMemory, pool: PoolAllocator, options: CreateOptions): TableHandle {
      const handle = run("create()", () => plugin.create(memory, pool, options));
      bad("create()", rootProblem(handle, pool));
      return handle;
    },
    map(handle, iova, pa, pageSize, count, prot, attrs) {
      run("map()", () => plugin.map(handle, iova, pa, pageSize, count, prot, attrs));
    },
    unmap(handle, iova, size) {
      const n = run("unmap()", () => plugin.unmap(handle, iova, size));
      if (typeof n !== "bigint" || n < 0n || n > size) {
        bad(
          "unmap()",
          `expected the bytes unmapped (0..0x${size.toString(16)}), got ${describeValue(n)}`,
        );
      }
      return n;
    },
    registers(handle, upper) {
      const regs = run("registers()", () => plugin.registers(handle, upper));
      bad("registers()", registersProblem(regs));
      return regs;
    },
    walk: (memory, context, iova) => run("walk()", () => plugin.walk(memory, context, iova)),
    leaves: (memory, context, visit, loops) =>
      run("leaves()", () => plugin.leaves(memory, context, visit, loops)),
    tables(memory: PhysicalMemory, context: TableContext, visit) {
      let count = 0;
      // A table page is at least 64 bytes and lies in the written memory: more visits than
      // that many pages means the plugin is looping or inventing pages.
      const limit = memory.frameCount * 64 + 16;
      run("tables()", () =>
        plugin.tables(memory, context, (pa, bytes, level) => {
          if (++count > limit) bad("tables()", `more than ${limit} table pages reported`);
          if (!isU64(pa) || !isIntIn(bytes, 1, 1 << 24) || !isIntIn(level, 0, 16)) {
            bad(
              "tables()",
              `a table page must be (pa bigint, bytes 1..16M, level 0..16), got ` +
                `(${describeValue(pa)}, ${describeValue(bytes)}, ${describeValue(level)})`,
            );
          }
          visit(pa, bytes, level);
        }),
      );
    },
    describe(memory, context) {
      const text = run("describe()", () => plugin.describe(memory, context));
      if (typeof text !== "string" || text.length > MAX_DESCRIBE_CHARS) {
        bad(
          "describe()",
          typeof text === "string"
            ? `a dump of ${text.length} characters (at most ${MAX_DESCRIBE_CHARS})`
            : `expected a string, got ${describeValue(text)}`,
        );
      }
      return text;
    },
  };
  if (plugin.validate) {
    const validate = plugin.validate.bind(plugin);
    guarded.validate = (params) => {
      const problems = run("validate()", () => validate(params));
      if (!Array.isArray(problems) || problems.some((p) => typeof p?.message !== "string")) {
        bad("validate()", `expected an array of {key?, message}, got ${describeValue(problems)}`);
      }
      return problems;
    };
  }
  if (plugin.bindDevices) {
    const bindDevices = plugin.bindDevices.bind(plugin);
    guarded.bindDevices = (memory, pool, params, bindings: DeviceBinding[], untranslated) => {
      const bound = run("bindDevices()", () =>
        untranslated === undefined
          ? bindDevices(memory, pool, params, bindings)
          : bindDevices(memory, pool, params, bindings, untranslated),
      );
      if (bound === null || typeof bound !== "object") {
        bad("bindDevices()", `expected {handle, registers}, got ${describeValue(bound)}`);
      }
      // Root 0: the instance is registers only (SMMUv2 stream matching), nothing in the pool.
      const registersOnly = (bound.handle as { root?: unknown } | null)?.root === 0n;
      bad(
        "bindDevices()",
        (registersOnly ? undefined : rootProblem(bound.handle, pool)) ??
          registersProblem(bound.registers),
      );
      return bound;
    };
  }
  if (plugin.bindsDevices) {
    const bindsDevices = plugin.bindsDevices.bind(plugin);
    (guarded as { bindsDevices?: (p: PluginParams) => boolean }).bindsDevices = (params) =>
      run("bindsDevices()", () => bindsDevices(params)) !== false;
  }
  if (plugin.bindsUntranslated) {
    const bindsUntranslated = plugin.bindsUntranslated.bind(plugin);
    (guarded as { bindsUntranslated?: (p: PluginParams) => boolean }).bindsUntranslated = (
      params,
    ) => run("bindsUntranslated()", () => bindsUntranslated(params)) === true;
  }
  if (plugin.tableGeometry) {
    const tableGeometry = plugin.tableGeometry.bind(plugin);
    guarded.tableGeometry = (options) => {
      const g = run("tableGeometry()", () => tableGeometry(options));
      bad("tableGeometry()", geometryProblem(g));
      return g;
    };
  }
  if (plugin.decodeRegisters) {
    const decodeRegisters = plugin.decodeRegisters.bind(plugin);
    guarded.decodeRegisters = (params, regs) => {
      const walk = run("decodeRegisters()", () => decodeRegisters(params, regs));
      if (walk !== undefined) bad("decodeRegisters()", registerWalkProblem(walk));
      return walk;
    };
  }
  if (typeof plugin.architecture === "string") {
    Object.assign(guarded, { architecture: plugin.architecture });
  }
  if (plugin.relocations) {
    const relocations = plugin.relocations.bind(plugin);
    guarded.relocations = (memory, context, visit) => {
      let count = 0;
      // An entry is at least 4 bytes of written memory: more visits than that is a loop.
      const limit = memory.frameCount * 1024 + 16;
      const problem = run("relocations()", () =>
        relocations(memory, context, (pa, bytes) => {
          if (++count > limit) bad("relocations()", `more than ${limit} entries reported`);
          if (!isU64(pa) || (bytes !== 4 && bytes !== 8)) {
            bad(
              "relocations()",
              `an entry must be (pa bigint, bytes 4 or 8), got (${describeValue(pa)}, ${describeValue(bytes)})`,
            );
          }
          visit(pa, bytes);
        }),
      );
      if (problem !== undefined && typeof problem !== "string") {
        bad(
          "relocations()",
          `expected a reason (string) or undefined, got ${describeValue(problem)}`,
        );
      }
      return problem;
    };
  }
  if (plugin.lookupDevice) {
    const lookupDevice = plugin.lookupDevice.bind(plugin);
    guarded.lookupDevice = (memory, params, regs, stream) =>
      run("lookupDevice()", () => lookupDevice(memory, params, regs, stream));
  }
  return guarded;
}

/** What is wrong with a `decodeRegisters` result: each half {root, bits 1..64, granule}. */
function registerWalkProblem(walk: unknown): string | undefined {
  if (walk === null || typeof walk !== "object")
    return `expected {lower?, upper?}, got ${describeValue(walk)}`;
  const { control, reserved } = walk as Record<string, unknown>;
  if (control !== undefined) {
    const c = control as Record<string, unknown> | null;
    if (
      c === null ||
      typeof c !== "object" ||
      typeof c["register"] !== "string" ||
      typeof c["translation"] !== "boolean" ||
      typeof c["writeExecNever"] !== "boolean"
    )
      return `control must be {register string, translation boolean, writeExecNever boolean}, got ${describeValue(control)}`;
  }
  if (
    reserved !== undefined &&
    (!Array.isArray(reserved) ||
      reserved.length > 128 ||
      !reserved.every((r) => typeof r === "string" && r.length <= 200))
  )
    return `reserved must be at most 128 strings, got ${describeValue(reserved)}`;
  for (const side of ["lower", "upper"] as const) {
    const h = (walk as Record<string, unknown>)[side] as Record<string, unknown> | undefined;
    if (h === undefined) continue;
    if (
      h === null ||
      typeof h !== "object" ||
      !isU64(h["root"]) ||
      !isIntIn(h["bits"], 1, 64) ||
      !isU64(h["granule"])
    ) {
      return `the ${side} half must be {root bigint, bits 1..64, granule bigint}, got ${describeValue(h)}`;
    }
  }
  return undefined;
}

/** A registry of the same plugins and origins, each guarded (and watched, when `watch`). */
export function guardRegistry(registry: PluginRegistry, watch?: CallWatch): PluginRegistry {
  const out = new PluginRegistry();
  for (const { plugin, origin } of registry.all()) {
    out.register(guardPlugin(plugin, origin, watch), origin);
  }
  return out;
}
