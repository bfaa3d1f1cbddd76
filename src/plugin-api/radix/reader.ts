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
    // A zero descriptor is not decoded (`decoded` still holds the level above's): invalid.
    const loaded = it.load(tablePa, l, index);
    const w = it.words;
    const d = it.decoded;
    const kind = loaded ? d.kind : DESC_INVALID;
    steps.push({
      level: lvl.number,
      tableBase: BigInt(tablePa),
      index,
      descriptorAddress: BigInt(addr),
      descriptor: descriptorBigInt(w.lo, w.hi, g.entryBytes),
      decoded: format.describeDescriptor(l, w.lo, w.hi),
      ...(kind !== DESC_INVALID ? { allows: d.prot } : {}),
      coversFrom: BigInt(basePfn + index * levelUnit(lvl)) << 12n,
      covers: 1n << BigInt(lvl.shift),
    });
    if (kind === DESC_INVALID) {
      const why = loaded ? d.fault : undefined;
      return fail(lvl.number, why ?? `invalid descriptor at level ${lvl.number}`);
    }
    if (kind === DESC_TABLE) {
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

/** One level's part of the dump: its tables, and its first lines (the rest only counted). */
interface LevelLines {
  tables: number;
  lines: string[];
  omitted: number;
}

/** A run of contiguous compatible leaves, printed as one line (its first descriptor shown). */
interface LeafRun {
  first: number;
  last: number;
  text: string;
  desc: bigint;
  paPfn: number;
  key: string;
}

/**
 * The lines of one table page: its IOVA span, then its valid entries, leaves merged into runs;
 * a table entry is descended into (through the iterator) where it is listed.
 */
class TableLines {
  private readonly lvl: RadixFormat["geometry"]["levels"][number];
  private readonly unit: number;
  private readonly width: number;
  private run: LeafRun | null = null;

  constructor(
    private readonly it: LevelIterator,
    private readonly format: RadixFormat,
    private readonly out: LevelLines,
    private readonly tablePa: number,
    private readonly l: number,
    private readonly basePfn: number,
    private readonly rights: number,
  ) {
    this.lvl = format.geometry.levels[l]!;
    this.unit = levelUnit(this.lvl);
    this.width = format.geometry.entryBytes * 2;
  }

  // Past the first lines of a level only the walk goes on: the dump stays readable and its size
  // bounded however many leaves there are (the pool image holds every byte).
  private emit(line: string): void {
    if (this.out.lines.length < DESCRIBE_LINES_PER_LEVEL) this.out.lines.push(line);
    else this.out.omitted++;
  }

  write(): void {
    const { it, tablePa, lvl, basePfn, rights } = this;
    this.out.tables++;
    const span = BigInt(2 ** lvl.bits * this.unit) << 12n;
    const base = BigInt(basePfn) << 12n;
    this.emit(
      `  table ${hex(tablePa)} iova ${hex(base)}..${hex(base + span - 1n)}` +
        (rights !== TABLE_ALLOWS_ALL ? ` (levels above allow ${rightsLetters(rights)})` : ""),
    );
    const entries = 2 ** lvl.bits;
    for (let i = 0; i < entries;) {
      const n = it.frameRun(tablePa, i, entries);
      const end = i + Math.abs(n);
      if (n < 0) {
        this.flush();
        i = end;
        continue;
      }
      for (; i < end; i++) {
        if (!it.load(tablePa, this.l, i)) this.flush();
        else if (it.decoded.kind === DESC_LEAF) this.leaf(i);
        else this.entry(i);
      }
    }
    this.flush();
  }

  /** A leaf: it extends the current run when it continues it, else starts a new one. */
  private leaf(i: number): void {
    const { it, lvl, unit, run } = this;
    const w = it.words;
    const d = it.decoded;
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
      return;
    }
    this.flush();
    this.run = {
      first: i,
      last: i,
      text: this.format.describeDescriptor(this.l, w.lo, w.hi),
      desc: descriptorBigInt(w.lo, w.hi, this.format.geometry.entryBytes),
      paPfn,
      key,
    };
  }

  /** Any other valid entry on a line of its own; a table entry is descended into. */
  private entry(i: number): void {
    const { it, l, out, tablePa, basePfn, rights } = this;
    const w = it.words;
    const d = it.decoded;
    this.flush();
    const iova = BigInt(basePfn + i * this.unit) << 12n;
    this.emit(
      `    [${i}] iova ${hex(iova)}: ${descriptorBigInt(w.lo, w.hi, this.format.geometry.entryBytes).toString(16).padStart(this.width, "0")} ` +
        this.format.describeDescriptor(l, w.lo, w.hi),
    );
    if (d.kind === DESC_TABLE && it.canDescend(l)) {
      const at = out.omitted === 0 ? out.lines.length - 1 : -1;
      if (!it.descend(d, tablePa, l, i, basePfn, rights)) {
        if (at >= 0) out.lines[at] += " (table already listed: not followed again)";
      }
    }
  }

  private flush(): void {
    const run = this.run;
    if (run === null) return;
    const iova = BigInt(this.basePfn + run.first * this.unit) << 12n;
    const n = run.last - run.first + 1;
    const idx = n === 1 ? `[${run.first}]` : `[${run.first}..${run.last}]`;
    this.emit(
      `    ${idx} iova ${hex(iova)}: ${run.desc.toString(16).padStart(this.width, "0")} ${run.text}` +
        (n > 1 ? ` (x${n}, contiguous)` : ""),
    );
    this.run = null;
  }
}

/**
 * A level-by-level text dump: each table with its IOVA span, then its valid entries; runs of
 * contiguous compatible leaves print as one line (first descriptor shown). A table under entries
 * that narrow rights says what the levels above it allow.
 */
export function radixDescribe(memory: PhysicalMemory, format: RadixFormat, rootPa: number): string {
  const g = format.geometry;
  const byLevel: LevelLines[] = g.levels.map(() => ({ tables: 0, lines: [], omitted: 0 }));
  const it: LevelIterator = new LevelIterator(memory, format, (tablePa, l, basePfn, rights) =>
    new TableLines(it, format, byLevel[l]!, tablePa, l, basePfn, rights).write(),
  );
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
