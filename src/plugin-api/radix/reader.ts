/**
 * Everything the engine does from the bytes in memory alone (no bookkeeping): walk one address,
 * enumerate leaves (coalesced, for the runtime verifier's proofs), enumerate table pages, dump.
 * Tables are followed wherever their descriptors point, so a corrupted table is read as it is;
 * all of them go through the level iterator (./level-iterator.ts), so each table page is read at
 * most once per operation and rights combine in one place.
 */
import { hex } from "../../diagnostics/format.js";
import type { PhysicalMemory } from "../physical-memory.js";
import { TABLE_ALLOWS_ALL, narrowRights } from "../level-rights.js";
import type { TableVisitor, WalkResult, WalkStep } from "../types.js";
import { DESC_INVALID, DESC_LEAF, DESC_TABLE, type RadixFormat } from "./format.js";
import { LevelIterator, levelUnit } from "./level-iterator.js";
import { descriptorBigInt } from "./memory-words.js";

export { radixLeaves } from "./leaves.js";

/**
 * Translate `iova` by reading the table rooted at `rootPa`: one step per level, each with the
 * rights that level allows; the result's `prot` is all of them combined.
 *
 * Long on purpose: each level's step (read, decode, combine rights, name the fault) is a few
 * lines in walk order, as a reader follows the hardware.
 */
export function radixWalk(
  memory: PhysicalMemory,
  format: RadixFormat,
  rootPa: number,
  iova: bigint,
): WalkResult {
  const g = format.geometry;
  const steps: WalkStep[] = [];
  const off = iova - (g.iovaBase ?? 0n);
  if (off < 0n || off >= 1n << BigInt(g.inputBits)) {
    return {
      ok: false,
      level: g.levels[0]!.number,
      reason: `iova ${hex(iova)} is outside the ${g.inputBits}-bit input range`,
      steps,
    };
  }
  let result: WalkResult | undefined;
  const fail = (level: number, reason: string): void => {
    result = { ok: false, level, reason, steps };
  };
  const it: LevelIterator = new LevelIterator(memory, format, (tablePa, l, basePfn, rights) => {
    const lvl = g.levels[l]!;
    it.bounds(l, basePfn);
    const index = it.first;
    const addr = tablePa + index * g.entryBytes;
    it.load(tablePa, l, index);
    const w = it.words;
    const d = it.decoded;
    steps.push({
      level: lvl.number,
      tableBase: BigInt(tablePa),
      index,
      descriptorAddress: BigInt(addr),
      descriptor: descriptorBigInt(w.lo, w.hi, g.entryBytes),
      decoded: format.describeDescriptor(l, w.lo, w.hi),
      ...(d.kind !== DESC_INVALID ? { allows: d.prot } : {}),
      coversFrom: BigInt(basePfn + index * levelUnit(lvl)) << 12n,
      covers: 1n << BigInt(lvl.shift),
    });
    if (d.kind === DESC_INVALID) {
      return fail(lvl.number, d.fault ?? `invalid descriptor at level ${lvl.number}`);
    }
    if (d.kind === DESC_TABLE) {
      if (!it.canDescend(l)) {
        return fail(
          lvl.number,
          `table descriptor at level ${lvl.number}, which cannot point to a table`,
        );
      }
      if (!it.descend(d, tablePa, l, index, basePfn, rights)) {
        fail(
          lvl.number,
          `table descriptor at ${hex(addr)} points back to table ${hex(d.tablePa)} on this walk (a loop)`,
        );
      }
      return;
    }
    if (!lvl.pageShifts.includes(d.pageShift)) {
      return fail(
        lvl.number,
        `leaf of 2^${d.pageShift} bytes is not allowed at level ${lvl.number}`,
      );
    }
    const pageSize = 1n << BigInt(d.pageShift);
    result = {
      ok: true,
      pa: (BigInt(d.paPfn) << 12n) + (off & (pageSize - 1n)),
      prot: narrowRights(rights, d.prot),
      attrs: d.attrs,
      pageSize,
      steps,
    };
  });
  const pfn = Number(off >> 12n) + it.basePfn;
  it.run(rootPa, pfn, pfn + 1);
  return (
    result ?? {
      ok: false,
      level: g.levels.at(-1)!.number,
      reason: "walk ran past the last level",
      steps,
    }
  );
}

/** Every table page reachable from `rootPa` (each once), with its size and level number. */
export function radixTables(
  memory: PhysicalMemory,
  format: RadixFormat,
  rootPa: number,
  visit: TableVisitor,
): void {
  const g = format.geometry;
  const it: LevelIterator = new LevelIterator(memory, format, (tablePa, l, basePfn, rights) => {
    const lvl = g.levels[l]!;
    visit(BigInt(tablePa), lvl.tableBytes, lvl.number);
    if (!it.canDescend(l)) return;
    const entries = 2 ** lvl.bits;
    for (let i = 0; i < entries;) {
      const n = it.frameRun(tablePa, i, entries);
      const end = i + Math.abs(n);
      if (n < 0) {
        i = end;
        continue;
      }
      for (; i < end; i++) {
        if (it.load(tablePa, l, i)) it.descend(it.decoded, tablePa, l, i, basePfn, rights);
      }
    }
  });
  it.run(rootPa);
}

