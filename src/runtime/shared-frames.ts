/**
 * The simulated physical memory handed to worker threads without a copy per worker: the frames
 * are copied once into one SharedArrayBuffer, and each worker reads them through a read-only
 * PhysicalMemory whose frames are views into that buffer.
 */
import { FRAME_BYTES, FRAME_WORDS, PhysicalMemory } from "../plugin-api/physical-memory.js";

export interface SharedFrames {
  /** Frame i of `words` holds the 4 KiB at page-frame number `pfns[i]`. */
  words: SharedArrayBuffer;
  /** Ascending page-frame numbers (Float64: frame numbers exceed 2^32 above 16 TiB). */
  pfns: SharedArrayBuffer;
}

export function shareFrames(memory: PhysicalMemory): SharedFrames {
  const list = memory.framePfns();
  const pfns = new SharedArrayBuffer(list.length * 8);
  new Float64Array(pfns).set(list);
  const words = new SharedArrayBuffer(list.length * FRAME_BYTES);
  const all = new Uint32Array(words);
  list.forEach((pfn, i) => all.set(memory.peek(pfn), i * FRAME_WORDS));
  return { words, pfns };
}

const ZERO_FRAME = new Uint32Array(FRAME_WORDS);

const readOnly = (): never => {
  throw new Error("the shared table memory of a verification worker is read-only");
};

/** A PhysicalMemory over shared frames. Proofs only read; any write throws. */
export class SharedFrameMemory extends PhysicalMemory {
  private readonly views = new Map<number, Uint32Array>();

  constructor(shared: SharedFrames) {
    super();
    const pfns = new Float64Array(shared.pfns);
    for (let i = 0; i < pfns.length; i++) {
      this.views.set(pfns[i]!, new Uint32Array(shared.words, i * FRAME_BYTES, FRAME_WORDS));
    }
  }

  override peek(pfn: number): Uint32Array {
    return this.views.get(pfn) ?? ZERO_FRAME;
  }

  override has(pfn: number): boolean {
    return this.views.has(pfn);
  }

  override frame(_pfn: number): Uint32Array {
    return readOnly();
  }

  override release(_pfn: number): void {
    readOnly();
  }

  override allowWrites(_basePa: bigint, _size: bigint): void {
    readOnly();
  }

  override writeBytes(_pa: bigint, _bytes: Uint8Array): void {
    readOnly();
  }

  override readBytes(pa: bigint, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let done = 0;
    let addr = Number(pa);
    while (done < length) {
      const pfn = Math.floor(addr / FRAME_BYTES);
      const off = addr - pfn * FRAME_BYTES;
      const n = Math.min(FRAME_BYTES - off, length - done);
      const f = this.views.get(pfn);
      if (f) out.set(new Uint8Array(f.buffer, f.byteOffset + off, n), done);
      done += n;
      addr += n;
    }
    return out;
  }

  override get frameCount(): number {
    return this.views.size;
  }

  override framePfns(): number[] {
    return [...this.views.keys()].sort((a, b) => a - b);
  }
}
