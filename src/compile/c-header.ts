/**
 * `--format c`: tables.h, every table page as a C array of the format's descriptor width
 * (uint32_t for 4-byte formats, uint64_t otherwise) with its physical address, plus each
 * table's root and registers. Values are the pool bytes read as little-endian words, so on a
 * little-endian target each array's bytes equal the pool image byte for byte.
 */
import type { CompiledTable, CompiledTopology } from "../lowering/compiled.js";
import { hex } from "../diagnostics/format.js";
import {
  relativeRegisters,
  relocatableImage,
  type PoolRelocation,
} from "../lowering/relocation.js";
import { fileStem, pluginFor } from "./manifest.js";

function cName(name: string): string {
  return fileStem(name).replace(/[^A-Za-z0-9_]/g, "_");
}

function macro(name: string): string {
  return cName(name).toUpperCase();
}

/**
 * The boot routine of `--relocatable` (docs/FIRMWARE.md): adds the load address to every word
 * a pool's relocation list names. Kept to plain C99 so any freestanding compiler takes it.
 */
const RELOCATE_ROUTINE = [
  "/*",
  " * Relocatable tables: each table pointer holds its table's offset from the pool's base.",
  " * Once the pool's bytes are at load_pa (as the MMU will see them), call",
  " *   vcm_relocate(pool, load_pa, vcm_POOL_relocs, VCM_POOL_RELOC_COUNT, VCM_POOL_RELOC_WIDTH);",
  " * before the MMU is turned on, and add load_pa to every register marked _RELATIVE.",
  " */",
  "static inline void vcm_relocate(void *pool, uint64_t load_pa, const uint64_t *offsets,",
  "                                uint64_t count, unsigned width)",
  "{",
  "  unsigned char *p = (unsigned char *)pool;",
  "  for (uint64_t i = 0; i < count; i++) {",
  "    if (width == 8)",
  "      *(volatile uint64_t *)(p + offsets[i]) += load_pa;",
  "    else",
  "      *(volatile uint32_t *)(p + offsets[i]) += (uint32_t)load_pa;",
  "  }",
  "}",
  "",
];

/**
 * The routine and, per relocatable pool, its alignment and relocation list (into `out`); the
 * relative images, by pool.
 */
function relocationSection(
  compiled: CompiledTopology,
  relocations: readonly PoolRelocation[],
  out: string[],
): Map<string, Uint8Array> {
  const images = new Map<string, Uint8Array>();
  if (relocations.length === 0) return images;
  out.push(...RELOCATE_ROUTINE);
  for (const r of relocations) {
    const pool = compiled.pools.find((p) => p.name === r.pool)!;
    images.set(r.pool, relocatableImage(compiled.memory, pool, r));
    const P = macro(r.pool);
    out.push(
      `/* pool '${r.pool}': built at ${hex(r.base)}; load it anywhere aligned to ${hex(r.align)} */`,
      `#define VCM_${P}_BUILT_PA ${hex(r.base)}ULL`,
      `#define VCM_${P}_ALIGN ${hex(r.align)}ULL`,
      `#define VCM_${P}_RELOC_COUNT ${r.offsets.length}U`,
      `#define VCM_${P}_RELOC_WIDTH ${r.entryBytes}U`,
      `static const uint64_t vcm_${cName(r.pool)}_relocs[${Math.max(r.offsets.length, 1)}] = {`,
    );
    const words = r.offsets.map((o) => `${hex(BigInt(o))}ULL`);
    if (words.length === 0) words.push("0 /* none */");
    for (let i = 0; i < words.length; i += 4)
      out.push("  " + words.slice(i, i + 4).join(", ") + ",");
    out.push("};", "");
  }
  return images;
}

/** Each table page of `t` as an array (values read by `read`), into `out`; how many pages. */
function pageArrays(
  compiled: CompiledTopology,
  t: CompiledTable,
  read: (pa: bigint, bytes: number) => Uint8Array,
  relocation: PoolRelocation | undefined,
  out: string[],
): number {
  const width = compiled.mappers.find((m) => m.name === t.mapper)!.geometry.entryBytes;
  const type = width === 4 ? "uint32_t" : "uint64_t";
  const suffix = width === 4 ? "U" : "ULL";
  const T = macro(t.name);
  let n = 0;
  pluginFor(compiled, t.format).tables(compiled.memory, t.context, (pa, bytes, level) => {
    const name = `vcm_${cName(t.name)}_page${n}`;
    const bytesOf = read(pa, bytes);
    const view = new DataView(bytesOf.buffer, bytesOf.byteOffset, bytesOf.byteLength);
    const words: string[] = [];
    for (let off = 0; off + width <= bytes; off += width) {
      const v = width === 4 ? BigInt(view.getUint32(off, true)) : view.getBigUint64(off, true);
      words.push(`${hex(v)}${suffix}`);
    }
    if (relocation) out.push(`#define VCM_${T}_PAGE${n}_OFFSET ${hex(pa - relocation.base)}ULL`);
    out.push(
      `#define VCM_${T}_PAGE${n}_PA ${hex(pa)}ULL /* level ${level} */`,
      `static const ${type} ${name}[${words.length}] __attribute__((aligned(${bytes}))) = {`,
    );
    for (let i = 0; i < words.length; i += 4) {
      out.push("  " + words.slice(i, i + 4).join(", ") + ",");
    }
    out.push("};");
    n++;
  });
  return n;
}

