/**
 * The leaf scan compares 8-byte little-endian descriptors as doubles (radix/float-words.ts) and
 * carries its expected next descriptor from one table to the next. Checked here against the bit
 * patterns that behave oddly as doubles (zero and subnormal high words, the sign bit, the largest
 * exponents, infinity and NaN), for runs inside a table, across tables, and broken by a hole or
 * a changed entry. map's leaf fill stores them as doubles too: the same patterns, written and
 * read back word by word.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  DESC_INVALID,
  DESC_LEAF,
  DESC_TABLE,
  PROT_READ,
  PhysicalMemory,
  PoolAllocator,
  RadixTable,
  type RadixFormat,
} from "../../src/plugin-api/index.js";
import { floatStep, wordsAsFloat } from "../../src/plugin-api/radix/float-words.js";
import { radixLeaves } from "../../src/plugin-api/radix/leaves.js";

const PATTERNS = [
  0, 1, 0x000f_ffff, 0x0010_0000, 0x0060_0000, 0x7fef_ffff, 0x7ff0_0000, 0x7ff8_0000, 0x7fff_ffff,
  0x8000_0000, 0x8010_0000, 0xfff0_0000, 0xfff8_0000, 0xffff_ffff,
];

describe("descriptors as doubles", () => {
  test("a run of descriptors a step apart is a run of doubles floatStep apart", () => {
    const hi = fc.oneof(fc.constantFrom(...PATTERNS), fc.integer({ min: 0, max: 0xffff_ffff }));
    fc.assert(
      fc.property(hi, fc.integer({ min: 12, max: 31 }), fc.nat(), fc.nat(600), (h, shift, s, n) => {
        const step = 2 ** shift;
        const exponent = (h >>> 20) & 0x7ff;
        if (exponent === 0x7ff) {
          expect(floatStep(h, step) === 0).toBe(true); // NaN/infinity: no float scan
          return;
        }
        // A non-zero first descriptor with room for n more steps before a carry into hi.
        const slots = Math.floor(2 ** 32 / step) - n;
        if (slots < 1) return;
        const lo0 = (s % slots) * step + 1;
        let x = wordsAsFloat(lo0, h);
        const d = floatStep(h, step);
        for (let k = 1; k <= n; k++) x += d;
        expect(Object.is(x, wordsAsFloat(lo0 + n * step, h))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

/**
 * Two levels of 512 8-byte little-endian entries: level 0 entries with bits 1:0 = 11 point to a
 * table at bits 31:12; level 1 entries with bit 0 set map the 4K frame at bits 31:12, the whole
 * high word being an attribute pattern (reported as attrs).
 */
const format: RadixFormat = {
  geometry: {
    entryBytes: 8,
    bigEndian: false,
    inputBits: 30,
    outputBits: 32,
    levels: [
      {
        number: 0,
        shift: 21,
        bits: 9,
        tableBytes: 4096,
        tableAlign: 4096,
        pageShifts: [],
        tables: true,
      },
      {
        number: 1,
        shift: 12,
        bits: 9,
        tableBytes: 4096,
        tableAlign: 4096,
        pageShifts: [12],
        tables: false,
      },
    ],
  },
  leafTemplate: () => {
    throw new Error("not used");
  },
  tableDescriptor: () => {
    throw new Error("not used");
  },
  decode(level, lo, hi, out) {
    if (level === 0 && (lo & 3) === 3) {
      out.kind = DESC_TABLE;
      out.tablePa = (lo & ~0xfff) >>> 0;
      return;
    }
    if (level === 1 && (lo & 1) === 1) {
      out.kind = DESC_LEAF;
      out.pageShift = 12;
      out.paPfn = lo >>> 12;
      out.prot = PROT_READ;
      out.attrs = hi >>> 0;
      return;
    }
    out.kind = DESC_INVALID;
  },
  describeDescriptor: () => "",
};

interface Run {
  iova: number;
  pa: number;
  count: number;
  attrs: number;
}

function scan(memory: PhysicalMemory): Run[] {
  const runs: Run[] = [];
  radixLeaves(memory, format, 0x10000, (iova, pa, count, _prot, attrs) =>
    runs.push({ iova, pa, count, attrs }),
  );
  return runs;
}

