/**
 * Golden vectors for arm-lpae hierarchical permissions (Arm ARM D8.4.2; table descriptor bits
 * D8.3): stage-1 table descriptors carry PXNTable[59], UXNTable/XNTable[60], APTable[62:61]
 * (APTable[0] = no EL0 access, APTable[1] = no write access) limiting every level below; TCR.HPD0
 * is 0 in the TCR this format programs. At stage 2 bits [63:59] of a table descriptor are RES0 and
 * limit nothing. The tables come first-fit from a pool at 0x8000_0000.
 */
import { describe, expect, it } from "vitest";
import {
  PROT_EXEC,
  PROT_PRIV,
  PROT_READ,
  PROT_WRITE,
  type PluginParams,
} from "../../src/plugin-api/index.js";
import { Fixture } from "../../src/plugin-api/conformance/index.js";
import plugin from "./index.js";

const R = PROT_READ;
const W = PROT_WRITE;
const X = PROT_EXEC;
const P = PROT_PRIV;

function setup(params: PluginParams, prot: number) {
  const t = new Fixture(plugin, {
    params,
    poolBase: 0x8000_0000n,
    poolSize: 16n << 20n,
    aperture: { base: 0n, size: 1n << 48n },
  });
  // L0[0] -> L1 0x80001000, L1[1] -> L2 0x80002000, L2[0] -> L3 0x80003000.
  plugin.map(t.handle, 0x4000_1000n, 0x1_0000_1000n, 4096n, 1, prot, 0);
  return t;
}

describe("arm-lpae table-level rights", () => {
  const s1 = setup({ stage: 1n, granule: 4096n, ias: 48n, oas: 48n }, R | W | X);

  it.each([
    { l2: 0x0000_0000_8000_3003n, allows: R | W | X, prot: R | W | X },
    { l2: 0x4000_0000_8000_3003n, allows: R | X, prot: R | X }, // APTable = 0b10
    { l2: 0x2000_0000_8000_3003n, allows: R | W | X | P, prot: R | W | X | P }, // APTable = 0b01
    { l2: 0x6000_0000_8000_3003n, allows: R | X | P, prot: R | X | P }, // APTable = 0b11
    { l2: 0x1000_0000_8000_3003n, allows: R | W, prot: R | W }, // UXNTable
    { l2: 0x0800_0000_8000_3003n, allows: R | W, prot: R | W }, // PXNTable
    { l2: 0x8000_0000_8000_3003n, allows: R | W | X, prot: R | W | X }, // NSTable: not a right
  ])("stage 1: L2 table descriptor $l2 allows $allows", ({ l2, allows, prot }) => {
    s1.memory.write64(0x8000_2000n, l2);
    const w = s1.walk(0x4000_1000n);
    expect(w.ok).toBe(true);
    if (!w.ok) return;
    expect(w.steps.map((s) => s.allows)).toEqual([R | W | X, R | W | X, allows, R | W | X]);
    expect(w.prot).toBe(prot);
    expect(w.steps[2]!.decoded).toContain("table -> 0x80003000");
  });

  it("stage 1: the walk trace names the table bits", () => {
    s1.memory.write64(0x8000_2000n, 0x7800_0000_8000_3003n);
    const w = s1.walk(0x4000_1000n);
    expect(w.steps[2]!.decoded).toBe("table -> 0x80003000 APTable=11 UXNTable PXNTable");
    expect(w.ok && w.prot).toBe(R | P);
  });

  it("stage 2: bits [63:59] of a table descriptor limit nothing", () => {
    const s2 = setup({ stage: 2n, granule: 4096n, ias: 40n, oas: 48n }, R | W | X);
    const before = s2.walk(0x4000_1000n);
    expect(before.ok).toBe(true);
    const entry = before.steps.at(-2)!;
    s2.memory.write64(entry.descriptorAddress, entry.descriptor | 0xf800_0000_0000_0000n);
    const w = s2.walk(0x4000_1000n);
    expect(w.ok && w.prot).toBe(R | W | X);
    expect(w.steps.at(-2)!.allows).toBe(R | W | X);
  });
});
