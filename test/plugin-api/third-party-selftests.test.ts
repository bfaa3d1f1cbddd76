/**
 * A third party's view: the out-of-tree toy-flat plugin tested with the published entry points
 * (`vcm/testing`, `vcm/testing/vitest`), imported by package name as an author would.
 */
import { describe, expect, it } from "vitest";
import { runConformance } from "vcm/testing";
import { ioPgtableSelfTests } from "vcm/testing/vitest";
import type { VcmPlugin } from "vcm/plugin-api";
// @ts-expect-error: a plain JavaScript fixture without type declarations
import toyFlat from "../fixtures/plugins/toy-flat/index.js";

const plugin = toyFlat as VcmPlugin;
const params = { colour: "red" };

describe("toy-flat through vcm/testing/vitest", () => {
  ioPgtableSelfTests(plugin, { params });
});

describe("toy-flat through vcm/testing", () => {
  it("passes the conformance kit", async () => {
    expect(await runConformance(plugin, { params })).toEqual([]);
  });
});
