import { describe, expect, it } from "vitest";
import { ATTR_CACHEABLE, PROT_READ, PROT_WRITE } from "../../src/plugin-api/index.js";
import vtd from "./index.js";
import { ioPgtableSelfTests } from "../../src/plugin-api/conformance/vitest-selftests.js";
import { Fixture } from "../../src/plugin-api/conformance/index.js";

const K4 = 1n << 12n;

for (const agaw of [39n, 48n, 57n]) {
  describe(`intel-vtd, AGAW ${agaw}: io-pgtable self-test`, () => {
    ioPgtableSelfTests(vtd, { params: { agaw }, attrs: ATTR_CACHEABLE });
  });
}

describe("intel-vtd root and context tables", () => {
  function bound() {
    const {
      memory,
      pool,
      instances,
      params,
      aperture,
      handle: a,
    } = new Fixture(vtd, {
      params: { agaw: 48n },
      poolBase: 0x10_0000n,
      poolSize: 0x10_0000n,
      instances: { base: 0x40_0000n, size: 0x10_0000n },
    });
    const b = vtd.create(memory, pool, { params, name: "b", domainId: 2, aperture });
    const r = vtd.bindDevices!(memory, instances!, params, [
      { device: "d0", stream: 0x0008n, table: a, domainId: 1 },
      { device: "d1", stream: 0xff07n, table: b, domainId: 2 },
    ]);
    return { memory, params, a, b, r };
  }

  it("resolves each bound source id to its domain's root from bytes", () => {
    const { memory, params, a, b, r } = bound();
    expect(vtd.lookupDevice!(memory, params, r.registers, 0x0008n)).toEqual({
      root: a.root,
      domainId: 1,
    });
    expect(vtd.lookupDevice!(memory, params, r.registers, 0xff07n)).toEqual({
      root: b.root,
      domainId: 2,
    });
  });

  it("faults for an unbound device, a missing bus and a mismatched AGAW", () => {
    const { memory, params, r } = bound();
    const missingDevfn = vtd.lookupDevice!(memory, params, r.registers, 0x0009n);
    expect("fault" in missingDevfn && missingDevfn.fault).toMatch(/not present/);
    const missingBus = vtd.lookupDevice!(memory, params, r.registers, 0x0100n);
    expect("fault" in missingBus && missingBus.fault).toMatch(/bus 1 is not present/);
    const aw = vtd.lookupDevice!(memory, { agaw: 39n }, r.registers, 0x0008n);
    expect("fault" in aw && aw.fault).toMatch(/AW=2/);
  });

  it("refuses two devices on one source id", () => {
    const { memory, pool, params, handle: a } = new Fixture(vtd, { params: { agaw: 48n } });
    expect(() =>
      vtd.bindDevices!(memory, pool, params, [
        { device: "x", stream: 0x10n, table: a, domainId: 1 },
        { device: "y", stream: 0x10n, table: a, domainId: 1 },
      ]),
    ).toThrow(/share source id/);
  });

  it("a device walk through the context entry reaches the mapping", () => {
    const { memory, params, a, r } = bound();
    vtd.map(a, 0x1000n, 0x5000n, K4, 1, PROT_READ | PROT_WRITE, ATTR_CACHEABLE);
    const dev = vtd.lookupDevice!(memory, params, r.registers, 0x0008n);
    if (!("root" in dev)) throw new Error(JSON.stringify(dev));
    const ctx = { params, root: dev.root, registers: {}, aperture: { base: 0n, size: 1n << 48n } };
    const w = vtd.walk(memory, ctx, 0x1042n);
    expect(w.ok && w.pa).toBe(0x5042n);
  });
});
