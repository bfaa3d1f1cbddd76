/** The conformance kit catches broken plugins (each mutant breaks one promise of the contract). */
import { describe, expect, test } from "vitest";
import type { VcmPlugin } from "../../src/plugin-api/index.js";
import { runConformance } from "../../src/plugin-api/conformance/index.js";
import armLpae from "../../plugins/arm-lpae/index.js";

const params = { stage: 1n, granule: 4096n, ias: 40n, oas: 40n };

function mutant(overrides: Partial<VcmPlugin>): VcmPlugin {
  return { ...armLpae, ...overrides };
}

describe("conformance kit", () => {
  test("a correct plugin passes", async () => {
    expect(await runConformance(armLpae, { params })).toEqual([]);
  });
  test("unmap that always reports the full size fails", async () => {
    const bad = mutant({ unmap: (h, iova, size) => (armLpae.unmap(h, iova, size), size) });
    expect((await runConformance(bad, { params })).length).toBeGreaterThan(0);
  });
  test("map that silently ignores overlaps fails", async () => {
    const bad = mutant({
      map: (h, iova, pa, size, count, prot, attrs) => {
        try {
          armLpae.map(h, iova, pa, size, count, prot, attrs);
        } catch {
          /* swallowed: the mutation */
        }
      },
    });
    expect((await runConformance(bad, { params })).join("\n")).toMatch(/accepted/);
  });
  test("leaves() that drops runs fails", async () => {
    const bad = mutant({
      leaves: (m, c, visit) => {
        let first = true;
        armLpae.leaves(m, c, (...a) => {
          if (!first) visit(...a);
          first = false;
        });
      },
    });
    expect((await runConformance(bad, { params })).join("\n")).toMatch(/leaves\(\)/);
  });
  test("walk with an off-by-one-page translation fails", async () => {
    const bad = mutant({
      walk: (m, c, iova) => {
        const w = armLpae.walk(m, c, iova);
        return w.ok ? { ...w, pa: w.pa + 4096n } : w;
      },
    });
    expect((await runConformance(bad, { params })).length).toBeGreaterThan(0);
  });
});
