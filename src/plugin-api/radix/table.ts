/**
 * A live radix table: the handle a radix plugin returns from `create`, holding the memory, pool,
 * format and per-table bookkeeping (valid-entry counts and child links, used to refuse overlaps
 * quickly and to free tables that become empty; kept in ./table-store.ts with the splitting).
 * map/unmap live here; everything that must work from bytes alone (walk, leaves, tables,
 * describe) is in ./reader.ts.
 *
 * Split policy (as Linux io-pgtable-arm's __arm_lpae_split_blk_unmap): unmapping part of a
 * block replaces that one block by a next-level table whose leaves map the rest of the block with
 * the block's own rights and attributes; neighbouring entries are never touched. A replicated
 * leaf (ARMv7s 64K/16M, AMD v1 next-level-7) is first rewritten in place as the next smaller
 * page its level holds (as arm_v7s_split_cont); where the level holds none (AMD v1 2^40 at level
 * 4), each copy becomes a next-level table. If the table pool runs out during a split, the page
 * being split is left as it was.
 *
 * unmap returns the bytes actually unmapped: holes inside the range count 0.
 */
import type { PoolAllocator } from "../pool-allocator.js";
import { FRAME_BYTES, FRAME_WORDS, type PhysicalMemory } from "../physical-memory.js";
import { MappingError, type CreateOptions, type TableHandle } from "../types.js";
import { DESC_LEAF, type RadixFormat } from "./format.js";
import { TABLE_ALLOWS_ALL } from "../level-rights.js";
import { LevelIterator, levelUnit } from "./level-iterator.js";
import { bswap32, readDescriptor, writeDescriptor } from "./memory-words.js";
import { FLOAT_WORDS_USABLE, FloatViews, floatStep, wordsAsFloat } from "./float-words.js";
import { hex, TableStore, type TableNode } from "./table-store.js";

const TWO20 = 1048576;

export class RadixTable extends TableStore implements TableHandle {
  readonly root: bigint;
  readonly name: string;
  readonly domainId: number;
  private readonly rootNode: TableNode;
  /** The node of the table the filler or unmapper enters next (its per-level function reads it). */
  private entering: TableNode | null = null;
  /** The level iterators of map's overlap check (reading the live bytes), fill and unmap. */
  private readonly reader: LevelIterator;
  private readonly filler: LevelIterator;
  private readonly unmapper: LevelIterator;
  /** The fill in progress (fields, so the filler's per-level function allocates nothing). */
  private readonly filling = { level: 0, pageShift: 0, tLo: 0, tHi: 0, start: 0, paPfn: 0 };
  private unmappedPages = 0;
  /** Float64 views of the frames' slabs, for writeConsecutive. */
  private readonly floatViews = new FloatViews();

  constructor(
    memory: PhysicalMemory,
    pool: PoolAllocator,
    format: RadixFormat,
    readonly options: CreateOptions,
  ) {
    super(memory, pool, format);
    this.name = options.name;
    this.domainId = options.domainId;
    this.reader = new LevelIterator(memory, format, (pa, l, base, rights) =>
      this.checkFreeTable(pa, l, base, rights),
    );
    this.filler = new LevelIterator(memory, format, (pa, l, base, rights) =>
      this.fillTable(pa, l, base, rights),
    );
    this.unmapper = new LevelIterator(memory, format, (pa, l, base, rights) =>
      this.unmapTable(pa, l, base, rights),
    );
    this.rootNode = this.allocTable(0);
    this.root = BigInt(this.rootNode.pa);
  }

  /** Table pages currently allocated, the root included. */
  get tables(): number {
    return this.tableCount;
  }

  /** Physical address of the root table as a plain number. */
  get rootPa(): number {
    return this.rootNode.pa;
  }

  // -------------------------------------------------------------------------------------------
  // map