/**
 * tables.h; with `relocations` (`--relocatable`) the arrays of the pools listed hold relative
 * table pointers, each page says its offset in the pool, the registers holding a root are
 * relative (and marked so), and each pool has its relocation list and `vcm_relocate`.
 */
export function cHeader(
  compiled: CompiledTopology,
  relocations?: readonly PoolRelocation[],
): string {
  const out: string[] = [];
  const guard = `VCM_${macro(compiled.ir.name)}_TABLES_H`;
  out.push(
    `/* Generated by vcm compile from topology '${compiled.ir.name}'. Do not edit. */`,
    `#ifndef ${guard}`,
    `#define ${guard}`,
    "",
    "#include <stdint.h>",
    "",
    "/*",
    " * Each array is one table page, to be placed at its _PA address. The values are the",
    " * bytes of the pool image read as little-endian words: on a little-endian target the",
    " * array's bytes equal the image exactly. For big-endian formats (sPAPR TCEs) that means",
    " * the logical descriptor is the byte-swapped value (be64_to_cpu / be32_to_cpu of it).",
    " */",
    "",
  );
  const geometry = new Map(compiled.mappers.map((m) => [m.name, m.geometry]));
  const poolOf = new Map(compiled.mappers.map((m) => [m.name, m.pool]));
  const relocationOf = new Map((relocations ?? []).map((r) => [r.pool, r]));
  // The relative images of relocatable pools: what the arrays hold instead of the memory.
  const images = relocationSection(compiled, relocations ?? [], out);
  const readPage = (pool: string, pa: bigint, bytes: number): Uint8Array => {
    const image = images.get(pool);
    if (!image) return compiled.memory.readBytes(pa, bytes);
    const base = relocationOf.get(pool)!.base;
    const out = new Uint8Array(bytes);
    out.set(image.subarray(Number(pa - base), Number(pa - base) + bytes));
    return out;
  };
  for (const t of compiled.tables) {
    const pool = poolOf.get(t.mapper)!;
    const relocation = relocationOf.get(pool);
    const g = geometry.get(t.mapper)!;
    const width = g.entryBytes;
    const T = macro(t.name);
    out.push(
      `/* table '${t.name}' (${t.kind}, mapper '${t.mapper}', format '${t.format}', ` +
        `${width}-byte ${g.bigEndian ? "big" : "little"}-endian descriptors) */`,
      `#define VCM_${T}_ROOT_PA ${hex(t.context.root)}ULL`,
      `#define VCM_${T}_DOMAIN_ID ${t.domainId}U`,
    );
    if (relocation)
      out.push(`#define VCM_${T}_ROOT_OFFSET ${hex(t.context.root - relocation.base)}ULL`);
    const registers = relocation ? relativeRegisters(t, relocation) : t.context.registers;
    const relative = new Set(relocation?.registers.get(t.name) ?? []);
    for (const [reg, value] of Object.entries(registers)) {
      out.push(`#define VCM_${T}_REG_${macro(reg)} ${hex(value)}ULL`);
      if (relative.has(reg))
        out.push(`#define VCM_${T}_REG_${macro(reg)}_RELATIVE 1 /* add load_pa */`);
    }
    // A cpu half: virtual [VA_BASE, VA_BASE + VA_SIZE) is this table's input from TABLE_INPUT.
    for (const h of t.halves ?? []) {
      const H = `VCM_${T}_HALF_${h.half.toUpperCase()}`;
      out.push(
        `#define ${H}_VA_BASE ${hex(h.base)}ULL`,
        `#define ${H}_VA_SIZE ${hex(h.size)}ULL`,
        `#define ${H}_TABLE_INPUT ${hex(h.input)}ULL`,
      );
    }
    const n = pageArrays(compiled, t, (pa, bytes) => readPage(pool, pa, bytes), relocation, out);
    out.push(`#define VCM_${T}_PAGE_COUNT ${n}U`, "");
  }
  for (const m of compiled.mappers) {
    if (!m.instance) continue;
    const M = macro(m.name);
    out.push(`#define VCM_${M}_INSTANCE_ROOT_PA ${hex(m.instance.root)}ULL`);
    for (const [reg, value] of Object.entries(m.instance.registers)) {
      out.push(`#define VCM_${M}_REG_${macro(reg)} ${hex(value)}ULL`);
    }
    out.push("");
  }
  out.push(`#endif /* ${guard} */`, "");
  return out.join("\n");
}
