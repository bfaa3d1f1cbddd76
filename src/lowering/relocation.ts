/**
 * Position-independent tables (`vcm compile --relocatable`, `vcm run --relocate-to`). A pool's
 * tables are built at the pool's base; what moves with the pool is every descriptor holding a
 * table page's address (listed by each table's plugin, `VcmPlugin.relocations`: the radix engine
 * finds them through its level iterator) and the registers holding a root (found through the
 * plugin's own `decodeRegisters`: the registers whose change moves a decoded root). A relocatable
 * image holds those words minus the pool's base; loading it at L adds L to each, as the C routine
 * of tables.h does (`applyRelocations` is the same loop).
 */
import { diagnostic, D } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { hex } from "../diagnostics/format.js";
import { PhysicalMemory, FRAME_BYTES } from "../plugin-api/physical-memory.js";
import type { Span } from "../diagnostics/span.js";
import type { RegisterWalk, VcmPlugin } from "../plugin-api/types.js";
import type { CompiledPool, CompiledTable, CompiledTopology } from "./compiled.js";

/** What moves when one pool moves. */
export interface PoolRelocation {
  pool: string;
  /** The pool's base the tables were built at. */
  base: bigint;
  /** Offsets from the base of every word holding a table address, ascending, each once. */
  offsets: number[];
  /** The width of those words (one per pool). */
  entryBytes: 4 | 8;
  /** Per table of the pool: the registers holding one of its roots. */
  registers: Map<string, string[]>;
  /** The alignment the pool's base must keep: its largest table page (at least 4K). */
  align: bigint;
  /** The smallest output size of the pool's formats: the pool must lie below 2^outputBits. */
  outputBits: number;
  /** The format with that output size, for messages. */
  narrowestFormat: string;
}

/** An offset no root register can be confused by: 256 MiB, aligned for every table. */
const PROBE_DELTA = 0x1000_0000n;

function poolSpan(compiled: CompiledTopology, pool: string): Span | undefined {
  return compiled.ir.pools.find((p) => p.name === pool)?.span;
}

function plugin(compiled: CompiledTopology, format: string): VcmPlugin | undefined {
  return compiled.plugins.get(format);
}

function roots(walk: RegisterWalk | undefined): (bigint | undefined)[] {
  return [walk?.lower?.root, walk?.upper?.root];
}

/**
 * The registers of `t` that hold a root: adding an offset to one moves a decoded root by exactly
 * that offset and changes nothing else. Undefined registers: the plugin decodes none.
 */
function rootRegisters(
  p: VcmPlugin,
  t: CompiledTable,
): { names: string[] } | { notAdditive: string } | undefined {
  const regs = t.context.registers;
  if (Object.keys(regs).length === 0) return { names: [] };
  const before = p.decodeRegisters?.(t.context.params, regs);
  if (!before || (!before.lower && !before.upper)) return undefined;
  const base = roots(before);
  const names: string[] = [];
  for (const [name, value] of Object.entries(regs)) {
    const after = roots(
      p.decodeRegisters!(t.context.params, { ...regs, [name]: value + PROBE_DELTA }),
    );
    const moved = after.map((r, i) =>
      r === undefined || base[i] === undefined ? 0n : r - base[i]!,
    );
    if (moved.every((d) => d === 0n)) continue;
    if (moved.some((d) => d !== 0n && d !== PROBE_DELTA)) return { notAdditive: name };
    names.push(name);
  }
  // Every decoded root must be held by a listed register.
  const shifted = { ...regs };
  for (const n of names) shifted[n] = shifted[n]! + PROBE_DELTA;
  const after = roots(p.decodeRegisters!(t.context.params, shifted));
  for (let i = 0; i < 2; i++) {
    if (base[i] !== undefined && after[i] !== base[i]! + PROBE_DELTA) {
      return { notAdditive: names[0] ?? Object.keys(regs)[0]! };
    }
  }
  return { names };
}

/** What the tables of one pool say about relocating it, gathered table by table. */
interface PoolScan {
  offsets: Set<number>;
  registers: Map<string, string[]>;
  width: { bytes: 4 | 8; table: string } | undefined;
  align: bigint;
  outputBits: number;
  narrowestFormat: string;
}