  map(
    iova: bigint,
    pa: bigint,
    pageSize: bigint,
    count: number,
    prot: number,
    attrs: number,
  ): void {
    const g = this.format.geometry;
    if (pageSize <= 0n || (pageSize & (pageSize - 1n)) !== 0n) {
      throw new MappingError(
        "unsupported-size",
        `page size ${hex(pageSize)} is not a power of two`,
      );
    }
    const pageShift = pageSize.toString(2).length - 1;
    const level = this.levelFor(pageShift);
    if (level < 0) {
      throw new MappingError(
        "unsupported-size",
        `page size ${hex(pageSize)} is not supported by this table format`,
      );
    }
    if (!Number.isInteger(count) || count < 1) {
      throw new MappingError("invalid", `page count ${count} must be a positive integer`);
    }
    if (((iova - this.iovaBase) & (pageSize - 1n)) !== 0n || (pa & (pageSize - 1n)) !== 0n) {
      throw new MappingError(
        "unaligned",
        `iova ${hex(iova)} and pa ${hex(pa)} must be aligned to the page size ${hex(pageSize)}`,
      );
    }
    const total = pageSize * BigInt(count);
    const off = iova - this.iovaBase;
    if (off < 0n || off + total > 1n << BigInt(g.inputBits)) {
      throw new MappingError(
        "out-of-range",
        `iova ${hex(iova)}..+${hex(total)} is outside the ${g.inputBits}-bit input range` +
          (this.iovaBase !== 0n ? ` at ${hex(this.iovaBase)}` : ""),
      );
    }
    if (pa < 0n || pa + total > 1n << BigInt(g.outputBits)) {
      throw new MappingError(
        "out-of-range",
        `pa ${hex(pa)}..+${hex(total)} is outside the ${g.outputBits}-bit output range`,
      );
    }
    const t = this.words;
    t.lo = 0;
    t.hi = 0;
    this.format.leafTemplate(level, pageShift, prot, attrs, t);
    const tLo = t.lo >>> 0;
    const tHi = t.hi >>> 0;

    const startPfn = Number(off >> 12n);
    const endPfn = startPfn + count * 2 ** (pageShift - 12);
    const paPfn = Number(pa >> 12n);
    this.checkFree(startPfn, endPfn);
    try {
      this.fill(startPfn, endPfn, paPfn, level, pageShift, tLo, tHi);
    } catch (e) {
      // The range was free before: clearing all of it removes exactly what this call wrote
      // and frees the tables it created.
      this.unmapRange(startPfn, endPfn);
      throw e;
    }
  }

  /** The deepest level able to hold a leaf of 2^pageShift (fewest replicas). */
  private levelFor(pageShift: number): number {
    let best = -1;
    for (let l = 0; l < this.levels.length; l++) {
      if (this.levels[l]!.pageShifts.includes(pageShift)) {
        if (best < 0 || this.levels[l]!.shift > this.levels[best]!.shift) best = l;
      }
    }
    return best;
  }

  /**
   * Throws MappingError "exists" if any live entry overlaps [start, end) (4K frames from the
   * input base), read from the bytes through the level iterator.
   */
  private checkFree(start: number, end: number): void {
    if (this.rootNode.valid === 0) return;
    const it = this.reader;
    it.run(this.rootNode.pa, it.basePfn + start, it.basePfn + end);
  }

  /** The level iterator's per-level function for checkFree: any live entry in range throws. */
  private checkFreeTable(tablePa: number, l: number, basePfn: number, rights: number): void {
    const it = this.reader;
    it.bounds(l, basePfn);
    const first = it.first;
    const last = it.end; // bounds are overwritten by the levels below
    for (let i = first; i < last; i++) {
      if (!it.load(tablePa, l, i)) continue;
      if (it.descend(it.decoded, tablePa, l, i, basePfn, rights)) continue;
      const lvl = this.levels[l]!;
      const entryBase = basePfn + i * levelUnit(lvl);
      const at = BigInt(Math.max(it.rangeStart, entryBase)) << 12n;
      throw new MappingError(
        "exists",
        `iova ${hex(at)} is already mapped (level ${lvl.number} entry ${i} of table ${hex(tablePa)})`,
      );
    }
  }

  /** Write leaves for [start, end) → paPfn.., allocating tables as needed. */
  private fill(
    start: number,
    end: number,
    paPfn: number,
    level: number,
    pageShift: number,
    tLo: number,
    tHi: number,
  ): void {
    const f = this.filling;
    f.level = level;
    f.pageShift = pageShift;
    f.tLo = tLo;
    f.tHi = tHi;
    f.start = this.filler.basePfn + start;
    f.paPfn = paPfn;
    this.entering = this.rootNode;
    this.filler.run(this.rootNode.pa, f.start, this.filler.basePfn + end);
  }

