import { describe, expect, it } from "vitest";
import { ATTR_CACHEABLE, PROT_READ, PROT_WRITE } from "../../src/plugin-api/index.js";
import amd from "./index.js";
import { ioPgtableSelfTests } from "../../src/plugin-api/conformance/vitest-selftests.js";
import { Fixture } from "../../src/plugin-api/conformance/index.js";

describe("amd-v1, 4 levels: io-pgtable self-test", () => {
  // Every size (NextLevel 0 and replicated NextLevel-7 pages up to 2^47); the random run in a 1T
  // aperture, as the kit's random region must stay within 2^32 pages.
  ioPgtableSelfTests(amd, {
    params: { levels: 4n },
    attrs: ATTR_CACHEABLE,
    randomAperture: { base: 0n, size: 1n << 40n },
  });
});

describe("amd-v1, levels from a 4G aperture (3 levels): io-pgtable self-test", () => {
  ioPgtableSelfTests(amd, {
    params: {},
    aperture: { base: 0n, size: 1n << 32n },
    attrs: ATTR_CACHEABLE,
  });
});

describe("amd-v1 capabilities", () => {
  it("lists every power of two from 4K except 512G, within the levels", () => {
    const caps = amd.capabilities({ levels: 5n });
    expect(caps.inputBits).toBe(57);
    expect(caps.pageSizes[0]).toBe(4096n);
    expect(caps.pageSizes).not.toContain(1n << 39n);
    expect(caps.pageSizes).toContain(1n << 40n);
    expect(caps.pageSizes.at(-1)).toBe(1n << 51n);
    expect(amd.capabilities({ levels: 3n }).pageSizes.at(-1)).toBe(1n << 38n);
  });
});

describe("amd-v1 device table", () => {
  it("resolves bound DeviceIDs from bytes and faults on the others", () => {
    const aperture = { base: 0n, size: 1n << 32n };
    const {
      memory,
      instances,
      handle: a,
    } = new Fixture(amd, {
      params: {},
      aperture,
      domainId: 9,
      poolBase: 0x10_0000n,
      poolSize: 0x10_0000n,
      instances: { base: 0x40_0000n, size: 0x40_0000n },
    });
    amd.map(a, 0x1000n, 0x7000n, 4096n, 1, PROT_READ | PROT_WRITE, ATTR_CACHEABLE);
    const r = amd.bindDevices!(memory, instances!, {}, [
      { device: "d", stream: 0x00a0n, table: a, domainId: 9 },
    ]);
    const dev = amd.lookupDevice!(memory, {}, r.registers, 0x00a0n);
    expect(dev).toEqual({ root: a.root, domainId: 9 });
    const blocked = amd.lookupDevice!(memory, {}, r.registers, 0x00a1n);
    expect("fault" in blocked && blocked.fault).toMatch(/Mode=0/);
    const beyond = amd.lookupDevice!(memory, {}, r.registers, 0x1000n);
    expect("fault" in beyond && beyond.fault).toMatch(/beyond the device table/);
    if (!("root" in dev)) throw new Error(JSON.stringify(dev));
    const w = amd.walk(memory, { params: {}, root: dev.root, registers: {}, aperture }, 0x1042n);
    expect(w.ok && w.pa).toBe(0x7042n);
  });
});
