import { describe, expect, it } from "vitest";
import { runConformance } from "../../src/plugin-api/conformance/index.js";

// ~80 random sequences of up to 24 operations: about 1,000 map/unmap calls per case.
const runs = Number(process.env["FUZZ_RUNS"] ?? 80);
import armV7s from "./index.js";

describe("arm-v7s passes the plugin conformance kit", () => {
  it("all page sizes", async () => {
    expect(
      await runConformance(armV7s, {
        params: { "page-sizes": [0x1000n, 0x1_0000n, 0x10_0000n, 0x100_0000n] },
        runs,
      }),
    ).toEqual([]);
  });
  it("4K and 1M only", async () => {
    expect(
      await runConformance(armV7s, { params: { "page-sizes": [0x1000n, 0x10_0000n] }, runs }),
    ).toEqual([]);
  });
});
