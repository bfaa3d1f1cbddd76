import { describe, expect, it } from "vitest";
import { runConformance } from "../../src/plugin-api/conformance/index.js";
import direct from "./index.js";

// No tables (levels 0): the kit checks the fixed window (walk/leaves agree, faults outside, map
// confirms only what the window provides, nothing is revoked).
describe("direct passes the plugin conformance kit as a fixed window", () => {
  it("identity, 64-bit bus", async () => {
    expect(await runConformance(direct, { params: { offset: 0n, "dma-bits": 64n } })).toEqual([]);
  });
  it("offset 2G, 32-bit DMA mask, in a 16G aperture", async () => {
    const params = { offset: 0x8000_0000n, "dma-bits": 32n };
    const aperture = { base: 0n, size: 1n << 34n };
    expect(await runConformance(direct, { params, aperture })).toEqual([]);
  });
  it("negative offset, aperture not starting at 0", async () => {
    const params = { offset: -0x1000_0000n, "dma-bits": 40n };
    const aperture = { base: 0x800_0000n, size: 0x4000_0000n };
    expect(await runConformance(direct, { params, aperture })).toEqual([]);
  });
});
