/**
 * Reading and writing one descriptor of a radix table in simulated physical memory, with the
 * format's width and byte order. Used off the hot paths (walks, splits, single entries); the hot
 * loops in the engine and reader index frames directly.
 */
import { FRAME_BYTES, type PhysicalMemory } from "../physical-memory.js";
import type { DescriptorWords } from "./format.js";

export function bswap32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

/** Read the descriptor at byte address `pa` into `out` (logical value, byte order undone). */
export function readDescriptor(
  memory: PhysicalMemory,
  pa: number,
  entryBytes: 4 | 8,
  bigEndian: boolean,
  out: DescriptorWords,
): void {
  const pfn = Math.floor(pa / FRAME_BYTES);
  const w = (pa - pfn * FRAME_BYTES) >>> 2;
  const frame = memory.peek(pfn);
  if (entryBytes === 4) {
    out.lo = bigEndian ? bswap32(frame[w]!) : frame[w]!;
    out.hi = 0;
  } else if (bigEndian) {
    out.hi = bswap32(frame[w]!);
    out.lo = bswap32(frame[w + 1]!);
  } else {
    out.lo = frame[w]!;
    out.hi = frame[w + 1]!;
  }
}

/** Write a logical descriptor at byte address `pa`. */
export function writeDescriptor(
  memory: PhysicalMemory,
  pa: number,
  entryBytes: 4 | 8,
  bigEndian: boolean,
  lo: number,
  hi: number,
): void {
  const pfn = Math.floor(pa / FRAME_BYTES);
  const w = (pa - pfn * FRAME_BYTES) >>> 2;
  const frame = memory.frame(pfn);
  if (entryBytes === 4) {
    frame[w] = bigEndian ? bswap32(lo >>> 0) : lo >>> 0;
  } else if (bigEndian) {
    frame[w] = bswap32(hi >>> 0);
    frame[w + 1] = bswap32(lo >>> 0);
  } else {
    frame[w] = lo >>> 0;
    frame[w + 1] = hi >>> 0;
  }
}

/** The logical descriptor as a BigInt (for walk steps and dumps only). */
export function descriptorBigInt(lo: number, hi: number, entryBytes: 4 | 8): bigint {
  return entryBytes === 4 ? BigInt(lo >>> 0) : (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Zero `bytes` bytes of table memory at `pa`, dropping whole frames so memory stays sparse. */
export function zeroTable(memory: PhysicalMemory, pa: number, bytes: number): void {
  let addr = pa;
  const end = pa + bytes;
  while (addr < end) {
    const pfn = Math.floor(addr / FRAME_BYTES);
    const off = addr - pfn * FRAME_BYTES;
    const n = Math.min(FRAME_BYTES - off, end - addr);
    if (off === 0 && n === FRAME_BYTES) memory.release(pfn);
    else if (memory.has(pfn)) memory.frame(pfn).fill(0, off >>> 2, (off + n) >>> 2);
    addr += n;
  }
}
