/**
 * Golden descriptors for AMD IOMMU v1 host tables and the device table, worked out by hand from
 * Linux drivers/iommu/amd/amd_iommu_types.h and io_pgtable.c:
 *   PM_LEVEL_PDE(x, a) = a | PR | PM_LEVEL_ENC(x) | IR | IW, PM_LEVEL_ENC(x) = (x << 9) & 0xe00
 *   leaf (count 1)     = pa | PR | FC | [IR] | [IW]          (iommu_v1_map_pages)
 *   leaf (count > 1)   = PAGE_SIZE_PTE(pa, size) | PM_LEVEL_ENC(7) | PR | FC | [IR] | [IW],
 *                        replicated PAGE_SIZE_PTE_COUNT(size) = 2^((log2 size - 12) % 9) times
 *   PR = bit 0, FC = bit 60, IR = bit 61, IW = bit 62 (so FC|IR|IW = 0x7000_0000_0000_0000)
 *   DTE qword 0 = root | mode << 9 | IR | IW | V | TV (set_dte_entry), qword 1 = domain id
 * Tables come from a pool at 0x10_0000 handed out first-fit; the device table from 0x20_0000.
 */
import { describe, expect, it } from "vitest";
import {
  ATTR_CACHEABLE,
  PROT_READ,
  PROT_WRITE,
  type PluginParams,
} from "../../src/plugin-api/index.js";
import amd from "./index.js";
import { Fixture } from "../../src/plugin-api/conformance/index.js";

const RW = PROT_READ | PROT_WRITE;

function setup(params: PluginParams, apertureSize = 1n << 48n) {
  return new Fixture(amd, {
    params,
    poolBase: 0x10_0000n,
    poolSize: 0x10_0000n,
    instances: { base: 0x20_0000n, size: 0x10_0000n },
    aperture: { base: 0n, size: apertureSize },
    domainId: 5,
  });
}

