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
 * free tables (the fill writes leaf tables from their parent's loop, without entering them).
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

/**
 * The table pages entered in one walk: an open-addressing set of addresses, each slot a (page,
 * generation) pair side by side in one Float64Array, emptied in O(1) by bumping the generation.
 * The slot follows the page frame number, so tables allocated one after another (the usual case)
 * land in consecutive slots: the leaf scan streams through the tables without a cache miss per
 * table here (a JS Set of page addresses, or a scattering hash, cost 15-30% of the scan).
 */
class PageSet {
  private slots = new Float64Array(2 * 1024);
  private mask = 1023;
  private generation = 1;
  private size = 0;

  clear(): void {
    this.size = 0;
    this.generation++;
  }

  /** Adds `pa`; false when it was already there. */
  add(pa: number): boolean {
    if (this.size * 2 > this.mask) this.grow();
    return this.insert(pa);
  }

  has(pa: number): boolean {
    const slots = this.slots;
    for (let i = this.slot(pa); ; i = (i + 1) & this.mask) {
      if (slots[2 * i + 1] !== this.generation) return false;
      if (slots[2 * i] === pa) return true;
    }
  }

  delete(pa: number): void {
    // Rare (a table freed during unmap): rebuild without it, keeping probe chains intact.
    if (!this.has(pa)) return;
    const kept: number[] = [];
    for (let i = 0; i <= this.mask; i++) {
      const k = this.slots[2 * i]!;
      if (this.slots[2 * i + 1] === this.generation && k !== pa) kept.push(k);
    }
    this.clear();
    for (const k of kept) this.insert(k);
  }

  private slot(pa: number): number {
    // The frame number, plus the 64-byte offset within it spread out (sub-page tables).
    const pfn = Math.floor(pa / 4096);
    return ((pfn % 4294967296) + ((pa - pfn * 4096) >>> 6) * 0x9e3) & this.mask;
  }

  private insert(pa: number): boolean {
    const slots = this.slots;
    for (let i = this.slot(pa); ; i = (i + 1) & this.mask) {
      if (slots[2 * i + 1] !== this.generation) {
        slots[2 * i] = pa;
        slots[2 * i + 1] = this.generation;
        this.size++;
        return true;
      }
      if (slots[2 * i] === pa) return false;
    }
  }

  private grow(): void {
    const old = this.slots;
    const generation = this.generation;
    this.mask = this.mask * 2 + 1;
    this.slots = new Float64Array(2 * (this.mask + 1));
    this.generation = 1;
    this.size = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i + 1] === generation) this.insert(old[i]!);
  }
}

/** Page sets of finished walks, reused: a fresh set grows again for every walk of a big table. */
const spareSets: PageSet[] = [];

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
  /** The pages entered by the walk in progress (null between walks). */
  private entered: PageSet | null = null;
  /** Per level index: 4K frames per entry, and whether its entries may lead to a table. */
  private readonly units: number[];
  private readonly descends: boolean[];
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
    this.units = g.levels.map(levelUnit);
    this.descends = g.levels.map((l, i) => l.tables && i + 1 < g.levels.length);
  }

  /** Walk frames [startPfn, endPfn) (absolute) from the root table at `rootPa`. */
  run(rootPa: number, startPfn = this.basePfn, endPfn = Infinity): void {
    const outer = this.entered;
    const entered = spareSets.pop() ?? new PageSet();
    entered.clear();
    entered.add(rootPa);
    this.entered = entered;
    this.start = startPfn;
    this.stop = endPfn;
    try {
      this.fn(rootPa, 0, this.basePfn, TABLE_ALLOWS_ALL);
    } finally {
      this.entered = outer;
      spareSets.push(entered);
    }
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
    return this.descends[level]!;
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
    if (!this.descends[level]) return false;
    if (!this.entered!.add(child)) return this.skipped(child, tablePa, level, index, basePfn);
    this.fn(child, level + 1, basePfn + index * this.units[level]!, narrowRights(rights, allows));
    return true;
  }

  /** Report an entry not followed (kept out of `enter`, which runs once per table). */
  private skipped(
    child: number,
    tablePa: number,
    level: number,
    index: number,
    basePfn: number,
  ): false {
    const unit = this.units[level]!;
    this.onSkip?.(
      basePfn + index * unit,
      unit,
      tablePa + index * this.entryBytes,
      this.levels[level]!.number,
      child,
    );
    return false;
  }

  /** A table freed during the walk (unmap): its page may hold a new table entered later. */
  forget(tablePa: number): void {
    this.entered?.delete(tablePa);
  }
}
