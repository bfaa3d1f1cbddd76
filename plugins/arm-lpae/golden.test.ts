/**
 * Golden descriptor values, worked out by hand (not by this code) from:
 * - Arm ARM (DDI 0487) D8.3 "Translation table descriptor formats": bits[1:0] 0b11 = table (levels
 *   0-2) or page (level 3), 0b01 = block; next-level table / output address in bits [47:g].
 * - Arm ARM D8.4 / D8.5 "Memory attribute fields" (stage 1: AttrIndx[4:2], AP[7:6], SH[9:8],
 *   AF[10], nG[11], PXN[53], UXN[54]; stage 2: MemAttr[5:2], S2AP[7:6], XN[54:53]).
 * - Arm ARM D8.3 with FEAT_LPA: for the 64KB granule OA[51:48] sit in descriptor bits [15:12].
 * - Linux drivers/iommu/io-pgtable-arm.c: arm_lpae_prot_to_pte (nG + AP_UNPRIV/AP_RDONLY, AttrIndx
 *   from MAIR indexes NC=0 CACHE=1 DEV=2; stage 2 HAP_READ/HAP_WRITE and MEMATTR DEV=0x1),
 *   __arm_lpae_init_pte (sets AF), ARM_LPAE_PTE_XN = 3 << 53, arm_64_lpae_alloc_pgtable_s2
 *   (concatenated level-1 PGD, VTCR SL0 = ~sl & 3 with sl+1 for 4K), MAIR = 0xf404ff44.
 * Tables come first-fit from a pool at 0x8000_0000, so their addresses are predictable.
 */
import { describe, expect, test } from "vitest";
import {
  ATTR_CACHEABLE,
  ATTR_DEVICE,
  ATTR_SHAREABLE_INNER,
  PROT_EXEC,
  PROT_PRIV,
  PROT_READ,
  PROT_WRITE,
  type PluginParams,
} from "../../src/plugin-api/index.js";
import { Fixture } from "../../src/plugin-api/conformance/index.js";
import plugin from "./index.js";

function setup(params: PluginParams) {
  const aperture = { base: 0n, size: 1n << 48n };
  return new Fixture(plugin, { params, poolBase: 0x8000_0000n, poolSize: 16n << 20n, aperture });
}

describe("arm-lpae golden descriptors", () => {
  test("stage 1, 4K granule: 4K page RW, normal WB inner-shareable, user, XN", () => {
    const { memory, handle } = setup({ stage: 1n, granule: 4096n, ias: 48n, oas: 48n });
    plugin.map(
      handle,
      0x4000_1000n,
      0x1_0000_1000n,
      4096n,
      1,
      PROT_READ | PROT_WRITE,
      ATTR_CACHEABLE | ATTR_SHAREABLE_INNER,
    );
    // L0[0] -> L1 at 0x80001000 (D8.3 table descriptor: address | 0b11).
    expect(memory.read64(0x8000_0000n)).toBe(0x0000_0000_8000_1003n);
    // L1[1] (iova[38:30] = 1) -> L2 at 0x80002000.
    expect(memory.read64(0x8000_1008n)).toBe(0x0000_0000_8000_2003n);
    // L2[0] -> L3 at 0x80003000.
    expect(memory.read64(0x8000_2000n)).toBe(0x0000_0000_8000_3003n);
    // L3[1]: page 0b11 | AttrIndx=1 (0x4) | AP[1]=1 EL0 (0x40) | SH=0b11 (0x300) | AF (0x400)
    // | nG (0x800) | OA 0x1_0000_1000 | PXN+UXN (bits 53,54).
    expect(memory.read64(0x8000_3008n)).toBe(0x0060_0001_0000_1f47n);
    // TCR: T0SZ=16, IRGN0=ORGN0=WBWA, SH0=IS, TG0=4K, EPD1, IPS=0b101 (48 bits).
    expect(plugin.registers(handle)).toEqual({
      TTBR0: 0x0001_0000_8000_0000n,
      TCR: 0x5_0080_3510n,
      MAIR: 0xf404_ff44n,
    });
  });

  test("stage 1, 4K granule: 2M block read-only, device, privileged, executable", () => {
    const { memory, handle } = setup({ stage: 1n, granule: 4096n });
    plugin.map(
      handle,
      0x8020_0000n,
      0x4020_0000n,
      2n << 20n,
      1,
      PROT_READ | PROT_EXEC | PROT_PRIV,
      ATTR_DEVICE,
    );
    // L1[2] -> L2 at 0x80002000; L2[1]: block 0b01 | AttrIndx=2 (0x8) | AP[2]=1 RO (0x80)
    // | AP[1]=0 | AF | nG, no XN.
    expect(memory.read64(0x8000_1010n)).toBe(0x0000_0000_8000_2003n);
    expect(memory.read64(0x8000_2008n)).toBe(0x0000_0000_4020_0c89n);
  });

  test("stage 2, 4K granule, 40-bit IPA: two concatenated level-1 tables, device page", () => {
    const { memory, handle } = setup({ stage: 2n, granule: 4096n, ias: 40n, oas: 40n });
    plugin.map(
      handle,
      0x80_4020_1000n,
      0x12_3456_7000n,
      4096n,
      1,
      PROT_READ | PROT_WRITE,
      ATTR_DEVICE,
    );
    // Root is 8K (1024 entries): iova[39:30] = 0x201 -> entry at 0x80000000 + 0x201 * 8.
    expect(memory.read64(0x8000_1008n)).toBe(0x0000_0000_8000_2003n);
    expect(memory.read64(0x8000_2008n)).toBe(0x0000_0000_8000_3003n);
    // L3[1]: page 0b11 | MemAttr=0b0001 (0x4) | S2AP=0b11 (0xc0) | AF (0x400) | XN (54:53).
    expect(memory.read64(0x8000_3008n)).toBe(0x0060_0012_3456_74c7n);
    // VTCR: RES1(31) | PS=0b010 (16) | SH0=IS | ORGN0=IRGN0=WBWA | SL0=0b01 (level 1) | T0SZ=24.
    expect(plugin.registers(handle)).toEqual({ VTTBR: 0x0001_0000_8000_0000n, VTCR: 0x8002_3558n });
  });

  test("stage 1, 64K granule, 52-bit output: PA[51:48] in bits [15:12]", () => {
    const { memory, handle } = setup({ stage: 1n, granule: 65536n, ias: 48n, oas: 52n });
    plugin.map(handle, 0x1_0000n, 0xf_0000_1234_0000n, 65536n, 1, PROT_READ | PROT_WRITE, 0);
    // Root: level 1 with 64 entries (512 bytes) at 0x80000000; L2 and L3 are 64K-aligned.
    expect(memory.read64(0x8000_0000n)).toBe(0x0000_0000_8001_0003n);
    expect(memory.read64(0x8001_0000n)).toBe(0x0000_0000_8002_0003n);
    // L3[1]: page | AP[1] (0x40) | AF | nG | OA[47:16]=0x1234 | OA[51:48]=0xf in [15:12] | XN.
    expect(memory.read64(0x8002_0008n)).toBe(0x0060_0000_1234_fc43n);
  });
});
