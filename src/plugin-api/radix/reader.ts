/**
 * Everything the engine does from the bytes in memory alone (no bookkeeping): walk one address,
 * enumerate leaves (coalesced, for the runtime verifier's proofs), enumerate table pages, dump.
 * Tables are followed wherever their descriptors point, so a corrupted table is read as it is.
 */
import { FRAME_BYTES, FRAME_WORDS, type PhysicalMemory } from "../physical-memory.js";
import type { LeafVisitor, TableVisitor, WalkResult, WalkStep } from "../types.js";
import {
  DESC_INVALID,
  DESC_LEAF,
  DESC_TABLE,
  decodedDescriptor,
  descriptorWords,
  type RadixFormat,
} from "./format.js";
import { bswap32, descriptorBigInt, readDescriptor } from "./memory-words.js";

const TWO32 = 4294967296;

function hex(n: number | bigint): string {
  return "0x" + n.toString(16);
}

/** Translate `iova` by reading the table rooted at `rootPa`. */
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
  const pfn = Number(off >> 12n);
  const w = descriptorWords();
  const d = decodedDescriptor();
  let tablePa = rootPa;
  for (let l = 0; l < g.levels.length; l++) {
    const lvl = g.levels[l]!;
    const index = Math.floor(pfn / 2 ** (lvl.shift - 12)) % 2 ** lvl.bits;
    const addr = tablePa + index * g.entryBytes;
    readDescriptor(memory, addr, g.entryBytes, g.bigEndian, w);
    format.decode(l, w.lo, w.hi, d);
    steps.push({
      level: lvl.number,
      tableBase: BigInt(tablePa),
      index,
      descriptorAddress: BigInt(addr),
      descriptor: descriptorBigInt(w.lo, w.hi, g.entryBytes),
      decoded: format.describeDescriptor(l, w.lo, w.hi),
    });
    if (d.kind === DESC_INVALID) {
      return {
        ok: false,
        level: lvl.number,
        reason: d.fault ?? `invalid descriptor at level ${lvl.number}`,
        steps,
      };
    }
    if (d.kind === DESC_TABLE) {
      if (!lvl.tables || l + 1 >= g.levels.length) {
        return {
          ok: false,
          level: lvl.number,
          reason: `table descriptor at level ${lvl.number}, which cannot point to a table`,
          steps,
        };
      }
      tablePa = d.tablePa;
      continue;
    }
    if (!lvl.pageShifts.includes(d.pageShift)) {
      return {
        ok: false,
        level: lvl.number,
        reason: `leaf of 2^${d.pageShift} bytes is not allowed at level ${lvl.number}`,
        steps,
      };
    }
    const pageSize = 1n << BigInt(d.pageShift);
    return {
      ok: true,
      pa: (BigInt(d.paPfn) << 12n) + (off & (pageSize - 1n)),
      prot: d.prot,
      attrs: d.attrs,
      pageSize,
      steps,
    };
  }
  return {
    ok: false,
    level: g.levels.at(-1)!.number,
    reason: "walk ran past the last level",
    steps,
  };
}

/**
 * Every valid leaf under `rootPa`, each table read once, runs of contiguous compatible leaves
 * coalesced into one `visit` call. For formats with the address at its natural position, a leaf
 * equal to the previous one plus its page size extends the run without a decode call.
 */
