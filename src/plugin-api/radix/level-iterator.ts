/**
 * The one level iterator under every radix table operation, after generic_pt's pt_iter.h: a walk
 * calls a per-level function for the root table; that function looks at the entries of its table
 * inside the walk's range (`bounds`, `load`) and calls `descend` for each table entry it wants to
 * follow, which calls the per-level function again one level down. Only here are
 * - levels bounded: a table entry is followed only where the level can hold tables, so a walk
 *   never goes deeper than the geometry (the depth guard);
 * - table pages counted: each page is entered at most once per walk, however the entries point
 *   (a root whose entries all point at itself is read once), and an entry not followed for that
 *   reason is reported (the cycle guard);
 * - rights combined: the rights a table entry allows narrow everything below it
 *   (plugin-api/level-rights.ts), and the per-level function receives the rights in effect above it.
 *
 * walk, leaves, tables and describe (./reader.ts, ./leaves.ts) read through it; map's overlap
 * check reads the live bytes through it, and map's fill and unmap (./table.ts) walk it over the
 * tables they own, entering each child their bookkeeping knows (`enter`) so they can count and
 * free tables.
 * Addresses inside the iterator are absolute 4K frame numbers (iovaBase included).
 */
import { FRAME_BYTES, type PhysicalMemory } from "../physical-memory.js";
import { TABLE_ALLOWS_ALL, narrowRights } from "../level-rights.js";
import {
  DESC_TABLE,
  decodedDescriptor,
  descriptorWords,
  type DecodedDescriptor,
  type RadixFormat,
  type RadixLevel,
} from "./format.js";
import { readDescriptor } from "./memory-words.js";

/**
 * The per-level function: the table at `tablePa` of level index `level`, whose first entry
 * translates frame `basePfn`, under `rights` (what the levels above allow).
 */
export type LevelFn = (tablePa: number, level: number, basePfn: number, rights: number) => void;

/** A table entry not followed: its table was already entered in this walk. */
export type LevelSkipFn = (
  iovaPfn: number,
  count4k: number,
  entryPa: number,
  level: number,
  tablePa: number,
) => void;

/** 4K frames one entry of `level` covers. */
export function levelUnit(level: RadixLevel): number {
  return 2 ** (level.shift - 12);
}

export class LevelIterator {
  readonly levels: readonly RadixLevel[];
  readonly entryBytes: 4 | 8;
  readonly bigEndian: boolean;
  /** Frame number of the first translated address (iovaBase / 4K). */
  readonly basePfn: number;
  /** The last entry read by `load`, decoded. */
  readonly decoded: DecodedDescriptor = decodedDescriptor();
  readonly words = descriptorWords();
  /**
   * Entries [first, end) of the table last given to `bounds`; a per-level function reads them
   * before it descends (the level below sets them again).
   */
  first = 0;
  end = 0;
  private readonly entered = new Set<number>();
  private start = 0;
  private stop = Infinity;

  constructor(
    readonly memory: PhysicalMemory,
    readonly format: RadixFormat,
    private readonly fn: LevelFn,
    private readonly onSkip?: LevelSkipFn,
  ) {
    const g = format.geometry;
    this.levels = g.levels;
    this.entryBytes = g.entryBytes;
    this.bigEndian = g.bigEndian;
    this.basePfn = Number((g.iovaBase ?? 0n) >> 12n);
  }

  /** Walk frames [startPfn, endPfn) (absolute) from the root table at `rootPa`. */
  run(rootPa: number, startPfn = this.basePfn, endPfn = Infinity): void {
    this.entered.clear();
    this.entered.add(rootPa);
    this.start = startPfn;
    this.stop = endPfn;
    this.fn(rootPa, 0, this.basePfn, TABLE_ALLOWS_ALL);
  }

  /** The walk's range: frames [rangeStart, rangeEnd). */
  get rangeStart(): number {
    return this.start;
  }
  get rangeEnd(): number {
    return this.stop;
  }

  /** Sets `first`/`end` to the entries of a `level` table at `basePfn` inside the walk's range. */
  bounds(level: number, basePfn: number): void {
    const lvl = this.levels[level]!;
    const unit = levelUnit(lvl);
    const entries = 2 ** lvl.bits;
    this.first = Math.max(0, Math.floor((this.start - basePfn) / unit));
    this.end =
      this.stop === Infinity ? entries : Math.min(entries, Math.ceil((this.stop - basePfn) / unit));
  }

  /** Decode with the format's hook, table rights defaulting to "no restriction". */
  decode(level: number, lo: number, hi: number, out: DecodedDescriptor): void {
    out.prot = TABLE_ALLOWS_ALL;
    this.format.decode(level, lo, hi, out);
  }

  /** Read entry `i` of a table into `words` and `decoded`; false when it is zero (unused). */
  load(tablePa: number, level: number, i: number): boolean {
    const w = this.words;
    readDescriptor(this.memory, tablePa + i * this.entryBytes, this.entryBytes, this.bigEndian, w);
    if (w.lo === 0 && w.hi === 0) return false;
    this.decode(level, w.lo, w.hi, this.decoded);
    return true;
  }

  /**
   * Entries of a table from entry `i` to the end of its frame (or of the table): how many, and
   * whether that frame holds anything (frames never written read as zero and are skipped whole).
   */
  frameRun(tablePa: number, i: number, end: number): number {
    const addr = tablePa + i * this.entryBytes;
    const pfn = Math.floor(addr / FRAME_BYTES);
    const n = Math.min(end - i, (FRAME_BYTES - (addr - pfn * FRAME_BYTES)) / this.entryBytes);
    return this.memory.has(pfn) ? n : -n;
  }

  /** Can an entry of `level` lead to a table the walk may enter (the depth guard)? */
  canDescend(level: number): boolean {
    return this.levels[level]!.tables && level + 1 < this.levels.length;
  }

  /**
   * Follow the table entry `d` (DESC_TABLE) found at entry `index` of the `level` table at
   * `tablePa`, whose first entry translates `basePfn`, under `rights`. Returns false when it is
   * not followed: the level cannot hold tables, or the table it points to was already entered in
   * this walk (reported to the skip function with the range the entry covers).
   */
  descend(
    d: DecodedDescriptor,
    tablePa: number,
    level: number,
    index: number,
    basePfn: number,
    rights: number,
  ): boolean {
    if (d.kind !== DESC_TABLE) return false;
    return this.enter(d.tablePa, tablePa, level, index, basePfn, rights, d.prot);
  }

  /**
   * Enter the table at `child` that entry `index` of the `level` table at `tablePa` leads to, the
   * entry allowing `allows`: `descend` for an entry read from the bytes, used directly by map and
   * unmap, which know their tables from their own bookkeeping.
   */
  enter(
    child: number,
    tablePa: number,
    level: number,
    index: number,
    basePfn: number,
    rights: number,
    allows: number,
  ): boolean {
    if (!this.canDescend(level)) return false;
    const lvl = this.levels[level]!;
    const unit = levelUnit(lvl);
    if (this.entered.has(child)) {
      this.onSkip?.(
        basePfn + index * unit,
        unit,
        tablePa + index * this.entryBytes,
        lvl.number,
        child,
      );
      return false;
    }
    this.entered.add(child);
    this.fn(child, level + 1, basePfn + index * unit, narrowRights(rights, allows));
    return true;
  }

  /** A table freed during the walk (unmap): its page may hold a new table entered later. */
  forget(tablePa: number): void {
    this.entered.delete(tablePa);
  }
}
