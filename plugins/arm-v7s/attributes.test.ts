/**
 * Memory-attribute golden vectors, worked out by hand from the Arm ARM (DDI 0406C):
 * - B3.5.1: small page = B bit 2, C bit 3, AP[0] bit 4, AP[1] bit 5, TEX[2:0] bits 8:6, AP[2]
 *   bit 9, S bit 10, nG bit 11, XN bit 0, type 0b1x; section: B 2, C 3, XN 4, TEX 14:12, S 16.
 * - B3.8.2 "Short-descriptor format memory region attributes, with TEX remap" (SCTLR.TRE = 1):
 *   the region is n = TEX[0]:C:B; PRRR.TRn (bits 2n+1:2n) 00 strongly-ordered, 01 device,
 *   10 normal; NMRR IRn (2n+1:2n) / ORn (2n+17:2n+16) 00 NC, 01 WBWA, 10 WT, 11 WB. TEX[2:1]
 *   are ignored (left to the OS).
 * - io-pgtable-arm-v7s.c arm_v7s_alloc_pgtable: PRRR TR1 = device, TR4 = TR7 = normal, NMRR
 *   IR7 = OR7 = WBWA, so region 1 is device, 4 normal NC, 7 normal WB; the others SO.
 */
import { describe, expect, test } from "vitest";
import {
  ATTR_CACHEABLE,
  ATTR_DEVICE,
  ATTR_OTHER_TYPE,
  ATTR_SHAREABLE_INNER,
} from "../../src/plugin-api/index.js";
import {
  attrsOfDescriptor,
  expectLeaf,
  leafAt,
  tableWithPage,
} from "../../test/plugin-api/attribute-golden.js";
import { V7S_NMRR, V7S_PRRR } from "./format.js";
import armV7s from "./index.js";

const IOVA = 0x4020_1000n;
const PA = 0x1234_5000n;

function mapped(attrs: number, pageSize = 0x1000n, iova = IOVA, pa = PA) {
  return tableWithPage(
    armV7s,
    { params: {}, poolBase: 0x8000_0000n, poolSize: 0x10_0000n },
    { iova: iova, pa: pa, attrs, pageSize: pageSize },
  );
}

test("PRRR and NMRR are the values io-pgtable-arm-v7s.c programs", () => {
  // PRRR: TR1=01 (bit 2), TR4=10 (bit 9), TR7=10 (bit 15), DS0, DS1, NS1, NOS7.
  expect(V7S_PRRR).toBe(0x800b_8204);
  // NMRR: IR7=01 (bit 14), OR7=01 (bit 30).
  expect(V7S_NMRR).toBe(0x4000_4000);
});

describe("arm-v7s small page: TEX[0]:C:B through PRRR/NMRR, S", () => {
  // XN 0x1 | type 0x2 | AP[0] 0x10 | AP[1] 0x20 | nG 0x800 = 0x833, plus attributes.
  test.each([
    ["cacheable: TEX=001 C B (region 7)", ATTR_CACHEABLE, 0x1234_587fn],
    ["noncacheable: TEX=001 (region 4)", 0, 0x1234_5873n],
    ["device: B (region 1)", ATTR_DEVICE, 0x1234_5837n],
    ["cacheable shareable: + S", ATTR_CACHEABLE | ATTR_SHAREABLE_INNER, 0x1234_5c7fn],
  ])("%s", (_name, attrs, descriptor) => {
    expectLeaf(mapped(attrs), IOVA, descriptor, attrs);
  });

  const base = 0x1234_5833n;
  test.each([
    [0, ATTR_DEVICE | ATTR_OTHER_TYPE], // strongly-ordered
    [1, ATTR_DEVICE],
    [2, ATTR_DEVICE | ATTR_OTHER_TYPE],
    [3, ATTR_DEVICE | ATTR_OTHER_TYPE],
    [4, 0],
    [5, ATTR_DEVICE | ATTR_OTHER_TYPE],
    [6, ATTR_DEVICE | ATTR_OTHER_TYPE],
    [7, ATTR_CACHEABLE],
  ])("region %i", (region, attrs) => {
    const t = mapped(ATTR_CACHEABLE);
    const bits = (region & 4 ? 0x40n : 0n) | (region & 2 ? 0x8n : 0n) | (region & 1 ? 0x4n : 0n);
    expect(attrsOfDescriptor(t, IOVA, base | bits, 4)).toBe(attrs);
  });

  test("TEX[2:1] are ignored with TEX remap", () => {
    const t = mapped(ATTR_CACHEABLE);
    expect(attrsOfDescriptor(t, IOVA, 0x1234_587fn | 0x180n, 4)).toBe(ATTR_CACHEABLE);
  });
});

describe("arm-v7s section and large page", () => {
  test("1M section: TEX at 14:12, S at 16", () => {
    const t = mapped(ATTR_CACHEABLE | ATTR_SHAREABLE_INNER, 0x10_0000n, 0x4010_0000n, 0x1230_0000n);
    // base | nG 0x20000 | S 0x10000 | TEX=001 0x1000 | AP[1] 0x800 | AP[0] 0x400 | C B 0xc
    // | XN 0x10 | type 0b10.
    expect(leafAt(t, 0x4010_0000n).value).toBe(0x1233_1c1en);
    expect(attrsOfDescriptor(t, 0x4010_0000n, 0x1232_0c16n, 4)).toBe(ATTR_DEVICE);
  });
  test("64K large page: TEX at 14:12", () => {
    const t = mapped(0, 0x1_0000n, 0x4020_0000n, 0x1234_0000n);
    // base | TEX=001 0x1000 | nG 0x800 | AP[1] 0x20 | AP[0] 0x10 | XN 0x8000 | type 0b01.
    expect(leafAt(t, 0x4020_0000n).value).toBe(0x1234_9831n);
  });
});