/**
 * One table of `pool`: the words its plugin says hold pool addresses, the registers holding its
 * root, its table sizes (the alignment a move must keep) and its output bits; what stands in the
 * way goes to `fail`.
 */
function scanTable(
  compiled: CompiledTopology,
  pool: CompiledPool,
  t: CompiledTable,
  span: Span | undefined,
  scan: PoolScan,
  fail: (d: Diagnostic) => void,
): void {
  const p = plugin(compiled, t.format);
  const args = { pool: pool.name, table: t.name, format: t.format };
  if (!p?.relocations) {
    fail(diagnostic(D.poolNotRelocatable.messages.noHook, span, args));
    return;
  }
  const reason = p.relocations(compiled.memory, t.context, (pa, bytes) => {
    scan.offsets.add(Number(pa - pool.base));
    if (scan.width && scan.width.bytes !== bytes) {
      fail(
        diagnostic(D.poolNotRelocatable.messages.widths, span, {
          pool: pool.name,
          first: scan.width.bytes,
          second: bytes,
        }),
      );
    }
    scan.width ??= { bytes, table: t.name };
  });
  if (reason !== undefined) {
    fail(diagnostic(D.poolNotRelocatable, span, { ...args, reason }));
    return;
  }
  const held = rootRegisters(p, t);
  if (held === undefined)
    fail(diagnostic(D.poolNotRelocatable.messages.registersUnknown, span, args));
  else if ("notAdditive" in held) {
    fail(
      diagnostic(D.poolNotRelocatable.messages.registerNotAdditive, span, {
        ...args,
        register: held.notAdditive,
      }),
    );
  } else scan.registers.set(t.name, held.names);
  p.tables(compiled.memory, t.context, (_pa, bytes) => {
    let a = BigInt(FRAME_BYTES);
    while (a < BigInt(bytes)) a <<= 1n;
    if (a > scan.align) scan.align = a;
  });
  const bits = p.capabilities(t.context.params).outputBits;
  if (bits < scan.outputBits) {
    scan.outputBits = bits;
    scan.narrowestFormat = t.format;
  }
}

/** The relocation of one pool, or undefined when `fail` was given a reason it cannot move. */
function poolRelocation(
  compiled: CompiledTopology,
  pool: CompiledPool,
  mapperPool: Map<string, string>,
  fail: (d: Diagnostic) => void,
): PoolRelocation | undefined {
  const span = poolSpan(compiled, pool.name);
  let failed = false;
  const failHere = (d: Diagnostic) => {
    failed = true;
    fail(d);
  };
  for (const m of compiled.mappers) {
    if (m.pool === pool.name && m.instance) {
      failHere(
        diagnostic(D.poolNotRelocatable.messages.instance, span, {
          pool: pool.name,
          mapper: m.name,
          format: m.format,
        }),
      );
    }
  }
  const scan: PoolScan = {
    offsets: new Set(),
    registers: new Map(),
    width: undefined,
    align: BigInt(FRAME_BYTES),
    outputBits: 64,
    narrowestFormat: "",
  };
  for (const t of compiled.tables) {
    if (mapperPool.get(t.mapper) === pool.name) scanTable(compiled, pool, t, span, scan, failHere);
  }
  if (failed) return undefined;
  return {
    pool: pool.name,
    base: pool.base,
    offsets: [...scan.offsets].sort((a, b) => a - b),
    entryBytes: scan.width?.bytes ?? 8,
    registers: scan.registers,
    align: scan.align,
    outputBits: scan.outputBits,
    narrowestFormat: scan.narrowestFormat,
  };
}

/**
 * The relocation of every pool that holds tables (of pool `only`, when given), or the
 * diagnostics saying why not.
 */
