import { describe, expect, it } from "vitest";
import { runConformance } from "../../src/plugin-api/conformance/index.js";

// ~80 random sequences of up to 24 operations: about 1,000 map/unmap calls per case.
const runs = Number(process.env["FUZZ_RUNS"] ?? 80);
import gart from "./index.js";

const aperture = { base: 0xe000_0000n, size: 512n << 20n };

describe("gart passes the plugin conformance kit", () => {
  for (const outside of ["blocked", "passthrough"]) {
    it(`outside ${outside}`, async () => {
      expect(
        await runConformance(gart, {
          params: { aperture: { ...aperture, space: "iova" }, outside },
          aperture,
          runs,
        }),
      ).toEqual([]);
    });
  }
});
