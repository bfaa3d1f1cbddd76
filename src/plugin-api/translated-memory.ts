/**
 * Memory seen through a translation: a `PhysicalMemory` whose frame numbers are input frames
 * (a VM's guest-physical IPA frames) turned into frames of the underlying memory by `translate`
 * (the VM's stage 2). A plugin handed one writes and reads a nested stage-1 table exactly as it
 * would a plain one: its table pointers and leaves hold IPAs while the bytes sit in host frames,
 * as the SMMU sees them when it walks stage 1 through stage 2 (Arm ARM D8.2, "stage 2 translation
 * of stage 1 table walks"). An input frame the translation does not map reads as zero (the walk
 * faults there: nothing below it is reached) and is reported to `missed`; writing it throws.
 */
import { FRAME_BYTES, PhysicalMemory } from "./physical-memory.js";

/** Input frame -> frame of the underlying memory, or undefined where nothing is mapped. */
export type FrameTranslation = (inputPfn: number) => number | undefined;

export class TranslatedMemory extends PhysicalMemory {
  constructor(
    readonly underlying: PhysicalMemory,
    private readonly translate: FrameTranslation,
    /** Told of every unmapped input frame a read touched (a stage-2 fault on a table walk). */
    private readonly missed?: (inputPfn: number) => void,
  ) {
    super();
  }

  override frame(pfn: number): Uint32Array {
    const to = this.translate(pfn);
    if (to === undefined)
      throw new RangeError(
        `write to input frame 0x${(pfn * FRAME_BYTES).toString(16)}, which the translation does not map`,
      );
    return this.underlying.frame(to);
  }

  override peek(pfn: number): Uint32Array {
    const to = this.translate(pfn);
    if (to === undefined) {
      this.missed?.(pfn);
      // The base class holds no frames of its own: this is the shared zero frame.
      return super.peek(pfn);
    }
    return this.underlying.peek(to);
  }

  override has(pfn: number): boolean {
    const to = this.translate(pfn);
    if (to === undefined) {
      this.missed?.(pfn);
      return false;
    }
    return this.underlying.has(to);
  }

  override release(pfn: number): void {
    const to = this.translate(pfn);
    if (to !== undefined) this.underlying.release(to);
  }
}
