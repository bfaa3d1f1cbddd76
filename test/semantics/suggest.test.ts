import { describe, expect, it } from "vitest";
import {
  closestName,
  didYouMean,
  editDistance,
  MAX_SUGGESTION_DISTANCE,
  suggestionLimit,
} from "../../src/diagnostics/suggest.js";

/** Plain O(n*m) Levenshtein, the reference the banded version must agree with. */
function reference(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[b.length]!;
}

describe("editDistance", () => {
  it("agrees with plain Levenshtein within the limit and reports limit+1 beyond it", () => {
    // A small deterministic generator over a 3-letter alphabet, so near-misses are common.
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const word = () => Array.from({ length: rnd(9) }, () => "abc"[rnd(3)]).join("");
    for (let k = 0; k < 3000; k++) {
      const a = word();
      const b = word();
      const exact = reference(a, b);
      expect(editDistance(a, b)).toBe(exact);
      for (const limit of [0, 1, 2, 3]) {
        expect(editDistance(a, b, limit)).toBe(exact <= limit ? exact : limit + 1);
      }
    }
  });

  it("known distances", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("flaw", "lawn", 2)).toBe(2);
    expect(editDistance("flaw", "lawn", 1)).toBe(2);
  });
});

describe("suggestions are bounded", () => {
  it("allows a third of the name's length, at most a few edits", () => {
    expect(suggestionLimit("ab")).toBe(1);
    expect(suggestionLimit("abcdefghi")).toBe(3);
    expect(suggestionLimit("x".repeat(30000))).toBe(MAX_SUGGESTION_DISTANCE);
  });

  it("still suggests close names, and not far ones", () => {
    expect(didYouMean("dram0", ["dram", "sram", "iommu"])).toBe("did you mean 'dram'?");
    expect(closestName("frame_buffer", ["frame_bufer", "frame"])).toBe("frame_bufer");
    expect(closestName("abcdefghijkl", ["abcdefgh"])).toBeUndefined(); // 4 edits > 3
  });

  // The fuzz-found case: two long hyphen-free names of 32K and 24K characters used to cost
  // 32K*24K cells. Now the length gap alone rules it out, and equal-length long names cost a
  // band of 2*3+1 cells per row; the operation count is bounded by comparing against a
  // name 4x longer, whose cost must grow by no more than ~4x (a size ratio, not a timing).
  it("two very long names cost linear work (fuzz regression)", () => {
    const a = "r".repeat(32768);
    const b = "s".repeat(24576);
    expect(closestName(a, [b])).toBeUndefined();
    const near = "m-".repeat(16384);
    const nearer = near.slice(0, -1) + "x";
    expect(closestName(near, [nearer])).toBe(nearer);
  });

  it("the cost of one comparison grows linearly with name length", () => {
    const cells = (n: number) => {
      let count = 0;
      const a = "ab".repeat(n);
      const b = "ba".repeat(n);
      const counted = new Proxy(String.prototype.charCodeAt, {
        apply(target, self, args) {
          count++;
          return Reflect.apply(target, self, args);
        },
      });
      const original = String.prototype.charCodeAt;
      String.prototype.charCodeAt = counted;
      try {
        editDistance(a, b, MAX_SUGGESTION_DISTANCE);
        editDistance(a, a, MAX_SUGGESTION_DISTANCE);
      } finally {
        String.prototype.charCodeAt = original;
      }
      return count;
    };
    const small = cells(1000);
    const large = cells(4000);
    expect(small).toBeGreaterThan(0);
    expect(large / small).toBeLessThan(4.5);
  });
});
