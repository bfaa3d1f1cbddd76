import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RegionPlacer } from "../../src/semantics/placement.js";

/** The plain first fit the placer must agree with: scan every hole from the start, every time. */
class NaivePlacer {
  private holes: { start: bigint; end: bigint }[];
  constructor(base: bigint, size: bigint) {
    this.holes = [{ start: base, end: base + size }];
  }
  place(size: bigint, align: bigint): bigint | undefined {
    for (let i = 0; i < this.holes.length; i++) {
      const h = this.holes[i]!;
      const start = ((h.start + align - 1n) / align) * align;
      if (start + size > h.end) continue;
      const pieces = [];
      if (start > h.start) pieces.push({ start: h.start, end: start });
      if (start + size < h.end) pieces.push({ start: start + size, end: h.end });
      this.holes.splice(i, 1, ...pieces);
      return start;
    }
    return undefined;
  }
}

describe("RegionPlacer", () => {
  it("places exactly as a plain first fit over the holes, request after request", () => {
    const request = fc.record({
      size: fc.constantFrom(4096n, 65536n, 1n << 20n, 2n << 20n, 12288n),
      align: fc.constantFrom(4096n, 65536n, 2n << 20n),
    });
    fc.assert(
      fc.property(fc.array(request, { maxLength: 300 }), (requests) => {
        const base = 0x8000_0000n;
        const size = 64n << 20n;
        const fast = new RegionPlacer(base, size);
        const naive = new NaivePlacer(base, size);
        for (const r of requests)
          expect(fast.place(r.size, r.align)).toBe(naive.place(r.size, r.align));
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 100) },
    );
  });

  it("keeps finding space after an earlier hole is used up exactly", () => {
    const placer = new RegionPlacer(0n, 16n << 20n);
    placer.reserve(0x1000n, (2n << 20n) - 0x1000n); // holes: [0, 4K) and [2M, 16M)
    expect(placer.place(2n << 20n, 2n << 20n)).toBe(2n << 20n);
    expect(placer.place(0x1000n, 0x1000n)).toBe(0n); // fills the first hole exactly
    expect(placer.place(2n << 20n, 2n << 20n)).toBe(4n << 20n);
  });
});