/** `rwx` text of rights from above (`-` for a removed right, `p` when privileged-only). */
function rightsLetters(rights: number): string {
  return (
    (rights & 1 ? "r" : "-") +
    (rights & 2 ? "w" : "-") +
    (rights & 4 ? "x" : "-") +
    (rights & 8 ? "p" : "")
  );
}

/** Lines listed per level in a dump; the rest are counted, not listed. */
export const DESCRIBE_LINES_PER_LEVEL = 4096;

/**
 * A level-by-level text dump: each table with its IOVA span, then its valid entries; runs of
 * contiguous compatible leaves print as one line (first descriptor shown). A table under entries
 * that narrow rights says what the levels above it allow.
 *
 * Long on purpose: one pass over the tables writes the dump line by line; its run merging
 * keeps its state in locals.
 */
export function radixDescribe(memory: PhysicalMemory, format: RadixFormat, rootPa: number): string {
  const g = format.geometry;
  const width = g.entryBytes * 2;
  // Past the first lines of a level only the walk goes on: the dump stays readable and its size
  // bounded however many leaves there are (the pool image holds every byte).
  const byLevel = g.levels.map(() => ({ tables: 0, lines: [] as string[], omitted: 0 }));
  const it: LevelIterator = new LevelIterator(memory, format, (tablePa, l, basePfn, rights) => {
    const lvl = g.levels[l]!;
    const unit = levelUnit(lvl);
    const out = byLevel[l]!;
    out.tables++;
    const lines = out.lines;
    const emit = (line: string): void => {
      if (lines.length < DESCRIBE_LINES_PER_LEVEL) lines.push(line);
      else out.omitted++;
    };
    const span = BigInt(2 ** lvl.bits * unit) << 12n;
    const base = BigInt(basePfn) << 12n;
    emit(
      `  table ${hex(tablePa)} iova ${hex(base)}..${hex(base + span - 1n)}` +
        (rights !== TABLE_ALLOWS_ALL ? ` (levels above allow ${rightsLetters(rights)})` : ""),
    );
    let run: {
      first: number;
      last: number;
      text: string;
      desc: bigint;
      paPfn: number;
      key: string;
    } | null = null;
    const flush = (): void => {
      if (run === null) return;
      const iova = BigInt(basePfn + run.first * unit) << 12n;
      const n = run.last - run.first + 1;
      const idx = n === 1 ? `[${run.first}]` : `[${run.first}..${run.last}]`;
      emit(
        `    ${idx} iova ${hex(iova)}: ${run.desc.toString(16).padStart(width, "0")} ${run.text}` +
          (n > 1 ? ` (x${n}, contiguous)` : ""),
      );
      run = null;
    };
    const entries = 2 ** lvl.bits;
    for (let i = 0; i < entries;) {
      const n = it.frameRun(tablePa, i, entries);
      const end = i + Math.abs(n);
      if (n < 0) {
        flush();
        i = end;
        continue;
      }
      for (; i < end; i++) {
        if (!it.load(tablePa, l, i)) {
          flush();
          continue;
        }
        const w = it.words;
        const d = it.decoded;
        if (d.kind === DESC_LEAF) {
          const key = `${d.prot}/${d.attrs}/${d.pageShift}`;
          const rep = 2 ** (d.pageShift - lvl.shift);
          const paPfn = d.paPfn + (i % rep) * unit;
          if (
            run !== null &&
            run.key === key &&
            i === run.last + 1 &&
            paPfn === run.paPfn + (i - run.first) * unit
          ) {
            run.last = i;
            continue;
          }
          flush();
          run = {
            first: i,
            last: i,
            text: format.describeDescriptor(l, w.lo, w.hi),
            desc: descriptorBigInt(w.lo, w.hi, g.entryBytes),
            paPfn,
            key,
          };
          continue;
        }
        flush();
        const iova = BigInt(basePfn + i * unit) << 12n;
        emit(
          `    [${i}] iova ${hex(iova)}: ${descriptorBigInt(w.lo, w.hi, g.entryBytes).toString(16).padStart(width, "0")} ` +
            format.describeDescriptor(l, w.lo, w.hi),
        );
        if (d.kind === DESC_TABLE && it.canDescend(l)) {
          const at = out.omitted === 0 ? lines.length - 1 : -1;
          if (!it.descend(d, tablePa, l, i, basePfn, rights)) {
            if (at >= 0) lines[at] += " (table already listed: not followed again)";
          }
        }
      }
    }
    flush();
  });
  it.run(rootPa);
  const out = [
    `radix table: ${g.levels.length} level(s), ${g.entryBytes}-byte ${g.bigEndian ? "big" : "little"}-endian ` +
      `descriptors, ${g.inputBits}-bit input, ${g.outputBits}-bit output, root ${hex(rootPa)}`,
  ];
  for (let l = 0; l < g.levels.length && byLevel[l]!.tables > 0; l++) {
    const lvl = g.levels[l]!;
    out.push(`level ${lvl.number} (${byLevel[l]!.tables} table(s), ${2 ** lvl.bits} entries each)`);
    out.push(...byLevel[l]!.lines);
    const omitted = byLevel[l]!.omitted;
    if (omitted > 0) {
      out.push(
        `  ... ${omitted} more line(s) at this level not listed ` +
          `(the pool image holds every table; \`vcm explain\` decodes any address)`,
      );
    }
  }
  return out.join("\n") + "\n";
}