export function poolRelocations(
  compiled: CompiledTopology,
  only?: string,
): {
  relocations: PoolRelocation[];
  diagnostics: Diagnostic[];
} {
  const relocations: PoolRelocation[] = [];
  const diagnostics: Diagnostic[] = [];
  const mapperPool = new Map(compiled.mappers.map((m) => [m.name, m.pool]));
  for (const pool of compiled.pools) {
    if (only !== undefined && pool.name !== only) continue;
    const r = poolRelocation(compiled, pool, mapperPool, (d) => diagnostics.push(d));
    if (r) relocations.push(r);
  }
  return { relocations, diagnostics };
}

/**
 * Add `delta` (two's complement, modulo the word width) to each listed word of `bytes`, which
 * hold the pool from its base: the loop of tables.h's `vcm_relocate`.
 */
export function applyRelocations(
  bytes: Uint8Array,
  offsets: readonly number[],
  entryBytes: 4 | 8,
  delta: bigint,
): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const mask = (1n << BigInt(entryBytes * 8)) - 1n;
  for (const off of offsets) {
    if (entryBytes === 8)
      view.setBigUint64(off, (view.getBigUint64(off, true) + delta) & mask, true);
    else view.setUint32(off, Number((BigInt(view.getUint32(off, true)) + delta) & mask), true);
  }
}

/** The bytes of a pool from its base to the end of its last written frame. */
export function poolBytes(memory: PhysicalMemory, pool: CompiledPool): Uint8Array {
  const first = Number(pool.base / BigInt(FRAME_BYTES));
  const end = Number((pool.base + pool.size + BigInt(FRAME_BYTES - 1)) / BigInt(FRAME_BYTES));
  let last = -1;
  for (const pfn of memory.framePfns()) if (pfn >= first && pfn < end) last = pfn;
  if (last < 0) return new Uint8Array(0);
  const extent = BigInt(last + 1) * BigInt(FRAME_BYTES) - pool.base;
  const length = Number(extent < pool.size ? extent : pool.size);
  return memory.readBytes(pool.base, length);
}

/** The pool image whose table pointers are relative to the pool's base (what is written). */
export function relocatableImage(
  memory: PhysicalMemory,
  pool: CompiledPool,
  r: PoolRelocation,
): Uint8Array {
  const bytes = poolBytes(memory, pool);
  applyRelocations(bytes, r.offsets, r.entryBytes, -r.base);
  return bytes;
}

/** Registers with the pool's base taken out of those holding a root. */
export function relativeRegisters(t: CompiledTable, r: PoolRelocation): Record<string, bigint> {
  const out = { ...t.context.registers };
  for (const n of r.registers.get(t.name) ?? []) out[n] = out[n]! - r.base;
  return out;
}

/** Where `--relocate-to` may not put a pool, or undefined. */
export function relocationBaseProblem(
  compiled: CompiledTopology,
  r: PoolRelocation,
  to: bigint,
): Diagnostic | undefined {
  const pool = compiled.pools.find((p) => p.name === r.pool)!;
  const span = poolSpan(compiled, r.pool);
  const end = to + pool.size;
  if (to % r.align !== 0n) {
    return diagnostic(D.relocationBaseInvalid, span, {
      pool: r.pool,
      base: hex(to),
      align: hex(r.align),
    });
  }
  if (to < 0n || end > 1n << BigInt(r.outputBits)) {
    return diagnostic(D.relocationBaseInvalid.messages.outOfRange, span, {
      pool: r.pool,
      base: hex(to),
      end: hex(end),
      bits: r.outputBits,
      format: r.narrowestFormat,
    });
  }
  // The pool stays in its memory region: what the region is (RAM, Secure RAM) the tables keep.
  const region = compiled.ir.memories.find((m) => m.name === pool.memory);
  if (region && (to < region.range.base || end > region.range.base + region.range.size)) {
    return diagnostic(D.relocationBaseInvalid.messages.outsideMemory, span, {
      pool: r.pool,
      base: hex(to),
      end: hex(end),
      memory: region.name,
      range: `${hex(region.range.base)}..${hex(region.range.base + region.range.size)}`,
    });
  }
  for (const other of compiled.pools) {
    if (other.name === r.pool) continue;
    if (to < other.base + other.size && other.base < end) {
      return diagnostic(D.relocationBaseInvalid.messages.overlap, span, {
        pool: r.pool,
        base: hex(to),
        end: hex(end),
        other: other.name,
      });
    }
  }
  return undefined;
}

