/**
 * What a boot image embeds of each pool (docs/FIRMWARE.md), the one model behind
 * `--format asm` (firmware-asm.ts), `ld` (firmware-ld.ts) and `elf` (elf-object.ts): the pool's
 * bytes in a section named after it, and global symbols for the pool, each table's root (inside
 * the section) and each register value (absolute). With `--relocatable` the bytes and the
 * registers holding a root are relative to the pool's base, and a second section lists the
 * offsets the boot code adds the load address to.
 */
import { diagnostic, D } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { hex } from "../diagnostics/format.js";
import type {
  CompiledMapper,
  CompiledPool,
  CompiledTable,
  CompiledTopology,
} from "../lowering/compiled.js";
import {
  poolBytes,
  relativeRegisters,
  relocatableImage,
  type PoolRelocation,
} from "../lowering/relocation.js";
import { FRAME_BYTES } from "../plugin-api/physical-memory.js";
import type { PluginArchitecture } from "../plugin-api/types.js";

export type ObjectArchitecture = "aarch64" | "x86-64";

/** A symbol: at an offset in the pool's section or its relocation section, or an absolute value. */
export interface FirmwareSymbol {
  name: string;
  where: "pool" | "relocs" | "absolute";
  value: bigint;
  /** Bytes the symbol spans (objects), 0 for labels and values. */
  size: number;
  /** What it is, for comments. */
  what: string;
}

export interface FirmwarePool {
  pool: CompiledPool;
  /** The section holding the pool's bytes: `.vcm.<pool>`. */
  section: string;
  /** With --relocatable: the section of the relocation offsets, `.vcm.<pool>.relocs`. */
  relocSection?: string;
  /** Undefined when the pool's tables are for an architecture VCM writes no object for. */
  architecture?: ObjectArchitecture;
  /** Alignment of the section: the largest table page it holds (at least 4K). */
  align: bigint;
  /** The pool from its base to its last written frame (relative with --relocatable). */
  bytes: Uint8Array;
  relocation?: PoolRelocation;
  symbols: FirmwareSymbol[];
  /** The tables it holds, for comments. */
  tables: string[];
}

/** A C / assembler identifier part from a VCM name (`c0.ddw` → `c0_ddw`). */
export function symbolPart(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, "_");
}

/** A section name part: section names may hold dots and dashes, not spaces or quotes. */
function sectionPart(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, "_");
}

/** The alignment a section placed at `base` may declare: up to 4K, what `base` keeps. */
function baseAlignment(base: bigint): bigint {
  let align = 1n;
  while (align < BigInt(FRAME_BYTES) && base % (align * 2n) === 0n) align *= 2n;
  return align;
}

/** Unique symbol names: a second `a_b` (from `a.b` and `a_b`) becomes `a_b_2`. */
function uniqueNames(symbols: FirmwareSymbol[], taken: Set<string>): void {
  for (const s of symbols) {
    let name = s.name;
    for (let n = 2; taken.has(name); n++) name = `${s.name}_${n}`;
    taken.add(name);
    s.name = name;
  }
}

export interface FirmwarePoolOptions {
  /** The pools' relocations (`--relocatable`); absent: absolute tables. */
  relocations?: readonly PoolRelocation[];
  /** `asm` or `elf`: an architecture is needed, and its absence is a diagnostic. */
  needsArchitecture?: "asm" | "elf";
}

/** The architecture of each pool's users, or the diagnostics saying why there is none. */
function poolArchitecture(
  compiled: CompiledTopology,
  pool: CompiledPool,
  output: "asm" | "elf" | undefined,
  diagnostics: Diagnostic[],
): ObjectArchitecture | undefined {
  const span = compiled.ir.pools.find((p) => p.name === pool.name)?.span;
  const users: { table: string; format: string; architecture?: PluginArchitecture }[] = [];
  const mapperPool = new Map(compiled.mappers.map((m) => [m.name, m.pool]));
  for (const t of compiled.tables) {
    if (mapperPool.get(t.mapper) !== pool.name) continue;
    const arch = compiled.plugins.get(t.format)?.architecture;
    users.push({ table: t.name, format: t.format, ...(arch ? { architecture: arch } : {}) });
  }
  for (const m of compiled.mappers) {
    if (m.pool !== pool.name || !m.instance) continue;
    const arch = compiled.plugins.get(m.format)?.architecture;
    users.push({ table: m.name, format: m.format, ...(arch ? { architecture: arch } : {}) });
  }
  const first = users[0];
  if (!first) return undefined;
  const other = users.find((u) => u.architecture !== first.architecture);
  if (output && other && first.architecture && other.architecture) {
    diagnostics.push(
      diagnostic(D.poolArchitecturesMixed, span, {
        pool: pool.name,
        first: first.architecture,
        firstTable: first.table,
        firstFormat: first.format,
        second: other.architecture,
        secondTable: other.table,
        secondFormat: other.format,
      }),
    );
    return undefined;
  }
  const bad = users.find((u) => u.architecture !== "aarch64" && u.architecture !== "x86-64");
  if (bad) {
    if (!output) return undefined;
    const args = { output, pool: pool.name, format: bad.format, table: bad.table };
    diagnostics.push(
      bad.architecture
        ? diagnostic(D.poolArchitectureUnsupported, span, {
            ...args,
            architecture: bad.architecture,
          })
        : diagnostic(D.poolArchitectureUnsupported.messages.unknown, span, args),
    );
    return undefined;
  }
  return first.architecture as ObjectArchitecture;
}