  /**
   * The filler's per-level function: above the leaf level, create the missing tables over the
   * range and enter each; at it, write the leaves of the range in one go.
   */
  private fillTable(tablePa: number, l: number, basePfn: number, rights: number): void {
    const it = this.filler;
    const f = this.filling;
    const node = this.entering!;
    it.bounds(l, basePfn);
    const first = it.first;
    const last = it.end;
    const unit = levelUnit(this.levels[l]!);
    if (l === f.level) {
      this.fillLeaves(node, l, basePfn, first, last);
      return;
    }
    // A table whose entries are the leaves' tables: each filled here, not entered through the
    // iterator (the tables are this table's own, just looked up or allocated: no cycle to guard
    // against, no rights to narrow), which cost ~20% of filling 32K leaf tables.
    const leafParent = l + 1 === f.level;
    const below = leafParent ? levelUnit(this.levels[l + 1]!) : 0;
    const belowEntries = leafParent ? 2 ** this.levels[l + 1]!.bits : 0;
    for (let i = first; i < last; i++) {
      let child = node.children![i];
      if (child === undefined) {
        child = this.allocTable(l + 1);
        this.format.tableDescriptor(l, child.pa, this.words);
        writeDescriptor(
          this.memory,
          tablePa + i * this.entryBytes,
          this.entryBytes,
          this.bigEndian,
          this.words.lo,
          this.words.hi,
        );
        node.children![i] = child;
        node.valid++;
      }
      if (leafParent) {
        const childBase = basePfn + i * unit;
        const lo = Math.max(0, Math.floor((it.rangeStart - childBase) / below));
        const hi = Math.min(belowEntries, Math.ceil((it.rangeEnd - childBase) / below));
        this.fillLeaves(child, l + 1, childBase, lo, hi);
        continue;
      }
      this.entering = child;
      it.enter(child.pa, tablePa, l, i, basePfn, rights, TABLE_ALLOWS_ALL);
    }
  }

  /** Write the leaves of entries [first, last) of `node`, a table of level `l` at `basePfn`. */
  private fillLeaves(
    node: TableNode,
    l: number,
    basePfn: number,
    first: number,
    last: number,
  ): void {
    const f = this.filling;
    const n = last - first;
    node.valid += n;
    const paPfn = f.paPfn + (basePfn + first * levelUnit(this.levels[l]!) - f.start);
    this.writeLeaves(node.pa + first * this.entryBytes, n, paPfn, l, f.pageShift, f.tLo, f.tHi);
  }

  /**
   * The hot path of writeLeaves: one page per entry at its natural position, the address
   * stepping by `stepLow` 4K frames (below 2^20) from paHigh * 2^20 + paLow. Segments end at
   * frame ends and at carries into the high word. 8-byte little-endian entries are stored as
   * doubles, one store per entry (./float-words.ts: while the high word is unchanged, each next
   * descriptor is the previous double plus a constant, exactly).
   */
  private writeConsecutive(
    byte: number,
    n: number,
    paLow: number,
    paHigh: number,
    stepLow: number,
    tLo: number,
    tHi: number,
  ): void {
    const eb = this.entryBytes;
    const wpe = eb >>> 2;
    const be = this.bigEndian;
    const memory = this.memory;
    // Template bits above bit 11 of the low word would be or-ed with, not added to, the address.
    const floats = eb === 8 && !be && FLOAT_WORDS_USABLE && tLo >>> 12 === 0;
    let left = n;
    while (left > 0) {
      const pfn = Math.floor(byte / FRAME_BYTES);
      const frame = memory.frame(pfn);
      let wi = (byte - pfn * FRAME_BYTES) >>> 2;
      const m = Math.min(left, (FRAME_WORDS - wi) / wpe, (TWO20 - paLow) / stepLow);
      const wEnd = wi + m * wpe;
      const hiWord = (tHi | paHigh) >>> 0;
      const step = floats ? floatStep(hiWord, stepLow * FRAME_BYTES) : 0;
      const view = step !== 0 ? this.floatViews.of(frame) : null;
      if (view !== null) {
        const j = (frame.byteOffset + wi * 4) / 8;
        storeSteps(view, j, j + m, wordsAsFloat((tLo | (paLow << 12)) >>> 0, hiWord), step);
        paLow += m * stepLow;
      } else if (eb === 8) {
        if (!be) {
          for (; wi < wEnd; wi += 2) {
            frame[wi] = tLo | (paLow << 12);
            frame[wi + 1] = hiWord;
            paLow += stepLow;
          }
        } else {
          const hiStored = bswap32(hiWord);
          for (; wi < wEnd; wi += 2) {
            frame[wi] = hiStored;
            frame[wi + 1] = bswap32((tLo | (paLow << 12)) >>> 0);
            paLow += stepLow;
          }
        }
      } else if (!be) {
        for (; wi < wEnd; wi++) {
          frame[wi] = tLo | (paLow << 12);
          paLow += stepLow;
        }
      } else {
        for (; wi < wEnd; wi++) {
          frame[wi] = bswap32((tLo | (paLow << 12)) >>> 0);
          paLow += stepLow;
        }
      }
      // The carry, computed every segment (a branch first taken 2^20 pages in deoptimised
      // this function: no type feedback for it).
      const carry = Math.floor(paLow / TWO20);
      paLow -= carry * TWO20;
      paHigh += carry;
      left -= m;
      byte += m * eb;
    }
  }

