/**
 * Page-frame number -> frame, for PhysicalMemory and the workers' shared view of it. Frames sit
 * in chunks of 1024 consecutive frame numbers (4 MiB of physical address space), found through a
 * small Map, and the last chunk used is remembered: table walks and fills go through the frames
 * of a pool in order, so nearly every lookup is a compare and an array index. (One Map entry per
 * frame cost ~0.3 µs a lookup at 32K frames, cache misses in its hash table: 15-20% of a proof.)
 */
const CHUNK_FRAMES = 1024;

type Chunk = (Uint32Array | undefined)[];

export class FrameIndex {
  private readonly chunks = new Map<number, Chunk>();
  /** The chunk found last and its key (-1: none; keys are never negative). */
  private lastKey = -1;
  private last: Chunk = [];
  private count = 0;

  /** Frames held. */
  get size(): number {
    return this.count;
  }

  get(pfn: number): Uint32Array | undefined {
    const key = Math.floor(pfn / CHUNK_FRAMES);
    if (key !== this.lastKey) {
      const c = this.chunks.get(key);
      if (c === undefined) return undefined;
      this.lastKey = key;
      this.last = c;
    }
    return this.last[pfn - key * CHUNK_FRAMES];
  }

  has(pfn: number): boolean {
    return this.get(pfn) !== undefined;
  }

  set(pfn: number, frame: Uint32Array): void {
    const key = Math.floor(pfn / CHUNK_FRAMES);
    let c = this.chunks.get(key);
    if (c === undefined) {
      c = new Array<Uint32Array | undefined>(CHUNK_FRAMES).fill(undefined);
      this.chunks.set(key, c);
    }
    const i = pfn - key * CHUNK_FRAMES;
    if (c[i] === undefined) this.count++;
    c[i] = frame;
    this.lastKey = key;
    this.last = c;
  }

  delete(pfn: number): void {
    const key = Math.floor(pfn / CHUNK_FRAMES);
    const c = this.chunks.get(key);
    const i = pfn - key * CHUNK_FRAMES;
    if (c === undefined || c[i] === undefined) return;
    c[i] = undefined;
    this.count--;
  }

  /** Frame numbers held, ascending. */
  pfns(): number[] {
    const out: number[] = [];
    for (const key of [...this.chunks.keys()].sort((a, b) => a - b)) {
      const c = this.chunks.get(key)!;
      for (let i = 0; i < CHUNK_FRAMES; i++)
        if (c[i] !== undefined) out.push(key * CHUNK_FRAMES + i);
    }
    return out;
  }
}
