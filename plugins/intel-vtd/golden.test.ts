/**
 * Golden descriptors for VT-d second-level tables and legacy root/context tables, worked out by
 * hand from the VT-d spec (9.1 root entry, 9.3 context entry, 9.8 second-level paging entries) and
 * Linux drivers/iommu/intel/iommu.h (DMA_PTE_READ 0x1, DMA_PTE_WRITE 0x2, DMA_PTE_LARGE_PAGE 0x80,
 * DMA_PTE_SNP 0x800) and iommu.c (intermediate entries = next table | READ | WRITE;
 * context_set_address_width: hi |= aw; context_set_domain_id: hi |= did << 8). Tables come from a
 * pool at 0x10_0000 handed out first-fit; instance structures from a pool at 0x20_0000.
 */
import { describe, expect, it } from "vitest";
import {
  ATTR_CACHEABLE,
  ATTR_DEVICE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
} from "../../src/plugin-api/index.js";
import vtd from "./index.js";
import { Fixture } from "../../src/plugin-api/conformance/index.js";

const K4 = 1n << 12n;
const M2 = 1n << 21n;
const G1 = 1n << 30n;

function setup(agaw: bigint) {
  return new Fixture(vtd, {
    params: { agaw },
    poolBase: 0x10_0000n,
    poolSize: 0x10_0000n,
    instances: { base: 0x20_0000n, size: 0x10_0000n },
    domainId: 5,
  });
}

describe("intel-vtd golden descriptors", () => {
  it("AGAW 48: 4K RW snooped page at 0x4020_1000 -> 0x1234_5000", () => {
    const { memory, handle } = setup(48n);
    vtd.map(handle, 0x4020_1000n, 0x1234_5000n, K4, 1, PROT_READ | PROT_WRITE, ATTR_CACHEABLE);
    expect(memory.read64(0x10_0000n)).toBe(0x10_1003n); // SL-PML4E[0]: table | R | W
    expect(memory.read64(0x10_1008n)).toBe(0x10_2003n); // SL-PDPE[1]
    expect(memory.read64(0x10_2008n)).toBe(0x10_3003n); // SL-PDE[1]
    expect(memory.read64(0x10_3008n)).toBe(0x1234_5803n); // SL-PTE[1]: pa | SNP | W | R
  });

  it("2M read-only device superpage: SP, no SNP", () => {
    const { memory, handle } = setup(48n);
    vtd.map(handle, 0x4060_0000n, 0x4060_0000n, M2, 1, PROT_READ, ATTR_DEVICE);
    expect(memory.read64(0x10_2018n)).toBe(0x4060_0081n); // SL-PDE[3]: pa | SP | R
  });

  it("1G rwx snooped superpage", () => {
    const { memory, handle } = setup(48n);
    const prot = PROT_READ | PROT_WRITE | PROT_EXEC;
    vtd.map(handle, 0x8000_0000n, 0xc000_0000n, G1, 1, prot, ATTR_CACHEABLE);
    // SL-PDPE[2]: pa | SNP | SP | X | W | R = 0x800 | 0x80 | 0x4 | 0x2 | 0x1.
    expect(memory.read64(0x10_1010n)).toBe(0xc000_0887n);
  });

  it("AGAW 39: three levels, the root is the SL-PDPE table", () => {
    const { memory, handle } = setup(39n);
    vtd.map(handle, 0x4020_1000n, 0x1234_5000n, K4, 1, PROT_WRITE, 0);
    expect(memory.read64(0x10_0008n)).toBe(0x10_1003n); // SL-PDPE[1]
    expect(memory.read64(0x10_1008n)).toBe(0x10_2003n); // SL-PDE[1]
    expect(memory.read64(0x10_2008n)).toBe(0x1234_5002n); // write-only, not snooped
    expect(vtd.registers(handle)).toEqual({ SLPTPTR: 0x10_0000n, AW: 1n, DID: 5n });
  });

  it("root and context entries for 03:02.0, 03:03.0 and 00:00.0", () => {
    const { memory, pool, instances, params, handle } = setup(48n);
    // A second domain's root: the next page of the table pool.
    const other = vtd.create(memory, pool, {
      params,
      name: "dom7",
      domainId: 7,
      aperture: { base: 0n, size: 1n << 48n },
    });
    const bound = vtd.bindDevices!(memory, instances!, params, [
      { device: "nic", stream: 0x0310n, table: handle, domainId: 5 },
      { device: "nic2", stream: 0x0318n, table: handle, domainId: 5 },
      { device: "gpu", stream: 0x0000n, table: other, domainId: 7 },
    ]);
    // RTADDR_REG = root table (first page of the instance pool), TTM = 00.
    expect(bound.registers).toEqual({ RTADDR_REG: 0x20_0000n });
    // Root entry for bus 3 at +3*16: context table 0x201000 | P; upper qword reserved 0.
    expect(memory.read64(0x20_0030n)).toBe(0x20_1001n);
    expect(memory.read64(0x20_0038n)).toBe(0n);
    // Context entry devfn 0x10 at +0x100: SLPTPTR | TT=00 | P; hi = DID 5 << 8 | AW 2.
    expect(memory.read64(0x20_1100n)).toBe(0x10_0001n);
    expect(memory.read64(0x20_1108n)).toBe(0x502n);
    // Same bus, devfn 0x18: same context table.
    expect(memory.read64(0x20_1180n)).toBe(0x10_0001n);
    expect(memory.read64(0x20_1188n)).toBe(0x502n);
    // Bus 0 gets the next context table.
    expect(memory.read64(0x20_0000n)).toBe(0x20_2001n);
    expect(memory.read64(0x20_2000n)).toBe(0x10_1001n);
    expect(memory.read64(0x20_2008n)).toBe(0x702n);
  });
});
