/**
 * Golden vectors for arm-v7s table-level rights (Arm ARM B3.5.1, short-descriptor first-level
 * page-table descriptor: bits[1:0] = 0b01, PXN bit 2, NS bit 3, Domain bits [8:5], base [31:10]).
 * PXN is the only right a table entry holds: nothing below it is executable. The 16K L1 comes
 * first from a pool at 0x8000_0000, then the 1K L2 at 0x8000_4000.
 */
import { describe, expect, it } from "vitest";
import { PROT_EXEC, PROT_READ, PROT_WRITE } from "../../src/plugin-api/index.js";
import { Fixture } from "../../src/plugin-api/conformance/index.js";
import armV7s from "./index.js";

const RWX = PROT_READ | PROT_WRITE | PROT_EXEC;

describe("arm-v7s table-level rights", () => {
  const t = new Fixture(armV7s, { params: {}, poolBase: 0x8000_0000n, poolSize: 0x10_0000n });
  armV7s.map(t.handle, 0x1000n, 0x4000_2000n, 0x1000n, 1, RWX, 0);

  it.each([
    { l1: 0x8000_4001, allows: RWX, prot: RWX },
    { l1: 0x8000_4005, allows: PROT_READ | PROT_WRITE, prot: PROT_READ | PROT_WRITE }, // PXN
    { l1: 0x8000_4009, allows: RWX, prot: RWX }, // NS: not a right
  ])("L1 page-table descriptor $l1 allows $allows", ({ l1, allows, prot }) => {
    expect(t.memory.read32(0x8000_0000) >>> 0).toBe(0x8000_4001);
    t.memory.write32(0x8000_0000, l1);
    const w = t.walk(0x1000n);
    expect(w.ok).toBe(true);
    if (!w.ok) return;
    expect(w.steps[0]!.allows).toBe(allows);
    expect(w.prot).toBe(prot);
    t.memory.write32(0x8000_0000, 0x8000_4001);
  });
});
