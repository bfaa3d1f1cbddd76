import { describe, expect, it } from "vitest";
import { runConformance } from "../../src/plugin-api/conformance/index.js";
import x86 from "./index.js";

describe("x86-64 passes the plugin conformance kit", () => {
  for (const levels of [4n, 5n]) {
    it(`levels ${levels}`, async () => {
      expect(await runConformance(x86, { params: { levels } })).toEqual([]);
    });
  }
});
