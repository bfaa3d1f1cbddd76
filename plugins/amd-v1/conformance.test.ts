import { describe, expect, it } from "vitest";
import { runConformance } from "../../src/plugin-api/conformance/index.js";
import amd from "./index.js";

// With 4+ levels the largest pages (up to 2^47 at level 4) make the kit's random region larger
// than it accepts (2^32 pages), so those runs use a 1T aperture: pages up to 2^40.
const T1 = { base: 0n, size: 1n << 40n };

describe("amd-v1 passes the plugin conformance kit", () => {
  it("levels 3", async () => {
    expect(await runConformance(amd, { params: { levels: 3n } })).toEqual([]);
  });
  for (const levels of [4n, 6n]) {
    it(`levels ${levels}, 1T aperture`, async () => {
      expect(await runConformance(amd, { params: { levels }, aperture: T1 })).toEqual([]);
    });
  }
  it("levels from a 4G aperture", async () => {
    expect(
      await runConformance(amd, { params: {}, aperture: { base: 0n, size: 1n << 32n } }),
    ).toEqual([]);
  });
});
