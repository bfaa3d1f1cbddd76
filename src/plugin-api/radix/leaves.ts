/**
 * leaves(): every valid leaf under a root, from the bytes in memory alone, with runs of
 * contiguous compatible leaves coalesced into one visit (the runtime verifier proves whole
 * topologies with it, so it must keep up with tables of millions of entries).
 *
 * Speed comes from three things:
 * - frames that hold nothing (never written: a mostly empty flat TCE table) are skipped without
 *   reading them;
 * - for formats with the output address at its natural position, an entry equal to the expected
 *   next descriptor (the same words for the next copy of a replicated page, else the previous
 *   page's words plus one page) extends the pending run without decoding;
 * - for unreplicated pages that check is a tight scan per frame, one per byte order and width;
 *   8-byte little-endian entries are compared as doubles, one load per entry (./float-words.ts);
 * - the expected next descriptor carries over to the next table of the same level when that
 *   table continues the addresses, so a long run decodes only its first entry.
 */
import { FRAME_BYTES, FRAME_WORDS, type PhysicalMemory } from "../physical-memory.js";
import { narrowRights } from "../level-rights.js";
import type { LeafVisitor, TableLoopVisitor } from "../types.js";
import {
  DESC_LEAF,
  DESC_TABLE,
  decodedDescriptor,
  type DecodedDescriptor,
  type RadixFormat,
  type RadixLevel,
} from "./format.js";
import { LevelIterator } from "./level-iterator.js";
import { bswap32 } from "./memory-words.js";
import { FLOAT_WORDS_USABLE, FloatViews, floatStep, wordsAsFloat } from "./float-words.js";

const TWO32 = 4294967296;

/**
 * One scan: the format, the visitor and the pending run, as fields (no closures per table). The
 * level iterator enters each table (guards, rights); `table` is its per-level function.
 */
class LeafScanner {
  private readonly it: LevelIterator;
  private readonly levels: readonly RadixLevel[];
  private readonly eb: 4 | 8;
  private readonly be: boolean;
  private readonly natural: boolean;
  private readonly d: DecodedDescriptor = decodedDescriptor();
  private readonly floatViews = new FloatViews();
  // The pending run, in 4K frames.
  private runIova = 0;
  private runPa = 0;
  private runCount = 0;
  private runProt = 0;
  private runAttrs = 0;
  private runShift = 0;
  /**
   * Where the last table scanned left its expected next descriptor, so the next table of the
   * same level, read right after it, continues the run without decoding its first entry: the
   * level (-1: nothing to continue), the frame its entries would start at, the rights above it,
   * and the scan state (as the locals of `table`).
   */
  private carryLevel = -1;
  private carryNext = 0;
  private carryRights = 0;
  private carryLo = 0;
  private carryHi = 0;
  private carryCopies = 0;
  private carryRep = 1;
  private carryPageLo = 0;
  private carryPageHi = 0;

  constructor(
    private readonly memory: PhysicalMemory,
    format: RadixFormat,
    private readonly visit: LeafVisitor,
    loops?: TableLoopVisitor,
  ) {
    this.it = new LevelIterator(
      memory,
      format,
      (tablePa, level, basePfn, rights) => this.table(tablePa, level, basePfn, rights),
      loops,
    );
    const g = format.geometry;
    this.levels = g.levels;
    this.eb = g.entryBytes;
    this.be = g.bigEndian;
    this.natural = format.encodeLeafAddress === undefined;
  }

  run(rootPa: number): void {
    this.carryLevel = -1;
    this.it.run(rootPa);
    this.flush();
  }

  private flush(): void {
    if (this.runCount > 0) {
      this.visit(
        this.runIova,
        this.runPa,
        this.runCount,
        this.runProt,
        this.runAttrs,
        this.runShift,
      );
    }
    this.runCount = 0;
  }

  private emit(iova: number, pa: number, count: number, prot: number, d: DecodedDescriptor): void {
    this.carryLevel = -1;
    if (
      this.runCount > 0 &&
      iova === this.runIova + this.runCount &&
      pa === this.runPa + this.runCount &&
      prot === this.runProt &&
      d.attrs === this.runAttrs &&
      d.pageShift === this.runShift
    ) {
      this.runCount += count;
      return;
    }
    this.flush();
    this.runIova = iova;
    this.runPa = pa;
    this.runCount = count;
    this.runProt = prot;
    this.runAttrs = d.attrs;
    this.runShift = d.pageShift;
  }

