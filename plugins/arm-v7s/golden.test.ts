/**
 * Golden descriptors, worked out by hand from the Arm ARM (B3.5.1 short-descriptor formats) and
 * Linux drivers/iommu/io-pgtable-arm-v7s.c (arm_v7s_prot_to_pte, arm_v7s_pte_to_cont,
 * arm_v7s_alloc_pgtable). The tables come from a pool at 0x8000_0000: the 16K L1 first, then 1K
 * L2 tables in allocation order (first fit).
 */
import { describe, expect, it } from "vitest";
import {
  ATTR_CACHEABLE,
  ATTR_DEVICE,
  ATTR_SHAREABLE_INNER,
  PROT_EXEC,
  PROT_PRIV,
  PROT_READ,
  PROT_WRITE,
} from "../../src/plugin-api/index.js";
import armV7s from "./index.js";
import { Fixture } from "../../src/plugin-api/conformance/index.js";

describe("arm-v7s golden vectors", () => {
  const live = new Fixture(armV7s, {
    params: { "page-sizes": [0x1000n, 0x10000n, 0x100000n, 0x1000000n] },
    poolBase: 0x8000_0000n,
    poolSize: 0x10_0000n,
  });
  const word = (pa: number) => live.memory.read32(pa) >>> 0;

  // 4K small page, iova 0x1000 -> 0x4000_2000, RW, no exec, cacheable + shareable
  // (Linux IOMMU_READ|IOMMU_WRITE|IOMMU_CACHE|IOMMU_NOEXEC).
  armV7s.map(
    live.handle,
    0x1000n,
    0x4000_2000n,
    0x1000n,
    1,
    PROT_READ | PROT_WRITE,
    ATTR_CACHEABLE | ATTR_SHAREABLE_INNER,
  );
  // 1M section, iova 0x0010_0000 -> 0x4010_0000, read-only, exec, normal non-cacheable.
  armV7s.map(live.handle, 0x10_0000n, 0x4010_0000n, 0x10_0000n, 1, PROT_READ | PROT_EXEC, 0);
  // 16M supersection, iova 0x0100_0000 -> 0x4100_0000, privileged RW, device (IOMMU_MMIO|IOMMU_PRIV).
  armV7s.map(
    live.handle,
    0x100_0000n,
    0x4100_0000n,
    0x100_0000n,
    1,
    PROT_READ | PROT_WRITE | PROT_PRIV,
    ATTR_DEVICE,
  );
  // 64K large page, iova 0x0021_0000 -> 0x5003_0000, RW + exec, cacheable, not shareable.
  armV7s.map(
    live.handle,
    0x21_0000n,
    0x5003_0000n,
    0x1_0000n,
    1,
    PROT_READ | PROT_WRITE | PROT_EXEC,
    ATTR_CACHEABLE,
  );

  it("L1[0] points at the first L2 table: 0x80004000 | TYPE_TABLE(1)", () => {
    // ARM_V7S_PTE_TYPE_TABLE = 0x1; L2 tables are 1K aligned (B3.5.1 "Page table" descriptor).
    expect(word(0x8000_0000)).toBe(0x8000_4001);
  });

  it("small page: 0x40002C7F", () => {
    // attr block (bits [11:4] at level 2) = nG 0x80 | S 0x40 | TEX=1 0x04 | AP1 0x02 | AF(AP0) 0x01
    // = 0xC7 -> 0xC70; XN(bit 0)=1, C(bit 3)|B(bit 2) = 0xC, TYPE_PAGE 0x2 -> 0xC7F; | pa.
    expect(word(0x8000_4000 + 1 * 4)).toBe(0x4000_2c7f);
  });

  it("section: 0x40129C02", () => {
    // attr block (bits [17:10] at level 1) = nG 0x80 | AP2 0x20 (read-only) | TEX=1 0x04 |
    // AP1 0x02 | AF 0x01 = 0xA7 -> 0x29C00; no XN (exec), no B/C, TYPE_PAGE 0x2; | pa.
    expect(word(0x8000_0000 + 1 * 4)).toBe(0x4012_9c02);
  });

  it("supersection: 0x41060416 in 16 consecutive L1 entries (16..31)", () => {
    // attr = nG 0x80 | AF 0x01 (PRIV: no AP1; device: TEX=0) -> 0x20400; XN(bit 4) 0x10;
    // B 0x4 (IOMMU_MMIO); TYPE_PAGE 0x2; ARM_V7S_CONT_SECTION bit 18 = 0x40000; | pa.
    for (let i = 16; i < 32; i++) expect(word(0x8000_0000 + i * 4)).toBe(0x4106_0416);
    expect(word(0x8000_0000 + 15 * 4)).toBe(0);
    expect(word(0x8000_0000 + 32 * 4)).toBe(0);
  });

  it("L1[2] points at the second L2 table: 0x80004401", () => {
    expect(word(0x8000_0000 + 2 * 4)).toBe(0x8000_4401);
  });

  it("large page: 0x5003183D in 16 consecutive L2 entries (16..31)", () => {
    // small form: nG 0x80 | TEX=1 0x04 | AP1 0x02 | AF 0x01 = 0x87 -> 0x870, C|B 0xC, PAGE 0x2:
    // 0x87E. arm_v7s_pte_to_cont: TEX [8:6]=0x040 moves to [14:12] (0x1000), XN stays 0,
    // type 0b10 -> 0b01: 0x87E ^ 0x042 | 0x1000 | 0x1 = 0x183D; | pa.
    for (let i = 16; i < 32; i++) expect(word(0x8000_4400 + i * 4)).toBe(0x5003_183d);
    expect(word(0x8000_4400 + 15 * 4)).toBe(0);
    expect(word(0x8000_4400 + 32 * 4)).toBe(0);
  });

  it("registers as arm_v7s_alloc_pgtable fills arm_v7s_cfg", () => {
    const r = armV7s.registers(live.handle);
    // TTBR0 = pgd | TTBR_S(bit 1) | TTBR_NOS(bit 5) | IRGN(WBWA)=bit 6 | ORGN(WBWA)=1<<3.
    expect(r["TTBR0"]).toBe(0x8000_006an);
    expect(r["TTBR1"]).toBe(0n);
    // TCR: ARM_V7S_TCR_PD1 (bit 5).
    expect(r["TTBCR"]).toBe(0x20n);
    // PRRR: TR1=device(1)<<2 | TR4=normal(2)<<8 | TR7=normal(2)<<14 | DS0 | DS1 | NS1 | NOS7.
    expect(r["PRRR"]).toBe(0x800b_8204n);
    // NMRR: IR7 = WBWA(1) << 14, OR7 = WBWA(1) << 30.
    expect(r["NMRR"]).toBe(0x4000_4000n);
  });
});
