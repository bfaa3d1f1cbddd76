import { describe, expect, it } from "vitest";
import { runConformance } from "../../src/plugin-api/conformance/index.js";
import vtd from "./index.js";

describe("intel-vtd passes the plugin conformance kit", () => {
  for (const agaw of [39n, 48n, 57n]) {
    it(`agaw ${agaw}`, async () => {
      expect(await runConformance(vtd, { params: { agaw } })).toEqual([]);
    });
  }
});
