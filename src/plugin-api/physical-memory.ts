/**
 * Simulated physical memory: sparse 4 KiB frames held in typed arrays, created on first write.
 * Only table pages are ever written; everything else reads as zero. Frames are addressed by
 * page-frame number (a plain number), so hot loops fetch a frame once per table page and then
 * index its Uint32Array directly (little-endian host order; big-endian formats swap themselves).
 */
import { FrameIndex } from "./frame-index.js";

export const FRAME_SHIFT = 12;
export const FRAME_BYTES = 4096;
export const FRAME_WORDS = 1024;

const ZERO_FRAME = new Uint32Array(FRAME_WORDS);
/** Slabs grow from 64 frames (256 KiB) to 4096 (16 MiB): small topologies stay small. */
const MIN_SLAB_FRAMES = 64;
const MAX_SLAB_FRAMES = 4096;

export class PhysicalMemory {
  private readonly frames = new FrameIndex();
  /** Where writes may go: [firstPfn, endPfn) of each pool. Empty = anywhere. */
  private readonly writable: { first: number; end: number }[] = [];
  private readonly spare: Uint32Array[] = [];
  private slab: ArrayBufferLike = new SharedArrayBuffer(0);
  private slabFrames = 0;
  private slabUsed = 0;

  /** Restrict writes to these physical ranges (the pools). */
  allowWrites(basePa: bigint, size: bigint): void {
    const first = Number(basePa >> 12n);
    const end = Number((basePa + size + 4095n) >> 12n);
    this.writable.push({ first, end });
  }

  /** The frame for writing (created zeroed on first use). */
  frame(pfn: number): Uint32Array {
    let f = this.frames.get(pfn);
    if (f === undefined) {
      if (!this.writableFrame(pfn)) {
        throw new RangeError(
          `write to physical frame 0x${(pfn * FRAME_BYTES).toString(16)} outside every pool`,
        );
      }
      f = this.newFrame();
      this.frames.set(pfn, f);
    }
    return f;
  }

  /** May frame `pfn` be written? (A loop, not `some` with a closure: once per new frame.) */
  private writableFrame(pfn: number): boolean {
    const writable = this.writable;
    if (writable.length === 0) return true;
    for (let i = 0; i < writable.length; i++) {
      if (pfn >= writable[i]!.first && pfn < writable[i]!.end) return true;
    }
    return false;
  }

  /** The frame for reading: a shared all-zero frame when never written. Never write to it. */
  peek(pfn: number): Uint32Array {
    return this.frames.get(pfn) ?? ZERO_FRAME;
  }

  has(pfn: number): boolean {
    return this.frames.has(pfn);
  }

  /** Drop a frame (its contents become zero). */
  release(pfn: number): void {
    const f = this.frames.get(pfn);
    if (f === undefined) return;
    this.frames.delete(pfn);
    this.spare.push(f);
  }

  /**
   * A zeroed frame. Frames are cut from growing slabs and released ones reused: one ArrayBuffer
   * per 4 KiB frame costs ~10 µs each in allocation and GC, a third of the time of filling a
   * large table.
   */
  private newFrame(): Uint32Array {
    const reused = this.spare.pop();
    if (reused !== undefined) return reused.fill(0);
    if (this.slabUsed === this.slabFrames) {
      this.slabFrames = Math.min(MAX_SLAB_FRAMES, Math.max(MIN_SLAB_FRAMES, this.slabFrames * 2));
      // Shared, so verification threads can read the tables without a copy.
      this.slab = new SharedArrayBuffer(this.slabFrames * FRAME_BYTES);
      this.slabUsed = 0;
    }
    return new Uint32Array(this.slab, FRAME_BYTES * this.slabUsed++, FRAME_WORDS);
  }

  /** Little-endian 32-bit read at a physical byte address (4-byte aligned). */
  read32(pa: number): number {
    const pfn = Math.floor(pa / FRAME_BYTES);
    return this.peek(pfn)[(pa - pfn * FRAME_BYTES) >>> 2]!;
  }

  write32(pa: number, value: number): void {
    const pfn = Math.floor(pa / FRAME_BYTES);
    this.frame(pfn)[(pa - pfn * FRAME_BYTES) >>> 2] = value >>> 0;
  }

  /** Little-endian 64-bit read (8-byte aligned) as BigInt: for walks and dumps, not hot loops. */
  read64(pa: bigint): bigint {
    const p = Number(pa);
    const lo = this.read32(p);
    const hi = this.read32(p + 4);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  write64(pa: bigint, value: bigint): void {
    const p = Number(pa);
    this.write32(p, Number(value & 0xffff_ffffn));
    this.write32(p + 4, Number((value >> 32n) & 0xffff_ffffn));
  }

  /** Copy `length` bytes starting at `pa` (zeros where nothing was written). */
  readBytes(pa: bigint, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let done = 0;
    let addr = Number(pa);
    while (done < length) {
      const pfn = Math.floor(addr / FRAME_BYTES);
      const off = addr - pfn * FRAME_BYTES;
      const n = Math.min(FRAME_BYTES - off, length - done);
      // Through has/peek, so a subclass with other frame storage reads the same way.
      if (this.has(pfn)) {
        const f = this.peek(pfn);
        out.set(new Uint8Array(f.buffer, f.byteOffset + off, n), done);
      }
      done += n;
      addr += n;
    }
    return out;
  }

  /** Write raw bytes (e.g. loading a pool image from `vcm compile`). */
  writeBytes(pa: bigint, bytes: Uint8Array): void {
    let done = 0;
    let addr = Number(pa);
    while (done < bytes.length) {
      const pfn = Math.floor(addr / FRAME_BYTES);
      const off = addr - pfn * FRAME_BYTES;
      const n = Math.min(FRAME_BYTES - off, bytes.length - done);
      const chunk = bytes.subarray(done, done + n);
      if (chunk.some((b) => b !== 0) || this.frames.has(pfn)) {
        const f = this.frame(pfn);
        new Uint8Array(f.buffer, f.byteOffset + off, n).set(chunk);
      }
      done += n;
      addr += n;
    }
  }

  /** Number of frames holding data. */
  get frameCount(): number {
    return this.frames.size;
  }

  /** Page-frame numbers with data, ascending. */
  framePfns(): number[] {
    return this.frames.pfns();
  }
}
