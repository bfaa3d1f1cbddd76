/**
 * Golden vectors for VT-d second-level table-level rights (VT-d spec 3.7.1 / 9.8: an access is
 * allowed only if R, respectively W, is set in every second-level entry used; X is ignored without
 * SLEE, which legacy-mode context entries do not have). R = bit 0, W = bit 1, X = bit 2; the
 * tables come first-fit from a pool at 0x10_0000.
 */
import { describe, expect, it } from "vitest";
import { PROT_EXEC, PROT_READ, PROT_WRITE } from "../../src/plugin-api/index.js";
import { Fixture } from "../../src/plugin-api/conformance/index.js";
import vtd from "./index.js";

const R = PROT_READ;
const W = PROT_WRITE;
const X = PROT_EXEC;

describe("intel-vtd table-level rights", () => {
  const t = new Fixture(vtd, {
    params: { agaw: 48n },
    poolBase: 0x10_0000n,
    poolSize: 0x10_0000n,
  });
  vtd.map(t.handle, 0x4020_1000n, 0x1234_5000n, 1n << 12n, 1, R | W | X, 0);

  it.each([
    { pde: 0x10_3003n, allows: R | W | X, prot: R | W | X }, // as Linux writes it
    { pde: 0x10_3001n, allows: R | X, prot: R | X }, // W = 0: read-only below
    { pde: 0x10_3002n, allows: W | X, prot: W | X }, // R = 0: write-only below
    { pde: 0x10_3007n, allows: R | W | X, prot: R | W | X }, // X in a table entry: ignored
  ])("SL-PDE $pde allows $allows: the page's rights become $prot", ({ pde, allows, prot }) => {
    t.memory.write64(0x10_2008n, pde);
    const w = t.walk(0x4020_1000n);
    expect(w.ok).toBe(true);
    if (!w.ok) return;
    expect(w.steps[2]!.allows).toBe(allows);
    expect(w.steps[3]!.allows).toBe(R | W | X);
    expect(w.prot).toBe(prot);
  });
});
