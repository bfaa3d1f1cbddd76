import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ADDRESS_LIMIT, IovaAllocator } from "../../src/lowering/iova-allocator.js";

const M2 = 1n << 21n;

describe("IovaAllocator", () => {
  it("hands out the lowest free address congruent to the anchor", () => {
    const a = new IovaAllocator(0x1000n, 1n << 32n);
    expect(a.allocate(0x3000n, 4096n, 0x8000_0000n)).toBe(0x1000n);
    expect(a.allocate(4n << 20n, M2, 0x8040_0000n)).toBe(M2);
    // Congruent, not aligned: PA 2M + 4K gets IOVA 2M-phase 4K.
    expect(a.allocate(4n << 20n, M2, 0x8020_1000n)).toBe(0x60_1000n);
  });

  it("skips reserved ranges", () => {
    const a = new IovaAllocator(0n, 1n << 32n);
    a.reserve(0n, 0x10_0000n);
    a.reserve(0xfee0_0000n, 0x10_0000n);
    expect(a.allocate(0x1000n, 4096n, 0n)).toBe(0x10_0000n);
    const b = new IovaAllocator(0xfe00_0000n, 0x200_0000n);
    b.reserve(0xfee0_0000n, 0x10_0000n);
    expect(b.allocate(0xe0_0000n, 4096n, 0n)).toBe(0xfe00_0000n);
    expect(b.allocate(0x20_0000n, 4096n, 0n)).toBe(0xfef0_0000n);
    expect(b.allocate(0x20_0000n, 4096n, 0n)).toBe(0xff10_0000n);
  });

  it("returns undefined when no aligned range is big enough", () => {
    const a = new IovaAllocator(0n, 0x40_0000n);
    a.reserve(0x10_0000n, 0x1000n);
    expect(a.allocate(0x40_0000n, 4096n, 0n)).toBeUndefined();
    expect(a.allocate(0x30_0000n, M2, 0n)).toBeUndefined();
    expect(a.allocate(0x2f_f000n, 4096n, 0n)).toBe(0x10_1000n);
  });

  it("clips an aperture at 2^64 and allocates up to the very end", () => {
    const a = new IovaAllocator(ADDRESS_LIMIT - 0x2000n, 0x4000n);
    expect(a.freeBytes).toBe(0x2000n);
    expect(a.allocate(0x2000n, 4096n, 0n)).toBe(ADDRESS_LIMIT - 0x2000n);
    expect(a.allocate(0x1000n, 4096n, 0n)).toBeUndefined();
  });

  it("gives released ranges back and merges them", () => {
    const a = new IovaAllocator(0n, 0x10_000n);
    const x = a.allocate(0x8000n, 4096n, 0n)!;
    const y = a.allocate(0x8000n, 4096n, 0n)!;
    expect(a.freeBytes).toBe(0n);
    a.release(x, 0x8000n);
    a.release(y, 0x8000n);
    expect(a.ranges()).toEqual([{ start: 0n, end: 0x10_000n }]);
  });
});

describe("IovaAllocator (random)", () => {
  const RUNS = Number(process.env["FUZZ_RUNS"] ?? 200);
  it("never hands out reserved or overlapping ranges, and keeps the congruence", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 16 })), {
          maxLength: 8,
        }),
        fc.array(
          fc.tuple(
            fc.integer({ min: 1, max: 64 }),
            fc.constantFrom(4096n, 0x10000n, M2),
            fc.integer({ min: 0, max: 1 << 20 }),
          ),
          { maxLength: 30 },
        ),
        (reserved, requests) => {
          const base = 0x10_0000n;
          const size = 0x100_0000n;
          const a = new IovaAllocator(base, size);
          const taken: [bigint, bigint][] = [];
          for (const [at, pages] of reserved) {
            const r: [bigint, bigint] = [base + BigInt(at) * 0x1_0000n, BigInt(pages) * 4096n];
            a.reserve(r[0], r[1]);
            taken.push(r);
          }
          for (const [pages, align, anchorPages] of requests) {
            const bytes = BigInt(pages) * 4096n;
            const anchor = BigInt(anchorPages) * 4096n;
            const x = a.allocate(bytes, align, anchor);
            if (x === undefined) continue;
            expect(x >= base && x + bytes <= base + size).toBe(true);
            expect((x - anchor) % align).toBe(0n);
            for (const [b, s] of taken) expect(x + bytes <= b || x >= b + s).toBe(true);
            taken.push([x, bytes]);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
