/**
 * Golden vectors for AMD v1 table-level rights (AMD IOMMU spec 2.2.3: the IR and IW bits of every
 * PDE on the walk are ANDed with the PTE's). PR = bit 0, NextLevel bits 11:9, IR = bit 61,
 * IW = bit 62; the tables come first-fit from a pool at 0x10_0000.
 */
import { describe, expect, it } from "vitest";
import { PROT_EXEC, PROT_READ, PROT_WRITE } from "../../src/plugin-api/index.js";
import { Fixture } from "../../src/plugin-api/conformance/index.js";
import amd from "./index.js";

const R = PROT_READ;
const W = PROT_WRITE;
const ALL = R | W | PROT_EXEC;

describe("amd-v1 table-level rights", () => {
  const t = new Fixture(amd, {
    params: { levels: 4n },
    poolBase: 0x10_0000n,
    poolSize: 0x10_0000n,
    aperture: { base: 0n, size: 1n << 48n },
  });
  amd.map(t.handle, 0x4020_1000n, 0x1234_5000n, 1n << 12n, 1, R | W, 0);

  it.each([
    { pde: 0x6000_0000_0010_3201n, allows: ALL, prot: R | W }, // PM_LEVEL_PDE: IR | IW
    { pde: 0x2000_0000_0010_3201n, allows: R | PROT_EXEC, prot: R }, // IW = 0
    { pde: 0x4000_0000_0010_3201n, allows: W | PROT_EXEC, prot: W }, // IR = 0
    { pde: 0x0000_0000_0010_3201n, allows: PROT_EXEC, prot: 0 }, // neither: no access below
  ])("L2 PDE $pde allows $allows: the page's rights become $prot", ({ pde, allows, prot }) => {
    t.memory.write64(0x10_2008n, pde);
    const w = t.walk(0x4020_1000n);
    expect(w.ok).toBe(true);
    if (!w.ok) return;
    expect(w.steps[2]!.allows).toBe(allows);
    expect(w.prot).toBe(prot);
  });
});
