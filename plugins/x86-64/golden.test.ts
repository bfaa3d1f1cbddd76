/**
 * Golden descriptors for x86-64 paging, worked out by hand from the Intel SDM vol. 3A 4.5
 * (tables 4-15 PML4E .. 4-20 PTE) and Linux's first-level entry bits. Tables come from a pool at
 * 0x10_0000 handed out first-fit, so the root is 0x100000 and each new table the next page.
 * Bits: P=0x1 RW=0x2 US=0x4 PWT=0x8 PCD=0x10 A=0x20 D=0x40 PS=0x80, XD=bit 63.
 */
import { describe, expect, it } from "vitest";
import {
  ATTR_CACHEABLE,
  ATTR_DEVICE,
  PROT_EXEC,
  PROT_PRIV,
  PROT_READ,
  PROT_WRITE,
} from "../../src/plugin-api/index.js";
import x86 from "./index.js";
import { Fixture } from "../../src/plugin-api/conformance/index.js";

const K4 = 1n << 12n;
const M2 = 1n << 21n;
const G1 = 1n << 30n;

function setup(levels: bigint) {
  return new Fixture(x86, { params: { levels }, poolBase: 0x10_0000n, poolSize: 0x10_0000n });
}

describe("x86-64 golden descriptors", () => {
  it("4-level, 4K RW user no-exec WB page at 0x4020_1000 -> 0x1234_5000", () => {
    const { memory, handle } = setup(4n);
    x86.map(handle, 0x4020_1000n, 0x1234_5000n, K4, 1, PROT_READ | PROT_WRITE, ATTR_CACHEABLE);
    // PML4E[0]: next table 0x101000 | P|RW|US|A (0x27), as Linux's first-level intermediates.
    expect(memory.read64(0x10_0000n)).toBe(0x10_1027n);
    // PDPTE[1] (VA bits 38:30 = 1), PDE[1] (29:21 = 1), PTE[1] (20:12 = 1).
    expect(memory.read64(0x10_1008n)).toBe(0x10_2027n);
    expect(memory.read64(0x10_2008n)).toBe(0x10_3027n);
    // PTE: pa | P|RW|US|A|D (0x67) | XD.
    expect(memory.read64(0x10_3008n)).toBe(0x8000_0000_1234_5067n);
    // IA32_PAT (SDM 12.12.2, types in table 12-10), Linux's: entries 0..7 = WB 06, WC 01, UC- 07,
    // UC 00, WB 06, WP 05, UC- 07, WT 04, entry 0 in the low byte.
    expect(x86.registers(handle)).toEqual({
      CR3: 0x10_0000n,
      CR4: 0x20n,
      EFER: 0xd00n,
      IA32_PAT: 0x0407_0506_0007_0106n,
    });
  });

  it("2M supervisor r-x device (UC) page: PDE with PS|PCD|PWT, no RW/US/XD", () => {
    const { memory, handle } = setup(4n);
    x86.map(
      handle,
      0x4060_0000n,
      0x4060_0000n,
      M2,
      1,
      PROT_READ | PROT_EXEC | PROT_PRIV,
      ATTR_DEVICE,
    );
    // PD index = (0x4060_0000 >> 21) & 511 = 3. P|PWT|PCD|A|PS = 0x1|0x8|0x10|0x20|0x80 = 0xb9.
    expect(memory.read64(0x10_2018n)).toBe(0x4060_00b9n);
  });

  it("1G rwx user WB page: PDPTE with PS", () => {
    const { memory, handle } = setup(4n);
    const prot = PROT_READ | PROT_WRITE | PROT_EXEC;
    x86.map(handle, 0x8000_0000n, 0xc000_0000n, G1, 1, prot, ATTR_CACHEABLE);
    // PDPT index 2; P|RW|US|A|D|PS = 0xe7.
    expect(memory.read64(0x10_1010n)).toBe(0xc000_00e7n);
  });

  it("non-cacheable normal memory gets PCD alone (UC-)", () => {
    const { memory, handle } = setup(4n);
    x86.map(handle, 0x1000n, 0x5000n, K4, 1, PROT_READ, 0);
    // P|US|PCD|A = 0x35, XD.
    expect(memory.read64(0x10_3008n)).toBe(0x8000_0000_0000_5035n);
  });

  it("5-level: one more table on top, CR4.LA57 set", () => {
    const { memory, handle } = setup(5n);
    x86.map(handle, 0x4020_1000n, 0x1234_5000n, K4, 1, PROT_READ | PROT_WRITE, ATTR_CACHEABLE);
    expect(memory.read64(0x10_0000n)).toBe(0x10_1027n); // PML5E[0]
    expect(memory.read64(0x10_1000n)).toBe(0x10_2027n); // PML4E[0]
    expect(memory.read64(0x10_2008n)).toBe(0x10_3027n); // PDPTE[1]
    expect(memory.read64(0x10_3008n)).toBe(0x10_4027n); // PDE[1]
    expect(memory.read64(0x10_4008n)).toBe(0x8000_0000_1234_5067n);
    expect(x86.registers(handle)["CR4"]).toBe(0x1020n); // PAE | LA57
  });

  it("an address in the top PML4 slot indexes entry 511", () => {
    const { memory, handle } = setup(4n);
    x86.map(handle, (1n << 48n) - G1, 0x4000_0000n, G1, 1, PROT_READ, ATTR_CACHEABLE);
    expect(memory.read64(0x10_0000n + 511n * 8n)).toBe(0x10_1027n);
    // P|US|A|PS = 0xa5, XD.
    expect(memory.read64(0x10_1000n + 511n * 8n)).toBe(0x8000_0000_4000_00a5n);
  });
});
