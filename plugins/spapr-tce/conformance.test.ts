import { describe, expect, it } from "vitest";
import { runConformance } from "../../src/plugin-api/conformance/index.js";

// ~80 random sequences of up to 24 operations: about 1,000 map/unmap calls per case.
const runs = Number(process.env["FUZZ_RUNS"] ?? 80);
import spaprTce from "./index.js";

const DDW = 1n << 59n;

describe("spapr-tce passes the plugin conformance kit, one window at a time", () => {
  const windows = [
    { base: 0n, size: 1n << 26n, pageSize: 0x1000n, levels: 1 },
    { base: DDW, size: 1n << 36n, pageSize: 0x1_0000n, levels: 2 },
    { base: DDW, size: 1n << 40n, pageSize: 0x100_0000n, levels: 3 },
    { base: 0n, size: 1n << 40n, pageSize: 0x1000n, levels: 5 },
  ];
  for (const window of windows) {
    it(`window 0x${window.base.toString(16)} page 0x${window.pageSize.toString(16)} levels ${window.levels}`, async () => {
      // capabilities() cannot see the window: give the kit exactly the window's page size.
      const params = { "page-sizes": [window.pageSize], "max-levels": 5n };
      expect(await runConformance(spaprTce, { params, window, runs })).toEqual([]);
    });
  }
});