  /**
   * Write `n` consecutive leaf entries from byte address `byte` (one table), the first mapping
   * frame `paPfn`: a frame at a time, with no hook call per entry when the address sits at its
   * natural position, and runs of identical words (replicated copies) written with fill().
   *
   * Long on purpose: the map hot loop (sixteen million leaves for 64 GiB of 4K pages): one
   * function keeps its state in locals, with no call per entry.
   */
  private writeLeaves(
    byte: number,
    n: number,
    paPfn: number,
    level: number,
    pageShift: number,
    tLo: number,
    tHi: number,
  ): void {
    const unitShift = this.levels[level]!.shift;
    const rep = 2 ** (pageShift - unitShift);
    const pagePfns = 2 ** (pageShift - 12);
    const eb = this.entryBytes;
    const wpe = eb >>> 2;
    const be = this.bigEndian;
    const natural = this.format.encodeLeafAddress === undefined;
    const memory = this.memory;
    // The page's address as paHigh * 2^20 + paLow (4K frames), so `paLow << 12` is lo's part.
    let paLow = paPfn % TWO20;
    let paHigh = (paPfn - paLow) / TWO20;
    const stepLow = pagePfns < TWO20 ? pagePfns : 0;
    const stepHigh = pagePfns < TWO20 ? 0 : pagePfns / TWO20;
    if (natural && rep === 1 && stepLow !== 0) {
      this.writeConsecutive(byte, n, paLow, paHigh, stepLow, tLo, tHi);
      return;
    }
    // Replicated pages, huge pages and odd address encodings: the words change once per page.
    const w = this.words;
    let pa = paPfn;
    let copiesLeft = 0;
    let s0 = 0;
    let s1 = 0;
    let left = n;
    while (left > 0) {
      const pfn = Math.floor(byte / FRAME_BYTES);
      const frame = memory.frame(pfn);
      let wi = (byte - pfn * FRAME_BYTES) >>> 2;
      const m = Math.min(left, (FRAME_WORDS - wi) / wpe);
      const wEnd = wi + m * wpe;
      while (wi < wEnd) {
        if (copiesLeft === 0) {
          w.lo = tLo;
          w.hi = tHi;
          if (natural) {
            w.lo = (tLo | (paLow << 12)) >>> 0;
            w.hi = (tHi | paHigh) >>> 0;
            paLow += stepLow;
            paHigh += stepHigh;
            if (paLow >= TWO20) {
              paLow -= TWO20;
              paHigh += 1;
            }
          } else {
            this.format.encodeLeafAddress!(level, pageShift, pa, w);
          }
          pa += pagePfns;
          if (eb === 4) s0 = be ? bswap32(w.lo >>> 0) : w.lo >>> 0;
          else if (be) {
            s0 = bswap32(w.hi >>> 0);
            s1 = bswap32(w.lo >>> 0);
          } else {
            s0 = w.lo >>> 0;
            s1 = w.hi >>> 0;
          }
          copiesLeft = rep;
        }
        const copies = Math.min(copiesLeft, (wEnd - wi) / wpe);
        if (eb === 4) {
          frame.fill(s0, wi, wi + copies);
          wi += copies;
        } else {
          for (let r = 0; r < copies; r++, wi += 2) {
            frame[wi] = s0;
            frame[wi + 1] = s1;
          }
        }
        copiesLeft -= copies;
      }
      left -= m;
      byte += m * eb;
    }
  }

  protected forgetTable(pa: number): void {
    this.unmapper.forget(pa);
  }

  // -------------------------------------------------------------------------------------------
  // unmap

