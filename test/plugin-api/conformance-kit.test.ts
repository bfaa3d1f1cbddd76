/** The conformance kit catches broken plugins (each mutant breaks one promise of the contract). */
import { describe, expect, test } from "vitest";
import type { VcmPlugin } from "../../src/plugin-api/index.js";
import { runConformance } from "../../src/plugin-api/conformance/index.js";
import armLpae from "../../plugins/arm-lpae/index.js";
import direct from "../../plugins/direct/index.js";
import spaprTce from "../../plugins/spapr-tce/index.js";

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

describe("conformance kit on a plugin without tables (fixed window)", () => {
  const params = { offset: 0x8000_0000n, "dma-bits": 32n };
  const aperture = { base: 0n, size: 1n << 34n };
  const bad = (overrides: Partial<VcmPlugin>): VcmPlugin => ({ ...direct, ...overrides });

  test("direct passes", async () => {
    expect(await runConformance(direct, { params, aperture })).toEqual([]);
  });
  test("a walk one page off fails", async () => {
    const m = bad({
      walk: (mem, c, iova) => {
        const w = direct.walk(mem, c, iova);
        return w.ok ? { ...w, pa: w.pa + 4096n } : w;
      },
    });
    expect((await runConformance(m, { params, aperture })).join("\n")).toMatch(/walk/);
  });
  test("leaves() reporting a page more than walk translates fails", async () => {
    const m = bad({
      leaves: (mem, c, visit) =>
        direct.leaves(mem, c, (iova, pa, count, prot, attrs, shift) =>
          visit(iova, pa, count + 1, prot, attrs, shift),
        ),
    });
    expect((await runConformance(m, { params, aperture })).join("\n")).toMatch(/walk|aperture/);
  });
  test("a map that accepts what the window does not provide fails", async () => {
    const m = bad({ map: () => {} });
    expect((await runConformance(m, { params, aperture })).join("\n")).toMatch(/accepted/);
  });
  test("an unmap that claims to revoke fails", async () => {
    const m = bad({ unmap: (_h, _iova, size) => size });
    expect((await runConformance(m, { params, aperture })).join("\n")).toMatch(/revoked/);
  });
});

describe("conformance kit with a window", () => {
  test("tests the window's page size without restricting page-sizes", async () => {
    const window = { base: 1n << 59n, size: 1n << 36n, pageSize: 0x1_0000n, levels: 2 };
    expect(await runConformance(spaprTce, { params: {}, window })).toEqual([]);
  });
});
