/**
 * The table pages of a live radix table and their bookkeeping (valid-entry counts and child
 * links, never per entry): allocation from the pool, freeing, clearing a whole subtree, and
 * splitting a block or replicated leaf into smaller leaves (the split policy is described in
 * ./table.ts). RadixTable (map, unmap) builds on it.
 */
import { hex } from "../../diagnostics/format.js";
import type { PoolAllocator } from "../pool-allocator.js";
import type { PhysicalMemory } from "../physical-memory.js";
import { MappingError } from "../types.js";
import { decodedDescriptor, descriptorWords, type RadixFormat, type RadixLevel } from "./format.js";
import { writeDescriptor, zeroTable } from "./memory-words.js";

/** Bookkeeping for one table page (never per entry). */
export interface TableNode {
  pa: number;
  level: number;
  /** Non-zero entries (leaf copies and table pointers). */
  valid: number;
  /** Next-level tables by index; null at levels that hold no tables. */
  children: (TableNode | undefined)[] | null;
}

const TWO20 = 1048576;

export { hex };

export abstract class TableStore {
  protected readonly levels: readonly RadixLevel[];
  protected readonly entryBytes: 4 | 8;
  protected readonly bigEndian: boolean;
  protected readonly iovaBase: bigint;
  protected readonly minPageShift: number;
  /** Scratch descriptor words and decoding (fields, so hot loops allocate nothing). */
  protected readonly words = descriptorWords();
  protected readonly decoded = decodedDescriptor();
  protected tableCount = 0;

  constructor(
    readonly memory: PhysicalMemory,
    readonly pool: PoolAllocator,
    readonly format: RadixFormat,
  ) {
    const g = format.geometry;
    this.levels = g.levels;
    this.entryBytes = g.entryBytes;
    this.bigEndian = g.bigEndian;
    this.iovaBase = g.iovaBase ?? 0n;
    this.minPageShift = Math.min(...g.levels.flatMap((l) => l.pageShifts));
  }

  /** A freed table page must not be remembered as entered by an iterator. */
  protected abstract forgetTable(pa: number): void;

  protected allocTable(level: number): TableNode {
    const lvl = this.levels[level]!;
    const pa = this.pool.alloc(lvl.tableBytes, lvl.tableAlign);
    // Pool memory may hold an earlier table's bytes (sub-page tables share frames).
    zeroTable(this.memory, pa, lvl.tableBytes);
    this.tableCount++;
    const node: TableNode = {
      pa,
      level,
      valid: 0,
      children: lvl.tables ? new Array<TableNode | undefined>(2 ** lvl.bits) : null,
    };
    return node;
  }

  protected freeTable(node: TableNode): void {
    const lvl = this.levels[node.level]!;
    zeroTable(this.memory, node.pa, lvl.tableBytes);
    this.pool.release(node.pa, lvl.tableBytes);
    this.forgetTable(node.pa);
    this.tableCount--;
  }

  /** Free every table under `node` (whose whole span is being unmapped); returns pages mapped. */
  protected clearWhole(node: TableNode): number {
    const lvl = this.levels[node.level]!;
    const unit = 2 ** (lvl.shift - 12);
    let leafEntries = node.valid;
    let pages = 0;
    if (node.children !== null) {
      for (let i = 0; i < node.children.length; i++) {
        const child = node.children[i];
        if (child === undefined) continue;
        pages += this.clearWhole(child);
        this.freeTable(child);
        node.children[i] = undefined;
        leafEntries--;
      }
    }
    pages += leafEntries * unit;
    node.valid = 0; // the caller frees (and zeroes) the table itself
    return pages;
  }

