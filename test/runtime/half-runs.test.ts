/** Leaf runs moved from table input pages to the canonical pages of each half, cut at the edges. */
import { describe, expect, it } from "vitest";
import type { CompiledHalf } from "../../src/lowering/compiled.js";
import { intentInHalf, reachInHalf } from "../../src/runtime/half-runs.js";
import { RunList } from "../../src/runtime/run-list.js";

const HALF = 2 ** 35; // 2^47 bytes in 4K pages: one x86-64 4-level half
const lower: CompiledHalf = { half: "lower", base: 0n, size: 1n << 47n, input: 0n };
const upper: CompiledHalf = {
  half: "upper",
  base: 0xffff_8000_0000_0000n,
  size: 1n << 47n,
  input: 1n << 47n,
};
const UPPER_PFN = 2 ** 52 - HALF;

function runs(list: RunList): number[][] {
  return Array.from({ length: list.length }, (_, i) => [
    list.iova[i]!,
    list.pa[i]!,
    list.count[i]!,
    list.prot[i]!,
  ]);
}

describe("half runs", () => {
  it("a run crossing PML4 entry 255 into 256 is cut: its tail is the upper half's first page", () => {
    const reach = new RunList();
    reach.push(HALF - 1, 0x100, 2, 3);
    expect(runs(reachInHalf(reach, lower))).toEqual([[HALF - 1, 0x100, 1, 3]]);
    expect(runs(reachInHalf(reach, upper))).toEqual([[UPPER_PFN, 0x101, 1, 3]]);
  });

  it("upper-half input pages move to 0xffff8..., lower-half ones stay", () => {
    const reach = new RunList();
    reach.push(0x400, 0x10, 4, 1);
    reach.push(HALF + 0x10, 0x20, 1, 1);
    expect(runs(reachInHalf(reach, lower))).toEqual([[0x400, 0x10, 4, 1]]);
    expect(runs(reachInHalf(reach, upper))).toEqual([[UPPER_PFN + 0x10, 0x20, 1, 1]]);
  });

  it("intent (already canonical) is only cut to the half, never moved", () => {
    const intent = new RunList();
    intent.push(0x10, 0x1, 1, 1, 7);
    intent.push(UPPER_PFN + 5, 0x2, 2, 3, 8);
    expect(runs(intentInHalf(intent, lower))).toEqual([[0x10, 0x1, 1, 1]]);
    const up = intentInHalf(intent, upper);
    expect(runs(up)).toEqual([[UPPER_PFN + 5, 0x2, 2, 3]]);
    expect(up.tag[0]).toBe(8);
  });
});
