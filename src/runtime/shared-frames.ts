/**
 * The simulated physical memory handed to worker threads without a copy per worker: each worker
 * reads the frames through a read-only PhysicalMemory whose frames are views into shared
 * buffers. When the memory's own frames already live in SharedArrayBuffers, those are shared as
 * they are (no copy at all); otherwise the frames are copied once into one SharedArrayBuffer.
 */
import { FrameIndex } from "../plugin-api/frame-index.js";
import { FRAME_BYTES, FRAME_WORDS, PhysicalMemory } from "../plugin-api/physical-memory.js";

export interface SharedFrames {
  /** The buffers holding the frames. */
  buffers: SharedArrayBuffer[];
  /** Ascending page-frame numbers (Float64: frame numbers exceed 2^32 above 16 TiB). */
  pfns: SharedArrayBuffer;
  /** For frame i: index into `buffers` (Int32) and byte offset in it (Float64). */
  buffer: SharedArrayBuffer;
  offset: SharedArrayBuffer;
}

/**
 * Where the frames of `memory` will be, and the copy into there as a separate step (a no-op when
 * nothing needs copying): the caller can start the workers first and copy while they boot (they
 * wait for it before reading).
 */
export function allocateFrames(memory: PhysicalMemory): { shared: SharedFrames; fill(): void } {
  const list = memory.framePfns();
  const n = list.length;
  const shared: SharedFrames = {
    buffers: [],
    pfns: new SharedArrayBuffer(n * 8),
    buffer: new SharedArrayBuffer(n * 4),
    offset: new SharedArrayBuffer(n * 8),
  };
  new Float64Array(shared.pfns).set(list);
  const buffer = new Int32Array(shared.buffer);
  const offset = new Float64Array(shared.offset);
  const views = list.map((pfn) => memory.peek(pfn));
  if (views.every((v) => v.buffer instanceof SharedArrayBuffer)) {
    const index = new Map<SharedArrayBuffer, number>();
    views.forEach((v, i) => {
      const sab = v.buffer as SharedArrayBuffer;
      let b = index.get(sab);
      if (b === undefined) index.set(sab, (b = shared.buffers.push(sab) - 1));
      buffer[i] = b;
      offset[i] = v.byteOffset;
    });
    return { shared, fill: () => {} };
  }
  const words = new SharedArrayBuffer(n * FRAME_BYTES);
  shared.buffers.push(words);
  for (let i = 0; i < n; i++) offset[i] = i * FRAME_BYTES;
  const fill = () => {
    const all = new Uint32Array(words);
    views.forEach((v, i) => all.set(v, i * FRAME_WORDS));
  };
  return { shared, fill };
}

export function shareFrames(memory: PhysicalMemory): SharedFrames {
  const { shared, fill } = allocateFrames(memory);
  fill();
  return shared;
}

const ZERO_FRAME = new Uint32Array(FRAME_WORDS);

const readOnly = (): never => {
  throw new Error("the shared table memory of a verification worker is read-only");
};

/** A PhysicalMemory over shared frames. Proofs only read; any write throws. */
export class SharedFrameMemory extends PhysicalMemory {
  private readonly views = new FrameIndex();

  constructor(shared: SharedFrames) {
    super();
    const pfns = new Float64Array(shared.pfns);
    const buffer = new Int32Array(shared.buffer);
    const offset = new Float64Array(shared.offset);
    for (let i = 0; i < pfns.length; i++) {
      const sab = shared.buffers[buffer[i]!]!;
      this.views.set(pfns[i]!, new Uint32Array(sab, offset[i]!, FRAME_WORDS));
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

  override get frameCount(): number {
    return this.views.size;
  }

  override framePfns(): number[] {
    return this.views.pfns();
  }
}