export function radixLeaves(
  memory: PhysicalMemory,
  format: RadixFormat,
  rootPa: number,
  visit: LeafVisitor,
): void {
  const g = format.geometry;
  const eb = g.entryBytes;
  const be = g.bigEndian;
  const natural = format.encodeLeafAddress === undefined;
  const d = decodedDescriptor();
  const baseIovaPfn = Number((g.iovaBase ?? 0n) >> 12n);
  // The pending run.
  let runIova = -1;
  let runPa = 0;
  let runCount = 0;
  let runProt = 0;
  let runAttrs = 0;
  let runShift = 0;

  const flush = (): void => {
    if (runCount > 0) visit(runIova, runPa, runCount, runProt, runAttrs, runShift);
    runCount = 0;
  };

  const emit = (
    iova: number,
    pa: number,
    count: number,
    prot: number,
    attrs: number,
    shift: number,
  ): void => {
    if (
      runCount > 0 &&
      iova === runIova + runCount &&
      pa === runPa + runCount &&
      prot === runProt &&
      attrs === runAttrs &&
      shift === runShift
    ) {
      runCount += count;
      return;
    }
    flush();
    runIova = iova;
    runPa = pa;
    runCount = count;
    runProt = prot;
    runAttrs = attrs;
    runShift = shift;
  };

  const walkTable = (tablePa: number, l: number, basePfn: number, depth: number): void => {
    const lvl = g.levels[l]!;
    const unit = 2 ** (lvl.shift - 12);
    const entries = 2 ** lvl.bits;
    const stepLo = lvl.shift < 32 ? 2 ** lvl.shift : 0;
    const stepHi = lvl.shift < 32 ? 0 : 2 ** (lvl.shift - 32);
    const fast8 = eb === 8 && !be && stepHi === 0;
    let expLo = -1; // no expectation (read words are never negative)
    let expHi = -1;
    let i = 0;
    let byte = tablePa;
    while (i < entries) {
      const pfn = Math.floor(byte / FRAME_BYTES);
      const frame = memory.peek(pfn);
      let wi = (byte - pfn * FRAME_BYTES) >>> 2;
      const m = Math.min(entries - i, (FRAME_WORDS - wi) / (eb >>> 2));
      const iEnd = i + m;
      for (; i < iEnd; i++, wi += eb >>> 2) {
        if (fast8 && expLo >= 0) {
          // Tight scan while each entry is the previous one plus one page (no carry into hi).
          let k = wi;
          let e = expLo;
          const kEnd = wi + 2 * (iEnd - i);
          const limit = TWO32 - stepLo;
          while (k < kEnd && frame[k] === e && frame[k + 1] === expHi && e < limit) {
            e += stepLo;
            k += 2;
          }
          const n = (k - wi) >>> 1;
          if (n > 0) {
            runCount += n * unit;
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
          // Same attributes, next page: extends the pending run.
          runCount += unit;
          expLo += stepLo;
          expHi += stepHi;
          if (expLo >= TWO32) {
            expLo -= TWO32;
            expHi += 1;
          }
          continue;
        }
        expLo = -1;
        if (lo === 0 && hi === 0) continue;
        format.decode(l, lo, hi, d);
        if (d.kind === DESC_TABLE) {
          if (lvl.tables && l + 1 < g.levels.length && depth < g.levels.length) {
            walkTable(d.tablePa, l + 1, basePfn + i * unit, depth + 1);
          }
          continue;
        }
        if (d.kind !== DESC_LEAF || !lvl.pageShifts.includes(d.pageShift)) continue;
        const rep = 2 ** (d.pageShift - lvl.shift);
        // A replicated copy maps its own slice of the page.
        const paPfn = d.paPfn + (i % rep) * unit;
        emit(basePfn + i * unit, paPfn, unit, d.prot, d.attrs, d.pageShift);
        if (natural && rep === 1 && (eb === 8 || lo + stepLo < TWO32)) {
          expLo = lo + stepLo;
          expHi = hi + stepHi;
          if (expLo >= TWO32) {
            expLo -= TWO32;
            expHi += 1;
          }
          if (eb === 4) expHi = 0;
        }
      }
      byte += m * eb;
    }
  };

  walkTable(rootPa, 0, baseIovaPfn, 1);
  flush();
}

/** Every table page reachable from `rootPa` (each once), with its size and level number. */
export function radixTables(
  memory: PhysicalMemory,
  format: RadixFormat,
  rootPa: number,
  visit: TableVisitor,
): void {
  const g = format.geometry;
  const w = descriptorWords();
  const d = decodedDescriptor();
  const seen = new Set<number>();
  const walkTable = (tablePa: number, l: number): void => {
    const lvl = g.levels[l]!;
    if (seen.has(tablePa)) return;
    seen.add(tablePa);
    visit(BigInt(tablePa), lvl.tableBytes, lvl.number);
    if (!lvl.tables || l + 1 >= g.levels.length) return;
    const entries = 2 ** lvl.bits;
    for (let i = 0; i < entries; i++) {
      readDescriptor(memory, tablePa + i * g.entryBytes, g.entryBytes, g.bigEndian, w);
      if (w.lo === 0 && w.hi === 0) continue;
      format.decode(l, w.lo, w.hi, d);
      if (d.kind === DESC_TABLE) walkTable(d.tablePa, l + 1);
    }
  };
  walkTable(rootPa, 0);
}

/**
 * A level-by-level text dump: each table with its IOVA span, then its valid entries; runs of
 * contiguous compatible leaves print as one line (first descriptor shown).
 */
export function radixDescribe(memory: PhysicalMemory, format: RadixFormat, rootPa: number): string {
  const g = format.geometry;
  const w = descriptorWords();
  const d = decodedDescriptor();
  const lines: string[] = [];
  const width = g.entryBytes * 2;
  const iovaBase = g.iovaBase ?? 0n;
  lines.push(
    `radix table: ${g.levels.length} level(s), ${g.entryBytes}-byte ${g.bigEndian ? "big" : "little"}-endian ` +
      `descriptors, ${g.inputBits}-bit input, ${g.outputBits}-bit output, root ${hex(rootPa)}`,
  );
  let frontier: { pa: number; basePfn: number }[] = [{ pa: rootPa, basePfn: 0 }];
  const seen = new Set<number>([rootPa]);
  for (let l = 0; l < g.levels.length && frontier.length > 0; l++) {
    const lvl = g.levels[l]!;
    const unit = 2 ** (lvl.shift - 12);
    const next: { pa: number; basePfn: number }[] = [];
    lines.push(`level ${lvl.number} (${frontier.length} table(s), ${2 ** lvl.bits} entries each)`);
    for (const t of frontier) {
      const span = BigInt(2 ** lvl.bits * unit) << 12n;
      const base = (BigInt(t.basePfn) << 12n) + iovaBase;
      lines.push(`  table ${hex(t.pa)} iova ${hex(base)}..${hex(base + span - 1n)}`);
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
        const iova = (BigInt(t.basePfn + run.first * unit) << 12n) + iovaBase;
        const n = run.last - run.first + 1;
        const idx = n === 1 ? `[${run.first}]` : `[${run.first}..${run.last}]`;
        lines.push(
          `    ${idx} iova ${hex(iova)}: ${run.desc.toString(16).padStart(width, "0")} ${run.text}` +
            (n > 1 ? ` (x${n}, contiguous)` : ""),
        );
        run = null;
      };
      for (let i = 0; i < 2 ** lvl.bits; i++) {
        readDescriptor(memory, t.pa + i * g.entryBytes, g.entryBytes, g.bigEndian, w);
        if (w.lo === 0 && w.hi === 0) {
          flush();
          continue;
        }
        format.decode(l, w.lo, w.hi, d);
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
        const iova = (BigInt(t.basePfn + i * unit) << 12n) + iovaBase;
        lines.push(
          `    [${i}] iova ${hex(iova)}: ${descriptorBigInt(w.lo, w.hi, g.entryBytes).toString(16).padStart(width, "0")} ` +
            format.describeDescriptor(l, w.lo, w.hi),
        );
        if (d.kind === DESC_TABLE && lvl.tables && !seen.has(d.tablePa)) {
          seen.add(d.tablePa);
          next.push({ pa: d.tablePa, basePfn: t.basePfn + i * unit });
        }
      }
      flush();
    }
    frontier = next;
  }
  return lines.join("\n") + "\n";
}
