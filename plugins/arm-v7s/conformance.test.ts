import { describe, expect, it } from "vitest";
import { runConformance } from "../../src/plugin-api/conformance/index.js";
import armV7s from "./index.js";

describe("arm-v7s passes the plugin conformance kit", () => {
  it("all page sizes", async () => {
    expect(
      await runConformance(armV7s, {
        params: { "page-sizes": [0x1000n, 0x1_0000n, 0x10_0000n, 0x100_0000n] },
      }),
    ).toEqual([]);
  });
  it("4K and 1M only", async () => {
    expect(
      await runConformance(armV7s, { params: { "page-sizes": [0x1000n, 0x10_0000n] } }),
    ).toEqual([]);
  });
});