describe("amd-v1 golden descriptors", () => {
  it("4 levels: 4K RW page at 0x4020_1000 -> 0x1234_5000", () => {
    const { memory, handle } = setup({ levels: 4n });
    amd.map(handle, 0x4020_1000n, 0x1234_5000n, 1n << 12n, 1, RW, ATTR_CACHEABLE);
    expect(memory.read64(0x10_0000n)).toBe(0x6000_0000_0010_1601n); // L4[0] -> L3, NextLevel 3
    expect(memory.read64(0x10_1008n)).toBe(0x6000_0000_0010_2401n); // L3[1] -> L2, NextLevel 2
    expect(memory.read64(0x10_2008n)).toBe(0x6000_0000_0010_3201n); // L2[1] -> L1, NextLevel 1
    expect(memory.read64(0x10_3008n)).toBe(0x7000_0000_1234_5001n); // L1[1]: NextLevel 0
    expect(amd.registers(handle)).toEqual({ DTE_ROOT: 0x10_0000n, DTE_MODE: 4n, DOMAIN_ID: 5n });
  });

  it("levels from the aperture: a 4G aperture gets 3 levels (Linux's starting mode)", () => {
    const { memory, handle } = setup({}, 1n << 32n);
    amd.map(handle, 0x4020_1000n, 0x1234_5000n, 1n << 12n, 1, RW, ATTR_CACHEABLE);
    expect(memory.read64(0x10_0008n)).toBe(0x6000_0000_0010_1401n); // L3[1] -> L2
    expect(amd.registers(handle)["DTE_MODE"]).toBe(3n);
  });

  it("a 2^40 aperture needs 4 levels, 2^60 needs 6", () => {
    expect(amd.registers(setup({}, 1n << 40n).handle)["DTE_MODE"]).toBe(4n);
    expect(amd.registers(setup({}, 1n << 60n).handle)["DTE_MODE"]).toBe(6n);
  });

  it("2M default-size page: NextLevel 0 at level 2", () => {
    const { memory, handle } = setup({ levels: 4n });
    amd.map(handle, 0x4060_0000n, 0x4060_0000n, 1n << 21n, 1, PROT_READ, ATTR_CACHEABLE);
    expect(memory.read64(0x10_2018n)).toBe(0x3000_0000_4060_0001n); // L2[3]: FC | IR | PR
  });

  it("8K page: two level-1 entries, NextLevel 7, address 0x80000 (bit 12 clear)", () => {
    const { memory, handle } = setup({ levels: 4n });
    amd.map(handle, 0x2000n, 0x8_0000n, 1n << 13n, 1, PROT_READ, ATTR_CACHEABLE);
    // PAGE_SIZE_PTE(0x80000, 0x2000) = (0x81fff & ~0x1000) & PM_ADDR_MASK = 0x80000.
    expect(memory.read64(0x10_3010n)).toBe(0x3000_0000_0008_0e01n);
    expect(memory.read64(0x10_3018n)).toBe(0x3000_0000_0008_0e01n);
    expect(memory.read64(0x10_3020n)).toBe(0n);
  });

  it("16K page: four entries, address 0x81000 (bit 12 set, bit 13 clear)", () => {
    const { memory, handle } = setup({ levels: 4n });
    amd.map(handle, 0x1_0000n, 0x8_0000n, 1n << 14n, 1, RW, ATTR_CACHEABLE);
    // PAGE_SIZE_PTE(0x80000, 0x4000) = 0x83fff & ~0x2000 & mask = 0x81000.
    for (let i = 16n; i < 20n; i++) {
      expect(memory.read64(0x10_3000n + i * 8n)).toBe(0x7000_0000_0008_1e01n);
    }
  });

  it("1M page: 256 level-1 entries, address 0x27f000", () => {
    const { memory, handle } = setup({ levels: 4n });
    amd.map(handle, 0x10_0000n, 0x20_0000n, 1n << 20n, 1, RW, ATTR_CACHEABLE);
    // PAGE_SIZE_PTE(0x200000, 0x100000) = 0x2fffff & ~0x80000 & mask = 0x27f000.
    expect(memory.read64(0x10_3000n + 256n * 8n)).toBe(0x7000_0000_0027_fe01n);
    expect(memory.read64(0x10_3000n + 511n * 8n)).toBe(0x7000_0000_0027_fe01n);
    expect(memory.read64(0x10_3000n + 255n * 8n)).toBe(0n);
  });

  it("4M page: two level-2 entries, address 0x9ff000", () => {
    const { memory, handle } = setup({ levels: 4n });
    amd.map(handle, 0x40_0000n, 0x80_0000n, 1n << 22n, 1, RW, ATTR_CACHEABLE);
    // PAGE_SIZE_PTE(0x800000, 0x400000) = 0xbfffff & ~0x200000 & mask = 0x9ff000.
    expect(memory.read64(0x10_2010n)).toBe(0x7000_0000_009f_fe01n);
    expect(memory.read64(0x10_2018n)).toBe(0x7000_0000_009f_fe01n);
  });

  it("device table entry for DeviceID 0x0310, domain 5", () => {
    const { memory, handle, instances } = setup({ levels: 4n });
    const bound = amd.bindDevices!(memory, instances!, {}, [
      { device: "nic", stream: 0x0310n, table: handle, domainId: 5 },
    ]);
    // 0x311 entries * 32 bytes = 25120 bytes -> 8 pages (power of two, tbl_size): size field 7.
    expect(bound.registers).toEqual({ DEV_TAB_BASE: 0x20_0007n });
    // DTE at 0x200000 + 0x310 * 32 = 0x206200.
    expect(memory.read64(0x20_6200n)).toBe(0x6000_0000_0010_0803n);
    expect(memory.read64(0x20_6208n)).toBe(5n);
    // An unbound DeviceID: V | TV, Mode 0, IR = IW = 0 (DMA blocked).
    expect(memory.read64(0x20_0000n)).toBe(3n);
  });
});
