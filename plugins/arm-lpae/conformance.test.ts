/** arm-lpae passes the plugin conformance kit, for each granule, both stages and each regime. */
import { describe, expect, test } from "vitest";
import { runConformance } from "../../src/plugin-api/conformance/index.js";
import plugin from "./index.js";

describe("arm-lpae conformance", () => {
  for (const stage of [1n, 2n]) {
    for (const granule of [4096n, 16384n, 65536n]) {
      test(`stage ${stage}, granule ${granule}`, async () => {
        expect(
          await runConformance(plugin, { params: { stage, granule, ias: 48n, oas: 48n } }),
        ).toEqual([]);
      });
    }
  }
  test("stage 2, 40-bit IPA (concatenated root), 4K", async () => {
    expect(
      await runConformance(plugin, { params: { stage: 2n, granule: 4096n, ias: 40n, oas: 40n } }),
    ).toEqual([]);
  });
  test("stage 1, 52-bit output, 64K", async () => {
    expect(
      await runConformance(plugin, { params: { stage: 1n, granule: 65536n, ias: 48n, oas: 52n } }),
    ).toEqual([]);
  });
  test("stage 1, 32-bit input, 4K", async () => {
    expect(
      await runConformance(plugin, { params: { stage: 1n, granule: 4096n, ias: 32n, oas: 48n } }),
    ).toEqual([]);
  });
  for (const regime of ["el2", "el2-vhe", "el3"]) {
    test(`stage 1, regime ${regime}, 4K`, async () => {
      expect(
        await runConformance(plugin, {
          params: { stage: 1n, granule: 4096n, ias: 39n, oas: 40n, regime },
        }),
      ).toEqual([]);
    });
  }
});
