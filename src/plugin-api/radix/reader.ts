/**
 * Everything the engine does from the bytes in memory alone (no bookkeeping): walk one address,
 * enumerate leaves (coalesced, for the runtime verifier's proofs), enumerate table pages, dump.
 * Tables are followed wherever their descriptors point, so a corrupted table is read as it is.
 */
import { FRAME_BYTES, type PhysicalMemory } from "../physical-memory.js";
import type { TableVisitor, WalkResult, WalkStep } from "../types.js";
import {
  DESC_INVALID,
  DESC_LEAF,
  DESC_TABLE,
  decodedDescriptor,
  descriptorWords,
  type RadixFormat,
} from "./format.js";
import { descriptorBigInt, readDescriptor } from "./memory-words.js";

export { radixLeaves } from "./leaves.js";

/**
 * Entries of a table from entry `i` to the end of its frame (or of the table), and whether that
 * frame holds anything: frames never written read as zero and are skipped whole.
 */
function frameChunk(
  memory: PhysicalMemory,
  tablePa: number,
  i: number,
  entries: number,
  entryBytes: number,
): { count: number; present: boolean } {
  const addr = tablePa + i * entryBytes;
  const pfn = Math.floor(addr / FRAME_BYTES);
  const count = Math.min(entries - i, (FRAME_BYTES - (addr - pfn * FRAME_BYTES)) / entryBytes);
  return { count, present: memory.has(pfn) };
}

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
    for (let i = 0; i < entries;) {
      const chunk = frameChunk(memory, tablePa, i, entries, g.entryBytes);
      const end = i + chunk.count;
      if (!chunk.present) {
        i = end;
        continue;
      }
      for (; i < end; i++) {
        readDescriptor(memory, tablePa + i * g.entryBytes, g.entryBytes, g.bigEndian, w);
        if (w.lo === 0 && w.hi === 0) continue;
        format.decode(l, w.lo, w.hi, d);
        if (d.kind === DESC_TABLE) walkTable(d.tablePa, l + 1);
      }
    }
  };
  walkTable(rootPa, 0);
}

/**
 * A level-by-level text dump: each table with its IOVA span, then its valid entries; runs of
 * contiguous compatible leaves print as one line (first descriptor shown).
 */
/** Lines listed per level in a dump; the rest are counted, not listed. */
export const DESCRIBE_LINES_PER_LEVEL = 4096;

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
    // Past the first lines of a level only the walk goes on: the dump stays readable and its
    // size bounded however many leaves there are (the pool image holds every byte).
    let emitted = 0;
    let omitted = 0;
    const emit = (line: string): void => {
      if (emitted < DESCRIBE_LINES_PER_LEVEL) lines.push(line);
      else omitted++;
      emitted++;
    };
    for (const t of frontier) {
      const span = BigInt(2 ** lvl.bits * unit) << 12n;
      const base = (BigInt(t.basePfn) << 12n) + iovaBase;
      emit(`  table ${hex(t.pa)} iova ${hex(base)}..${hex(base + span - 1n)}`);
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
        emit(
          `    ${idx} iova ${hex(iova)}: ${run.desc.toString(16).padStart(width, "0")} ${run.text}` +
            (n > 1 ? ` (x${n}, contiguous)` : ""),
        );
        run = null;
      };
      const entries = 2 ** lvl.bits;
      let chunkEnd = 0;
      for (let i = 0; i < entries; i++) {
        if (i === chunkEnd) {
          const chunk = frameChunk(memory, t.pa, i, entries, g.entryBytes);
          chunkEnd = i + chunk.count;
          if (!chunk.present) {
            flush();
            i = chunkEnd - 1;
            continue;
          }
        }
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
        emit(
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
    if (omitted > 0) {
      lines.push(
        `  ... ${omitted} more line(s) at this level not listed ` +
          `(the pool image holds every table; \`vcm explain\` decodes any address)`,
      );
    }
    frontier = next;
  }
  return lines.join("\n") + "\n";
}