  /**
   * Unmap [iova, iova + size), splitting blocks that straddle either end. Returns the bytes that
   * were mapped in the range (holes count 0).
   */
  unmap(iova: bigint, size: bigint): bigint {
    const g = this.format.geometry;
    if (size <= 0n) throw new MappingError("invalid", `unmap size ${hex(size)} must be positive`);
    const minPage = 1n << BigInt(this.minPageShift);
    if (((iova - this.iovaBase) & (minPage - 1n)) !== 0n || (size & (minPage - 1n)) !== 0n) {
      // Nothing can split the smallest page.
      throw new MappingError(
        "unaligned",
        `unmap ${hex(iova)}..+${hex(size)} is not aligned to the smallest page ${hex(minPage)}`,
      );
    }
    const off = iova - this.iovaBase;
    if (off < 0n || off + size > 1n << BigInt(g.inputBits)) {
      throw new MappingError(
        "out-of-range",
        `unmap ${hex(iova)}..+${hex(size)} is outside the ${g.inputBits}-bit input range`,
      );
    }
    const start = Number(off >> 12n);
    const pages = this.unmapRange(start, start + Number(size >> 12n));
    return BigInt(pages) << 12n;
  }

  /** Clears [start, end) (4K frames from the input base); returns the 4K pages that were mapped. */
  private unmapRange(start: number, end: number): number {
    this.unmappedPages = 0;
    const base = this.unmapper.basePfn;
    this.entering = this.rootNode;
    this.unmapper.run(this.rootNode.pa, base + start, base + end);
    return this.unmappedPages;
  }

  /**
   * The unmapper's per-level function: clears the walk's range in one table, adding the 4K pages
   * that were mapped to `unmappedPages`; emptied tables below it are freed.
   */
  private unmapTable(tablePa: number, l: number, basePfn: number, rights: number): void {
    const it = this.unmapper;
    const node = this.entering!;
    const lvl = this.levels[l]!;
    const unit = levelUnit(lvl);
    const eb = this.entryBytes;
    const start = it.rangeStart;
    const end = it.rangeEnd;
    it.bounds(l, basePfn);
    const i0 = it.first;
    const i1 = it.end;
    for (let i = i0; i < i1 && node.valid > 0; i++) {
      const entryBase = basePfn + i * unit;
      const child = node.children?.[i];
      if (child !== undefined) {
        if (start <= entryBase && entryBase + unit <= end) {
          this.unmappedPages += this.clearWhole(child);
        } else {
          this.entering = child;
          it.enter(child.pa, tablePa, l, i, basePfn, rights, TABLE_ALLOWS_ALL);
        }
        if (child.valid === 0) {
          writeDescriptor(this.memory, tablePa + i * eb, eb, this.bigEndian, 0, 0);
          node.children![i] = undefined;
          node.valid--;
          this.freeTable(child);
        }
        continue;
      }
      readDescriptor(this.memory, tablePa + i * eb, eb, this.bigEndian, this.words);
      if (this.words.lo === 0 && this.words.hi === 0) continue;
      const d = this.decoded;
      this.format.decode(l, this.words.lo, this.words.hi, d);
      if (d.kind !== DESC_LEAF) {
        // Not written by this engine (or malformed): clear it so the range ends up unmapped.
        writeDescriptor(this.memory, tablePa + i * eb, eb, this.bigEndian, 0, 0);
        node.valid--;
        continue;
      }
      const rep = 2 ** (d.pageShift - lvl.shift);
      const g0 = i - (i % rep);
      const pageBase = basePfn + g0 * unit;
      const pageEnd = pageBase + rep * unit;
      if (start <= pageBase && pageEnd <= end) {
        for (let r = 0; r < rep; r++) {
          writeDescriptor(this.memory, tablePa + (g0 + r) * eb, eb, this.bigEndian, 0, 0);
        }
        node.valid -= rep;
        this.unmappedPages += rep * unit;
        i = g0 + rep - 1;
      } else {
        this.split(node, g0, rep, basePfn);
        i--; // look at the same entry again: now a smaller leaf or a table
      }
    }
  }

  /** Valid (non-zero) entries over all tables, from bookkeeping (tests use this). */
  validEntries(): number {
    let n = 0;
    const visit = (node: TableNode): void => {
      n += node.valid;
      node.children?.forEach((c) => c !== undefined && visit(c));
    };
    visit(this.rootNode);
    return n;
  }
}

/**
 * view[j..end) = x, x + step, x + 2 step, ... Two running values a step apart, each stepping by
 * 2 step: one dependent floating-point addition per two entries, not per entry (x1.4 in a
 * microbenchmark). Every sum is exact (./float-words.ts); the values past `end` are not stored.
 * A function of its own, so it is optimised early.
 */
function storeSteps(
  view: Float64Array<ArrayBufferLike>,
  j: number,
  end: number,
  x: number,
  step: number,
): void {
  let y = x + step;
  const step2 = step + step;
  for (; j + 1 < end; j += 2) {
    view[j] = x;
    view[j + 1] = y;
    x += step2;
    y += step2;
  }
  if (j < end) view[j] = x;
}