  /**
   * Every leaf of one table (the iterator's per-level function). Within a table the rights from
   * above are constant, so a run extended without decoding keeps the rights it was started with.
   *
   * Long on purpose: the leaf scan is the proof's hot loop (every leaf of a 64 GiB table);
   * its state stays in locals of one function, with no call per entry.
   */
  private table(tablePa: number, l: number, basePfn: number, rights: number): void {
    const memory = this.memory;
    const lvl = this.levels[l]!;
    const eb = this.eb;
    const be = this.be;
    const wpe = eb >>> 2;
    const unit = 2 ** (lvl.shift - 12);
    const entries = 2 ** lvl.bits;
    // One entry's span in descriptor-address terms (the tight scans' step), when below 2^32.
    const stepLo = lvl.shift < 32 ? 2 ** lvl.shift : 0;
    const limit = TWO32 - stepLo;
    // The expected next descriptor; expLo < 0 = none (a read word is never negative).
    let expLo = -1;
    let expHi = 0;
    // Further entries expected with the current words, and the page's step and copies.
    let copiesLeft = 0;
    let rep = 1;
    let pageLo = 0;
    let pageHi = 0;
    if (this.carryLevel === l && this.carryNext === basePfn && this.carryRights === rights) {
      expLo = this.carryLo;
      expHi = this.carryHi;
      copiesLeft = this.carryCopies;
      rep = this.carryRep;
      pageLo = this.carryPageLo;
      pageHi = this.carryPageHi;
    }
    this.carryLevel = -1;
    const d = this.d;
    let i = 0;
    let byte = tablePa;
    while (i < entries) {
      const pfn = Math.floor(byte / FRAME_BYTES);
      let wi = (byte - pfn * FRAME_BYTES) >>> 2;
      const m = Math.min(entries - i, (FRAME_WORDS - wi) / wpe);
      const iEnd = i + m;
      byte += m * eb;
      if (!memory.has(pfn)) {
        // Never written: all zero, nothing mapped, and the pending run cannot continue.
        expLo = -1;
        i = iEnd;
        continue;
      }
      const frame = memory.peek(pfn);
      for (; i < iEnd; i++, wi += wpe) {
        if (expLo >= 0 && rep === 1 && stepLo !== 0) {
          // Tight scan while each entry is the previous one plus one page (no carry into hi).
          let k = wi;
          let e = expLo;
          // Entries before the address would carry into hi (the scans below do not check).
          const room = e < limit ? Math.ceil((limit - e) / stepLo) : 0;
          const kEnd = wi + wpe * Math.min(iEnd - i, room);
          if (eb === 8) {
            const step = !be && FLOAT_WORDS_USABLE ? floatStep(expHi, stepLo) : 0;
            const view = step !== 0 ? this.floatViews.of(frame) : null;
            if (view !== null) {
              // One load per entry (./float-words.ts): kEnd stops before any carry into hi.
              let x = wordsAsFloat(e, expHi);
              const j0 = frame.byteOffset / 8;
              let j = j0 + k / 2;
              const jEnd = j0 + kEnd / 2;
              while (j < jEnd && view[j] === x) {
                x += step;
                j++;
              }
              const matched = j - j0 - k / 2;
              e += matched * stepLo;
              k += 2 * matched;
            } else if (!be) {
              while (k < kEnd && frame[k] === e && frame[k + 1] === expHi) {
                e += stepLo;
                k += 2;
              }
            } else {
              const hiWord = bswap32(expHi);
              while (k < kEnd && frame[k] === hiWord && frame[k + 1] === bswap32(e)) {
                e += stepLo;
                k += 2;
              }
            }
          } else if (!be) {
            while (k < kEnd && frame[k] === e) {
              e += stepLo;
              k++;
            }
          } else {
            while (k < kEnd && frame[k] === bswap32(e)) {
              e += stepLo;
              k++;
            }
          }
          const n = (k - wi) / wpe;
          if (n > 0) {
            this.runCount += n * unit;
            expLo = e;
            i += n;
            wi = k;
            if (i >= iEnd) break;
          }
        }
        let lo: number;
        let hi: number;
        if (eb === 8) {
          lo = be ? bswap32(frame[wi + 1]!) : frame[wi]!;
          hi = be ? bswap32(frame[wi]!) : frame[wi + 1]!;
        } else {
          lo = be ? bswap32(frame[wi]!) : frame[wi]!;
          hi = 0;
        }
        if (lo === expLo && hi === expHi) {
          // The next copy of the same page, or the next page: extends the pending run.
          this.runCount += unit;
          if (--copiesLeft === 0) {
            copiesLeft = rep;
            expLo += pageLo;
            expHi += pageHi;
            if (expLo >= TWO32) {
              expLo -= TWO32;
              expHi += 1;
              if (eb === 4) expLo = -1;
            }
          }
          continue;
        }
        expLo = -1;
        if (lo === 0 && hi === 0) continue;
        this.it.decode(l, lo, hi, d);
        if (d.kind === DESC_TABLE) {
          this.it.descend(d, tablePa, l, i, basePfn, rights);
          continue;
        }
        if (d.kind !== DESC_LEAF || !lvl.pageShifts.includes(d.pageShift)) continue;
        rep = 2 ** (d.pageShift - lvl.shift);
        const copy = i % rep;
        // A replicated copy maps its own slice of the page.
        this.emit(basePfn + i * unit, d.paPfn + copy * unit, unit, narrowRights(rights, d.prot), d);
        if (this.natural) {
          expLo = lo;
          expHi = hi;
          pageLo = d.pageShift < 32 ? 2 ** d.pageShift : 0;
          pageHi = d.pageShift < 32 ? 0 : 2 ** (d.pageShift - 32);
          copiesLeft = rep - 1 - copy;
          if (copiesLeft === 0) {
            copiesLeft = rep;
            expLo += pageLo;
            expHi += pageHi;
            if (expLo >= TWO32) {
              expLo -= TWO32;
              expHi += 1;
              if (eb === 4) expLo = -1;
            }
          }
        }
      }
    }
    if (expLo >= 0) {
      this.carryLevel = l;
      this.carryNext = basePfn + entries * unit;
      this.carryRights = rights;
      this.carryLo = expLo;
      this.carryHi = expHi;
      this.carryCopies = copiesLeft;
      this.carryRep = rep;
      this.carryPageLo = pageLo;
      this.carryPageHi = pageHi;
    }
  }
}

/**
 * Every valid leaf under `rootPa` with its effective rights, each table read once, contiguous runs
 * in one `visit` each; entries pointing to a table already read go to `loops`.
 */
export function radixLeaves(
  memory: PhysicalMemory,
  format: RadixFormat,
  rootPa: number,
  visit: LeafVisitor,
  loops?: TableLoopVisitor,
): void {
  new LeafScanner(memory, format, visit, loops).run(rootPa);
}
