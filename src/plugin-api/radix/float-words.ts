/**
 * 8-byte little-endian descriptors read and written as float64 bit patterns, so the hot loops
 * (map's leaf fill, the proof's leaf scan) do one load or store per entry instead of two 32-bit
 * ones.
 *
 * Why the arithmetic is exact: adding k * 2^12 to a descriptor's low word, with no carry into the
 * high word, adds k * 2^12 units in the last place to the double with those 64 bits. The high
 * word holds the sign, the exponent and the top of the mantissa, so while it is unchanged the
 * doubles of a run of descriptors a page apart are `step` apart, with `step` a power of two of
 * that binade's spacing, and each addition is exact (normal and subnormal alike). The callers
 * keep every run below the carry into the high word. Two patterns are excluded: an all-ones
 * exponent (NaN or infinity: NaN never compares equal, and may be canonicalised when stored),
 * and zero (+0 and -0 compare equal; a leaf descriptor is never zero).
 */
const scratch = new Float64Array(1);
const scratchWords = new Uint32Array(scratch.buffer);

/** The spacing of doubles by biased exponent (subnormals as exponent 1); 0 for NaN/infinity. */
const ULP = Float64Array.from({ length: 2048 }, (_, e) =>
  e === 0x7ff ? 0 : 2 ** (Math.max(e, 1) - 1075),
);

/** True on little-endian hosts, where a Float64Array over a frame pairs words (lo, hi). */
export const FLOAT_WORDS_USABLE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The double with bits hi:lo. */
export function wordsAsFloat(lo: number, hi: number): number {
  scratchWords[0] = lo;
  scratchWords[1] = hi;
  return scratch[0]!;
}

/**
 * The float distance between descriptors whose low words differ by `loStep` (a power of two
 * below 2^32) and whose high word is `hi`; 0 when the pattern is NaN/infinity.
 */
export function floatStep(hi: number, loStep: number): number {
  const ulp = ULP[(hi >>> 20) & 0x7ff]!;
  return (hi >>> 31 === 0 ? loStep : -loStep) * ulp;
}

/**
 * Float64 views of the buffers that frames live in, one view per buffer (frames are cut from a
 * few large slabs), so a loop can address a frame's entries as view[first + i].
 */
export class FloatViews {
  private buffer: ArrayBufferLike | null = null;
  private view: Float64Array<ArrayBufferLike> = new Float64Array(0);

  /** The view over `frame`'s buffer, or null when the frame is not 8-byte aligned. */
  of(frame: Uint32Array): Float64Array<ArrayBufferLike> | null {
    if ((frame.byteOffset & 7) !== 0) return null;
    const buffer = frame.buffer;
    if (buffer !== this.buffer) {
      this.buffer = buffer;
      this.view = new Float64Array(buffer, 0, Math.floor(buffer.byteLength / 8));
    }
    return this.view;
  }
}
