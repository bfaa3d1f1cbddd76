import { describe, expect, it } from "vitest";
import { PROT_READ } from "../../src/plugin-api/index.js";
import { ioPgtableSelfTests } from "../../src/plugin-api/conformance/vitest-selftests.js";
import { Fixture, type ConformanceOptions } from "../../src/plugin-api/conformance/index.js";
import { tceShape } from "./format.js";
import spaprTce, { windowProblems } from "./index.js";

const params = { "page-sizes": [0x1000n, 0x1_0000n, 0x100_0000n], "max-levels": 5n };
const DDW = 1n << 59n;
const POOL = { base: 0x3_c000_0000n, size: 0x1000_0000n };

function setupFor(window: {
  base: bigint;
  size: bigint;
  pageSize: bigint;
  levels: number;
}): ConformanceOptions {
  return { params, poolBase: POOL.base, poolSize: POOL.size, window };
}

const windows = [
  { base: 0n, size: 1n << 32n, pageSize: 0x1000n, levels: 1 },
  { base: DDW, size: 1n << 36n, pageSize: 0x1_0000n, levels: 2 },
  { base: DDW, size: 1n << 40n, pageSize: 0x100_0000n, levels: 3 },
  { base: DDW, size: 1n << 40n, pageSize: 0x1000n, levels: 5 },
];

for (const w of windows) {
  describe(`spapr-tce self-test: window 0x${w.base.toString(16)} size 2^${w.size.toString(2).length - 1} page 0x${w.pageSize.toString(16)} levels ${w.levels}`, () => {
    ioPgtableSelfTests(spaprTce, { params, window: w, poolBase: POOL.base, poolSize: POOL.size });
  });
}

describe("spapr-tce", () => {
  it("walks follow the indirect levels (one step per level)", () => {
    const s = setupFor(windows[3]!);
    const live = new Fixture(spaprTce, s);
    spaprTce.map(live.handle, DDW + 0x1234_5000n, 0x42_0000n, 0x1000n, 4, PROT_READ, 0);
    const r = spaprTce.walk(live.memory, live.context(), DDW + 0x1234_7042n);
    expect(r.ok && r.pa).toBe(0x42_2042n);
    expect(r.steps.map((st) => st.level)).toEqual([1, 2, 3, 4, 5]);
    // Outside the window: a fault, not a translation.
    expect(spaprTce.walk(live.memory, live.context(), 0x1000n).ok).toBe(false);
    expect(spaprTce.walk(live.memory, live.context(), DDW + (1n << 40n)).ok).toBe(false);
  });

  it("refuses IOVAs outside the window and unaligned pages", () => {
    const live = new Fixture(spaprTce, setupFor(windows[1]!));
    expect(() => spaprTce.map(live.handle, 0n, 0n, 0x1_0000n, 1, PROT_READ, 0)).toThrow(/outside/);
    expect(() => spaprTce.map(live.handle, DDW + 0x1000n, 0n, 0x1_0000n, 1, PROT_READ, 0)).toThrow(
      /aligned/,
    );
    expect(() => spaprTce.map(live.handle, DDW, 0n, 0x1000n, 1, PROT_READ, 0)).toThrow(
      /not supported/,
    );
  });

  it("applies the kernel's table limits", () => {
    // (level bits x levels + page shift) >= 60 is refused (pnv_pci_ioda2_table_alloc_pages).
    expect(tceShape({ base: 0n, size: 1n << 60n, pageSize: 0x1_0000n, levels: 1 })).toMatch(
      /below 60/,
    );
    expect(typeof tceShape({ base: 0n, size: 1n << 59n, pageSize: 0x100_0000n, levels: 1 })).toBe(
      "object",
    );
    expect(tceShape({ base: 0n, size: 3n << 30n, pageSize: 0x1000n, levels: 1 })).toMatch(
      /power of two/,
    );
    expect(tceShape({ base: 0n, size: 1n << 30n, pageSize: 0x1000n, levels: 6 })).toMatch(/levels/);
    expect(windowProblems({ "page-sizes": [0x1000n], "max-levels": 2n }, windows[1]!)).toEqual([
      "page size 0x10000 is not in page-sizes",
    ]);
    expect(windowProblems({ "page-sizes": [0x1000n], "max-levels": 2n }, windows[3]!)).toEqual([
      "5 levels exceed max-levels 2",
    ]);
    expect(
      () =>
        new Fixture(
          spaprTce,
          setupFor({ base: 0n, size: 3n << 30n, pageSize: 0x1000n, levels: 1 }),
        ),
    ).toThrow(/power of two/);
  });

  it("without a window, serves the aperture as a one-level window of the smallest page", () => {
    const s = setupFor(windows[0]!);
    delete s.window;
    s.aperture = { base: 0n, size: 0x8000_0000n };
    const live = new Fixture(spaprTce, s);
    expect(spaprTce.registers(live.handle)["TVE_LEVELS"]).toBe(1n);
    expect(spaprTce.registers(live.handle)["TVE_PAGE_SIZE"]).toBe(0x1000n);
    spaprTce.map(live.handle, 0x5000n, 0x9000n, 0x1000n, 1, PROT_READ, 0);
    expect(live.translate(0x5010n)).toBe(0x9010n);
  });

  it("frees indirect levels once their last TCE is cleared", () => {
    const live = new Fixture(spaprTce, setupFor(windows[3]!));
    const before = live.pool.usedBytes;
    spaprTce.map(live.handle, DDW + 0x40_0000_0000n, 0n, 0x1000n, 1, PROT_READ, 0);
    expect(live.pool.usedBytes).toBe(before + 4 * 4096);
    spaprTce.unmap(live.handle, DDW + 0x40_0000_0000n, 0x1000n);
    expect(live.pool.usedBytes).toBe(before);
  });
});
