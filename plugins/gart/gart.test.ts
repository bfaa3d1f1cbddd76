import { describe, expect, it } from "vitest";
import { ATTR_CACHEABLE, PROT_READ, PROT_WRITE } from "../../src/plugin-api/index.js";
import { ioPgtableSelfTests } from "../../src/plugin-api/conformance/vitest-selftests.js";
import { Fixture, type ConformanceOptions } from "../../src/plugin-api/conformance/index.js";
import gart, { apertureProblems } from "./index.js";

const aperture = { base: 0xe000_0000n, size: 512n << 20n };
function setupFor(outside: "passthrough" | "blocked"): ConformanceOptions {
  return { params: { aperture: { ...aperture, space: "iova" }, outside }, aperture };
}

describe("gart io-pgtable self-test", () => {
  // No permission bits: any valid entry grants read and write (capabilities say so).
  ioPgtableSelfTests(gart, { ...setupFor("blocked"), attrs: ATTR_CACHEABLE });
});

describe("gart", () => {
  it("passes through outside the aperture when outside=passthrough", () => {
    const live = new Fixture(gart, setupFor("passthrough"));
    expect(live.translate(0x1234_5678n)).toBe(0x1234_5678n);
    expect(live.translate(0xe000_0042n)).toBeUndefined(); // inside, unmapped: a fault
    expect(gart.capabilities(setupFor("passthrough").params).outside).toBe("passthrough");
  });

  it("blocks outside the aperture when outside=blocked", () => {
    const live = new Fixture(gart, setupFor("blocked"));
    expect(live.translate(0x1234_5678n)).toBeUndefined();
    expect(gart.capabilities(setupFor("blocked").params).outside).toBe("blocked");
  });

  it("refuses maps outside the aperture and above 1T", () => {
    const live = new Fixture(gart, setupFor("blocked"));
    expect(() => gart.map(live.handle, 0x1000n, 0x1000n, 0x1000n, 1, PROT_READ, 0)).toThrow(
      /outside/,
    );
    expect(() => gart.map(live.handle, 0xe000_0000n, 1n << 40n, 0x1000n, 1, PROT_READ, 0)).toThrow(
      /output/,
    );
    expect(() => gart.map(live.handle, 0xe000_0000n, 0n, 0x1_0000n, 1, PROT_READ, 0)).toThrow(
      /not supported/,
    );
  });

  it("reports coherence as the cacheable attribute and rights as read+write", () => {
    const live = new Fixture(gart, setupFor("blocked"));
    gart.map(live.handle, 0xe000_1000n, 0x5000n, 0x1000n, 2, PROT_READ, ATTR_CACHEABLE);
    const runs: number[][] = [];
    gart.leaves(live.memory, live.context(), (...a) => runs.push(a));
    expect(runs).toEqual([[0xe0001, 0x5, 2, PROT_READ | PROT_WRITE, ATTR_CACHEABLE, 12]]);
    expect(gart.describe(live.memory, live.context())).toContain("COHERENT");
  });

  it("validates the aperture against the K8 limits", () => {
    expect(apertureProblems(aperture)).toEqual([]);
    expect(apertureProblems({ base: 0xe000_0000n, size: 16n << 20n })).toHaveLength(1);
    expect(apertureProblems({ base: 0xd000_0000n, size: 512n << 20n })[0]).toMatch(/aligned/);
    expect(apertureProblems({ base: 0x1_0000_0000n, size: 1n << 30n })[0]).toMatch(/below 4G/);
    expect(gart.validate!({ outside: "blocked" })[0]!.message).toMatch(/required/);
  });
});
