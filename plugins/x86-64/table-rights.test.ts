/**
 * Golden vectors for x86-64 table-level rights (Intel SDM vol. 3A 4.6 "Access Rights"): a
 * paging-structure entry that references another one limits everything below it; R/W (bit 1) and
 * U/S (bit 2) must be 1 at every level for a write / a user access, XD (bit 63, EFER.NXE set) at any
 * level forbids instruction fetches. Descriptor values are written by hand (P=0x1 RW=0x2 US=0x4
 * A=0x20, XD = bit 63); the tables come first-fit from a pool at 0x10_0000.
 */
import { describe, expect, it } from "vitest";
import {
  ATTR_CACHEABLE,
  PROT_EXEC,
  PROT_PRIV,
  PROT_READ,
  PROT_WRITE,
} from "../../src/plugin-api/index.js";
import { Fixture } from "../../src/plugin-api/conformance/index.js";
import x86 from "./index.js";

const R = PROT_READ;
const W = PROT_WRITE;
const X = PROT_EXEC;
const P = PROT_PRIV;

describe("x86-64 table-level rights", () => {
  // A user rwx 4K page at 0x4020_1000: PML4E 0x100000 -> PDPT 0x101000 -> PD 0x102000 -> PT 0x103000.
  const t = new Fixture(x86, {
    params: { levels: 4n },
    poolBase: 0x10_0000n,
    poolSize: 0x10_0000n,
  });
  x86.map(t.handle, 0x4020_1000n, 0x1234_5000n, 1n << 12n, 1, R | W | X, ATTR_CACHEABLE);

  it.each([
    { pde: 0x0000_0000_0010_3027n, allows: R | W | X, prot: R | W | X },
    { pde: 0x0000_0000_0010_3025n, allows: R | X, prot: R | X }, // R/W = 0: read-only below
    { pde: 0x0000_0000_0010_3023n, allows: R | W | X | P, prot: R | W | X | P }, // U/S = 0
    { pde: 0x8000_0000_0010_3027n, allows: R | W, prot: R | W }, // XD = 1
    { pde: 0x8000_0000_0010_3021n, allows: R | P, prot: R | P }, // all three
  ])("PDE $pde allows $allows: the page's rights become $prot", ({ pde, allows, prot }) => {
    t.memory.write64(0x10_2008n, pde); // PD index 1
    const w = t.walk(0x4020_1000n);
    expect(w.ok).toBe(true);
    if (!w.ok) return;
    expect(w.steps.map((s) => s.allows)).toEqual([R | W | X, R | W | X, allows, R | W | X]);
    expect(w.prot).toBe(prot);
    expect(w.steps[2]!.coversFrom).toBe(0x4020_0000n);
    expect(w.steps[2]!.covers).toBe(1n << 21n);
  });

  it("a PML4E narrows the whole 512G below it, as leaves() reports", () => {
    t.memory.write64(0x10_2008n, 0x10_3027n);
    t.memory.write64(0x10_0000n, 0x8000_0000_0010_1025n); // PML4E[0]: R/W = 0, XD
    const w = t.walk(0x4020_1000n);
    expect(w.ok && w.prot).toBe(R);
    const runs: number[] = [];
    x86.leaves(t.memory, t.context(), (_i, _p, _n, prot) => runs.push(prot));
    expect(runs).toEqual([R]);
    t.memory.write64(0x10_0000n, 0x10_1027n);
  });
});
