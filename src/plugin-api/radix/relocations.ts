/**
 * Relocation for every radix format (`VcmPlugin.relocations`): the table entries that hold a
 * table page's address, found through the level iterator as `tables` finds the pages, and the
 * proof, from the format's own `decode`, that adding an offset to such an entry moves the table
 * it points to by exactly that offset (the address sits at its natural bit positions, as
 * `tableDescriptor` writes it for x86-64, VT-d, AMD v1, ARMv7s and LPAE up to 48-bit output).
 * A format that splits the address (LPAE's 52-bit PA[51:48] in bits [15:12]) or stores
 * descriptors big-endian cannot be relocated by adding to little-endian words: the reason is
 * returned and nothing is visited past it.
 */
import { hex } from "../../diagnostics/format.js";
import type { PhysicalMemory } from "../physical-memory.js";
import type { RelocationVisitor } from "../types.js";
import { DESC_TABLE, decodedDescriptor, type RadixFormat } from "./format.js";
import { LevelIterator } from "./level-iterator.js";
import { descriptorBigInt } from "./memory-words.js";

/**
 * Does `value` (a table descriptor pointing to `tablePa`) hold the address additively? Decoding
 * it with the address taken out must give a table at 0, and with other aligned addresses put in,
 * exactly those addresses. Undefined when it does, else why not.
 */
function additiveProblem(
  format: RadixFormat,
  iterator: LevelIterator,
  level: number,
  value: bigint,
  tablePa: number,
): string | undefined {
  const g = format.geometry;
  const align = g.levels[level + 1]?.tableAlign ?? 4096;
  const bare = value - BigInt(tablePa);
  const top = 1n << BigInt(g.outputBits - 1);
  const probes = [0n, BigInt(align), top, top + BigInt(align)];
  const d = decodedDescriptor();
  for (const p of probes) {
    const v = bare + p;
    if (v < 0n || v >= 1n << BigInt(g.entryBytes * 8)) {
      return `a table descriptor at level ${g.levels[level]!.number} does not hold its address in its low bits`;
    }
    iterator.decode(level, Number(v & 0xffff_ffffn), Number(v >> 32n), d);
    if (d.kind !== DESC_TABLE || BigInt(d.tablePa) !== p) {
      return (
        `a level-${g.levels[level]!.number} table descriptor does not hold the table address at ` +
        `its own bit positions (${hex(value)} with ${hex(p)} in place of ${hex(tablePa)} ` +
        `decodes as ${d.kind === DESC_TABLE ? `a table at ${hex(d.tablePa)}` : "no table"})`
      );
    }
  }
  return undefined;
}

/**
 * Visit every entry reachable from `rootPa` that holds a table address (each table entered once,
 * as `radixTables`), or return why adding an offset to them would not relocate the tables.
 */
export function radixRelocations(
  memory: PhysicalMemory,
  format: RadixFormat,
  rootPa: number,
  visit: RelocationVisitor,
): string | undefined {
  const g = format.geometry;
  if (g.bigEndian) {
    return "its descriptors are big-endian: the relocation adds to little-endian words";
  }
  const checked = new Set<number>();
  let problem: string | undefined;
  const it: LevelIterator = new LevelIterator(memory, format, (tablePa, l, basePfn, rights) => {
    if (problem !== undefined || !it.canDescend(l)) return;
    const entries = 2 ** g.levels[l]!.bits;
    for (let i = 0; i < entries;) {
      const n = it.frameRun(tablePa, i, entries);
      const end = i + Math.abs(n);
      if (n < 0) {
        i = end;
        continue;
      }
      for (; i < end && problem === undefined; i++) {
        if (!it.load(tablePa, l, i) || it.decoded.kind !== DESC_TABLE) continue;
        const child = it.decoded.tablePa;
        // One check per level: the encoding of a table entry does not depend on its address.
        if (!checked.has(l)) {
          const value = descriptorBigInt(it.words.lo, it.words.hi, g.entryBytes);
          problem = additiveProblem(format, it, l, value, child);
          if (problem !== undefined) return;
          checked.add(l);
        }
        visit(BigInt(tablePa + i * g.entryBytes), g.entryBytes);
        it.descend(it.decoded, tablePa, l, i, basePfn, rights);
      }
    }
  });
  it.run(rootPa);
  return problem;
}