/**
 * The compiled tables with pool `r.pool` loaded at `to`: its image made relative, then relocated
 * at `to` exactly as the boot routine would, in a fresh memory where the pool's old place holds
 * nothing; roots and root registers moved alike. Plain data, as a loaded output (no `live`).
 */
export function relocateCompiled(
  compiled: CompiledTopology,
  r: PoolRelocation,
  to: bigint,
): CompiledTopology {
  const pool = compiled.pools.find((p) => p.name === r.pool)!;
  const delta = to - pool.base;
  const memory = new PhysicalMemory();
  const first = Number(pool.base / BigInt(FRAME_BYTES));
  const end = Number((pool.base + pool.size + BigInt(FRAME_BYTES - 1)) / BigInt(FRAME_BYTES));
  for (const pfn of compiled.memory.framePfns()) {
    if (pfn >= first && pfn < end) continue;
    const pa = BigInt(pfn) * BigInt(FRAME_BYTES);
    memory.writeBytes(pa, compiled.memory.readBytes(pa, FRAME_BYTES));
  }
  const image = relocatableImage(compiled.memory, pool, r);
  applyRelocations(image, r.offsets, r.entryBytes, to);
  memory.writeBytes(to, image);
  const mapperPool = new Map(compiled.mappers.map((m) => [m.name, m.pool]));
  const tables = compiled.tables.map((t) => {
    if (mapperPool.get(t.mapper) !== r.pool) return t;
    const registers = relativeRegisters(t, r);
    for (const n of r.registers.get(t.name) ?? []) registers[n] = registers[n]! + to;
    return { ...t, context: { ...t.context, root: t.context.root + delta, registers } };
  });
  const { live: _live, ...rest } = compiled;
  return {
    ...rest,
    memory,
    pools: compiled.pools.map((p) => (p.name === r.pool ? { ...p, base: to } : p)),
    tables,
  };
}

/** Where `vcm run --relocate-to [POOL=]ADDR` moves a pool. */
export interface RelocationRequest {
  /** The pool; may be left out when one pool holds tables. */
  pool?: string;
  base: bigint;
}

/** What a relocation moved, for the report. */
export interface RelocationDone {
  pool: string;
  from: bigint;
  to: bigint;
  entries: number;
  registers: number;
}

/** Thrown for a request naming no pool that holds tables (a usage error). */
export class RelocationRequestError extends Error {}

/**
 * The tables with one pool moved as a boot image would move them, or the diagnostics saying why
 * it cannot be (VCM0338 for the pool, VCM0485 for the address).
 */
export function relocateRequested(
  compiled: CompiledTopology,
  request: RelocationRequest,
):
  | { compiled: CompiledTopology; done: RelocationDone; diagnostics: Diagnostic[] }
  | { diagnostics: Diagnostic[] } {
  const holding = new Set(compiled.mappers.map((m) => m.pool));
  const candidates = compiled.pools.filter((p) => holding.has(p.name));
  let name = request.pool;
  if (name === undefined) {
    if (candidates.length !== 1) {
      throw new RelocationRequestError(
        `${candidates.length} pools hold tables (${candidates.map((p) => p.name).join(", ")}): name one, --relocate-to POOL=ADDR`,
      );
    }
    name = candidates[0]!.name;
  } else if (!candidates.some((p) => p.name === name)) {
    throw new RelocationRequestError(`no pool named '${name}' holds tables`);
  }
  const { relocations, diagnostics } = poolRelocations(compiled, name);
  const r = relocations[0];
  if (!r) return { diagnostics };
  const problem = relocationBaseProblem(compiled, r, request.base);
  if (problem) return { diagnostics: [problem] };
  let registers = 0;
  for (const names of r.registers.values()) registers += names.length;
  return {
    compiled: relocateCompiled(compiled, r, request.base),
    done: { pool: name, from: r.base, to: request.base, entries: r.offsets.length, registers },
    diagnostics: [],
  };
}