describe("the leaf scan with every kind of high word", () => {
  for (const hi of PATTERNS) {
    test(`high word 0x${hi.toString(16)}`, () => {
      const memory = new PhysicalMemory();
      const root = memory.frame(0x10);
      // Level-0 entries 0, 1 and 3 (2 is a hole) point to leaf tables at frames 0x11..0x13.
      for (const [i, t] of [
        [0, 0x11],
        [1, 0x12],
        [3, 0x13],
      ] as const)
        root[2 * i] = (t << 12) | 3;
      // Frames 0x1000.. in a row through tables 0x11 and 0x12 (one run across the tables), then
      // table 0x13 (after the hole) continuing the addresses, with entry 100 moved elsewhere.
      let pa = 0x1000;
      for (const t of [0x11, 0x12, 0x13]) {
        const table = memory.frame(t);
        for (let i = 0; i < 512; i++, pa++) {
          table[2 * i] = ((t === 0x13 && i === 100 ? 0x9000 : pa) << 12) | 1;
          table[2 * i + 1] = hi;
        }
      }
      expect(scan(memory)).toEqual([
        { iova: 0, pa: 0x1000, count: 1024, attrs: hi },
        { iova: 3 * 512, pa: 0x1400, count: 100, attrs: hi },
        { iova: 3 * 512 + 100, pa: 0x9000, count: 1, attrs: hi },
        { iova: 3 * 512 + 101, pa: 0x1400 + 101, count: 411, attrs: hi },
      ]);
    });
  }

  test("a run does not continue into a table whose high words differ", () => {
    const memory = new PhysicalMemory();
    const root = memory.frame(0x10);
    root[0] = (0x11 << 12) | 3;
    root[2] = (0x12 << 12) | 3;
    for (const [t, hi] of [
      [0x11, 0x0060_0000],
      [0x12, 0x0060_0001],
    ] as const) {
      const table = memory.frame(t);
      for (let i = 0; i < 512; i++) {
        table[2 * i] = ((0x1000 + (t - 0x11) * 512 + i) << 12) | 1;
        table[2 * i + 1] = hi;
      }
    }
    expect(scan(memory)).toEqual([
      { iova: 0, pa: 0x1000, count: 512, attrs: 0x0060_0000 },
      { iova: 512, pa: 0x1200, count: 512, attrs: 0x0060_0001 },
    ]);
  });
});

describe("the fill with every kind of high word", () => {
  /**
   * Two levels as above, 48-bit output; a leaf is template | pa. The template's high word is the
   * map's attrs (the pattern); its low word is attrs2: bit 0 alone, or with bits above 11 too
   * (or-ed with the address, so the fill must not add to it as a double).
   */
  const fillFormat: RadixFormat = {
    ...format,
    geometry: { ...format.geometry, outputBits: 48 },
    leafTemplate(_level, _pageShift, _prot, attrs, out) {
      out.lo = attrs >= 2 ** 32 ? 0x00f0_0001 : 1;
      out.hi = attrs % 2 ** 32;
    },
    tableDescriptor(_level, pa, out) {
      out.lo = (pa | 3) >>> 0;
      out.hi = 0;
    },
  };

  for (const hi of PATTERNS) {
    for (const oddLow of [false, true]) {
      test(`high word 0x${hi.toString(16)}${oddLow ? ", template bits above bit 11" : ""}`, () => {
        const memory = new PhysicalMemory();
        const pool = new PoolAllocator("p", 0x10000n, 1n << 20n);
        const table = new RadixTable(memory, pool, fillFormat, {
          params: {},
          name: "t",
          domainId: 1,
          aperture: { base: 0n, size: 1n << 30n },
        });
        // 1100 pages from entry 300 of the first leaf table (three tables), the address
        // carrying into the high word 40 pages in.
        const paPfn = 2 ** 20 - 40;
        const lo = oddLow ? 0x00f0_0001 : 1;
        table.map(
          300n << 12n,
          BigInt(paPfn) << 12n,
          4096n,
          1100,
          PROT_READ,
          hi + (oddLow ? 2 ** 32 : 0),
        );
        const root = table.rootPa;
        for (let k = 0; k < 1100; k++) {
          const e = 300 + k;
          const leafTable = memory.peek(root / 4096)[2 * Math.floor(e / 512)]! >>> 12;
          const words = memory.peek(leafTable);
          const pfn = paPfn + k;
          const want = [
            (lo | ((pfn % 2 ** 20) << 12)) >>> 0,
            (hi | Math.floor(pfn / 2 ** 20)) >>> 0,
          ];
          expect([words[2 * (e % 512)], words[2 * (e % 512) + 1]], `entry ${e}`).toEqual(want);
        }
      });
    }
  }
});
