import { expect, test } from "vitest";
import { ChunkSet } from "../../src/checks/impl/chunk-set.js";

test("ChunkSet.overlaps agrees with a pairwise scan", () => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let round = 0; round < 200; round++) {
    const chunks = Array.from({ length: rnd(8) }, () => ({
      pa: BigInt(rnd(64)),
      size: BigInt(rnd(8)),
    }));
    const set = new ChunkSet(chunks);
    for (let pa = 0n; pa < 72n; pa++) {
      for (const size of [0n, 1n, 3n]) {
        const pairwise =
          size > 0n && chunks.some((c) => c.size > 0n && pa < c.pa + c.size && c.pa < pa + size);
        expect(set.overlaps(pa, size)).toBe(pairwise);
      }
    }
  }
});