/** A table's root (pool-relative) and its registers (relative where a relocation moves them). */
function tableSymbols(
  pool: CompiledPool,
  t: CompiledTable,
  relocation: PoolRelocation | undefined,
): FirmwareSymbol[] {
  const symbols: FirmwareSymbol[] = [];
  const tn = symbolPart(t.name);
  symbols.push({
    name: `vcm_${tn}_root`,
    where: "pool",
    value: t.context.root - pool.base,
    size: 0,
    what: `root of table '${t.name}' (${t.format})`,
  });
  const registers = relocation ? relativeRegisters(t, relocation) : t.context.registers;
  const moved = new Set(relocation?.registers.get(t.name) ?? []);
  for (const [reg, value] of Object.entries(registers)) {
    symbols.push({
      name: `vcm_${tn}_${symbolPart(reg).toLowerCase()}`,
      where: "absolute",
      value,
      size: 0,
      what:
        `${reg} of table '${t.name}'` + (moved.has(reg) ? " (relative: add the load address)" : ""),
    });
  }
  return symbols;
}

/** The relocation list of a pool and how to apply it: its offsets, their count and width. */
function relocationSymbols(pool: CompiledPool, relocation: PoolRelocation): FirmwareSymbol[] {
  const p = symbolPart(pool.name);
  const symbols: FirmwareSymbol[] = [];
  symbols.push(
    {
      name: `vcm_pool_${p}_relocs`,
      where: "relocs",
      value: 0n,
      size: relocation.offsets.length * 8,
      what: `offsets in pool '${pool.name}' of the words holding a table address`,
    },
    {
      name: `vcm_pool_${p}_reloc_count`,
      where: "absolute",
      value: BigInt(relocation.offsets.length),
      size: 0,
      what: "how many offsets",
    },
    {
      name: `vcm_pool_${p}_reloc_width`,
      where: "absolute",
      value: BigInt(relocation.entryBytes),
      size: 0,
      what: "bytes per word to add to",
    },
  );
  return symbols;
}

/** The symbols of one pool: its bounds, each table's root and registers, the relocation list. */
function poolSymbols(
  pool: CompiledPool,
  tables: readonly CompiledTable[],
  instances: readonly CompiledMapper[],
  length: number,
  relocation: PoolRelocation | undefined,
): FirmwareSymbol[] {
  const p = symbolPart(pool.name);
  const symbols: FirmwareSymbol[] = [
    {
      name: `vcm_pool_${p}`,
      where: "pool",
      value: 0n,
      size: length,
      what: `pool '${pool.name}': ${length} bytes of tables from ${hex(pool.base)}`,
    },
    {
      name: `vcm_pool_${p}_end`,
      where: "pool",
      value: BigInt(length),
      size: 0,
      what: `end of pool '${pool.name}'s tables`,
    },
  ];
  for (const t of tables) symbols.push(...tableSymbols(pool, t, relocation));
  for (const m of instances) {
    for (const [reg, value] of Object.entries(m.instance!.registers)) {
      symbols.push({
        name: `vcm_${symbolPart(m.name)}_${symbolPart(reg).toLowerCase()}`,
        where: "absolute",
        value,
        size: 0,
        what: `${reg} of mapper '${m.name}' (its device structures)`,
      });
    }
  }
  if (relocation) symbols.push(...relocationSymbols(pool, relocation));
  return symbols;
}

/** Every pool that holds tables or device structures, as a boot image embeds it. */
export function firmwarePools(
  compiled: CompiledTopology,
  options: FirmwarePoolOptions = {},
): { pools: FirmwarePool[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const pools: FirmwarePool[] = [];
  const taken = new Set<string>();
  const mapperPool = new Map(compiled.mappers.map((m) => [m.name, m.pool]));
  for (const pool of compiled.pools) {
    const tables = compiled.tables.filter((t) => mapperPool.get(t.mapper) === pool.name);
    const instances = compiled.mappers.filter((m) => m.pool === pool.name && m.instance);
    if (tables.length === 0 && instances.length === 0) continue;
    const architecture = poolArchitecture(compiled, pool, options.needsArchitecture, diagnostics);
    const relocation = options.relocations?.find((r) => r.pool === pool.name);
    const bytes = relocation
      ? relocatableImage(compiled.memory, pool, relocation)
      : poolBytes(compiled.memory, pool);
    const align = relocation?.align ?? baseAlignment(pool.base);
    const symbols = poolSymbols(pool, tables, instances, bytes.length, relocation);
    uniqueNames(symbols, taken);
    const section = `.vcm.${sectionPart(pool.name)}`;
    pools.push({
      pool,
      section,
      ...(relocation ? { relocSection: `${section}.relocs`, relocation } : {}),
      ...(architecture ? { architecture } : {}),
      align,
      bytes,
      symbols,
      tables: tables.map((t) => t.name),
    });
  }
  return { pools, diagnostics };
}

/** The offsets of a relocatable pool as little-endian 64-bit words (the relocation section). */
export function relocationBytes(r: PoolRelocation): Uint8Array {
  const out = new Uint8Array(r.offsets.length * 8);
  const view = new DataView(out.buffer);
  r.offsets.forEach((off, i) => view.setBigUint64(i * 8, BigInt(off), true));
  return out;
}