  /**
   * Replace the leaf group at entries g0..g0+rep-1 of `node` (one page, decoded in
   * this.decoded) by smaller leaves mapping the same memory (policy above). The caller then looks
   * at the entry again and splits further if needed.
   */
  protected split(node: TableNode, g0: number, rep: number, basePfn: number): void {
    const lvl = this.levels[node.level]!;
    const d = this.decoded;
    const pageShift = d.pageShift;
    const prot = d.prot;
    const attrs = d.attrs;
    const paPfn = d.paPfn;
    const unit = 2 ** (lvl.shift - 12);
    const eb = this.entryBytes;
    const w = this.words;
    if (rep > 1) {
      // As arm_v7s_split_cont: the next smaller page this level holds, in place (no allocation).
      let q = -1;
      for (const s of lvl.pageShifts) if (s < pageShift && s > q) q = s;
      if (q >= 0) {
        const qRep = 2 ** (q - lvl.shift);
        for (let k = 0; k < rep; k += qRep) {
          this.leafWords(node.level, q, prot, attrs, paPfn + k * unit);
          for (let r = 0; r < qRep; r++) {
            writeDescriptor(
              this.memory,
              node.pa + (g0 + k + r) * eb,
              eb,
              this.bigEndian,
              w.lo,
              w.hi,
            );
          }
        }
        return;
      }
      // The level has no smaller page (AMD v1 2^40 at level 4: 2^39 is left out): every copy
      // becomes a next-level table mapping its own slice of the page.
    }
    if (!lvl.tables || this.splitLeafShift(node.level) < 0) {
      throw new MappingError(
        "invalid",
        `cannot split the 2^${pageShift} page at iova ${hex((BigInt(basePfn + g0 * unit) << 12n) + this.iovaBase)}: ` +
          "no smaller leaf at this level or the next",
      );
    }
    // Every table is built before any entry changes: if the pool runs out the page stays whole.
    const children: TableNode[] = [];
    try {
      for (let r = 0; r < rep; r++) {
        children.push(this.blockTable(node.level, paPfn + r * unit, prot, attrs));
      }
    } catch (e) {
      for (const c of children) this.freeTable(c);
      throw e;
    }
    for (let r = 0; r < rep; r++) {
      this.format.tableDescriptor(node.level, children[r]!.pa, w);
      writeDescriptor(this.memory, node.pa + (g0 + r) * eb, eb, this.bigEndian, w.lo, w.hi);
      node.children![g0 + r] = children[r]!;
    }
  }

  /** The largest page the level below `level` holds that is smaller than one `level` entry. */
  private splitLeafShift(level: number): number {
    const next = this.levels[level + 1];
    let q = -1;
    if (next !== undefined) {
      for (const s of next.pageShifts) if (s < this.levels[level]!.shift && s > q) q = s;
    }
    return q;
  }

  /**
   * A new next-level table whose leaves map the span of one `level` entry from `paPfn` on, as
   * __arm_lpae_split_blk_unmap builds it. May throw PoolExhaustedError (nothing allocated then).
   */
  private blockTable(level: number, paPfn: number, prot: number, attrs: number): TableNode {
    const next = this.levels[level + 1]!;
    const q = this.splitLeafShift(level);
    const eb = this.entryBytes;
    const w = this.words;
    const child = this.allocTable(level + 1);
    try {
      const nextUnit = 2 ** (next.shift - 12);
      const childEntries = 2 ** (this.levels[level]!.shift - next.shift);
      const childRep = 2 ** (q - next.shift);
      for (let k = 0; k < childEntries; k += childRep) {
        this.leafWords(level + 1, q, prot, attrs, paPfn + k * nextUnit);
        for (let r = 0; r < childRep; r++) {
          writeDescriptor(this.memory, child.pa + (k + r) * eb, eb, this.bigEndian, w.lo, w.hi);
        }
      }
      child.valid = childEntries;
    } catch (e) {
      this.freeTable(child);
      throw e;
    }
    return child;
  }

  /** The full leaf descriptor into this.words. */
  protected leafWords(
    level: number,
    pageShift: number,
    prot: number,
    attrs: number,
    pfn: number,
  ): void {
    const w = this.words;
    w.lo = 0;
    w.hi = 0;
    this.format.leafTemplate(level, pageShift, prot, attrs, w);
    if (this.format.encodeLeafAddress !== undefined) {
      this.format.encodeLeafAddress(level, pageShift, pfn, w);
    } else {
      const low = pfn % TWO20;
      w.lo = (w.lo | (low << 12)) >>> 0;
      w.hi = (w.hi | ((pfn - low) / TWO20)) >>> 0;
    }
  }
}
