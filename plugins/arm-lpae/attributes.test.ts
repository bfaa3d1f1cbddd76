/**
 * Memory-attribute golden vectors, worked out by hand from the Arm ARM (DDI 0487):
 * - D8.3 / D8.4: stage-1 AttrIndx[4:2] selects MAIR_ELx.Attr<n>; SH[9:8] 00 non-shareable,
 *   10 outer, 11 inner, 01 reserved. Stage-2 MemAttr[5:2] (without FEAT_S2FWB): [5:4] = 00
 *   Device with [3:2] its kind, else [5:4] outer and [3:2] inner cacheability (01 NC, 11 WB).
 * - D8.6.1 MAIR: Attr 0b0000dd00 Device (dd 00 nGnRnE, 01 nGnRE), 0x44 Normal NC, 0xFF Normal
 *   WB RW-allocate, 0xF4 Normal inner NC outer WB. The format programs MAIR = 0xF404FF44
 *   (io-pgtable-arm.c: Attr0 NC, Attr1 WBRWA, Attr2 nGnRE, Attr3 INC_OWBRWA, Attr4-7 0x00).
 * A 4K RW user page at 0x4000_1000 -> 0x1_0000_1000 is 0b11 | AP[1] 0x40 | AF 0x400 | nG 0x800
 * | OA, with PXN|UXN (0x0060_0000_0000_0000); stage 2: 0b11 | S2AP 0xC0 | AF | OA | XN.
 */
import { describe, expect, test } from "vitest";
import {
  ATTR_CACHEABLE,
  ATTR_DEVICE,
  ATTR_OTHER_TYPE,
  ATTR_SHAREABLE_INNER,
  ATTR_SHAREABLE_OUTER,
  type PluginParams,
} from "../../src/plugin-api/index.js";
import {
  attrsOfDescriptor,
  expectLeaf,
  tableWithPage,
} from "../../test/plugin-api/attribute-golden.js";
import plugin from "./index.js";

const IOVA = 0x4000_1000n;
const PA = 0x1_0000_1000n;

function mapped(params: PluginParams, attrs: number) {
  return tableWithPage(
    plugin,
    {
      params,
      poolBase: 0x8000_0000n,
      poolSize: 16n << 20n,
      aperture: { base: 0n, size: 1n << 40n },
    },
    { iova: IOVA, pa: PA, attrs },
  );
}

const S1 = { stage: 1n, granule: 4096n, ias: 48n, oas: 48n };
const S2 = { stage: 2n, granule: 4096n, ias: 40n, oas: 48n };
const XN = 0x0060_0000_0000_0000n;

describe("arm-lpae stage 1: AttrIndx through MAIR, SH", () => {
  test.each([
    ["cacheable", ATTR_CACHEABLE, 0x0060_0001_0000_1c47n],
    ["noncacheable", 0, 0x0060_0001_0000_1c43n],
    ["device", ATTR_DEVICE, 0x0060_0001_0000_1c4bn],
    ["cacheable inner-shareable", ATTR_CACHEABLE | ATTR_SHAREABLE_INNER, 0x0060_0001_0000_1f47n],
    ["cacheable outer-shareable", ATTR_CACHEABLE | ATTR_SHAREABLE_OUTER, 0x0060_0001_0000_1e47n],
  ])("%s is written as %s and decoded back", (_name, attrs, descriptor) => {
    expectLeaf(mapped(S1, attrs), IOVA, descriptor, attrs);
  });

  const base = XN | PA | 0xc43n; // AttrIndx 0, SH 00
  test.each([
    [0, 0],
    [1, ATTR_CACHEABLE],
    [2, ATTR_DEVICE],
    [3, ATTR_OTHER_TYPE], // 0xF4: inner non-cacheable, outer write-back
    [4, ATTR_DEVICE | ATTR_OTHER_TYPE], // 0x00: Device-nGnRnE
    [5, ATTR_DEVICE | ATTR_OTHER_TYPE],
    [6, ATTR_DEVICE | ATTR_OTHER_TYPE],
    [7, ATTR_DEVICE | ATTR_OTHER_TYPE],
  ])("AttrIndx %i decodes through MAIR 0xF404FF44", (idx, attrs) => {
    const t = mapped(S1, 0);
    expect(attrsOfDescriptor(t, IOVA, base | (BigInt(idx) << 2n), 8)).toBe(attrs);
  });

  test.each([
    [0b00, ATTR_CACHEABLE],
    [0b01, ATTR_CACHEABLE | ATTR_OTHER_TYPE], // reserved
    [0b10, ATTR_CACHEABLE | ATTR_SHAREABLE_OUTER],
    [0b11, ATTR_CACHEABLE | ATTR_SHAREABLE_INNER],
  ])("SH=%i on a write-back page", (sh, attrs) => {
    const t = mapped(S1, ATTR_CACHEABLE);
    expect(attrsOfDescriptor(t, IOVA, base | 0x4n | (BigInt(sh) << 8n), 8)).toBe(attrs);
  });

  test("the walk trace names the MAIR type", () => {
    const t = mapped(S1, ATTR_DEVICE);
    expect(t.walk(IOVA).steps.at(-1)!.decoded).toContain("AttrIndx=2 (Device-nGnRE)");
  });
});

describe("arm-lpae stage 2: MemAttr[5:2], SH", () => {
  test.each([
    // 0b11 | MemAttr << 2 | S2AP RW 0xC0 | AF 0x400 | OA | XN
    ["cacheable (MemAttr 0b1111)", ATTR_CACHEABLE, 0x0060_0001_0000_14ffn],
    ["noncacheable (MemAttr 0b0101)", 0, 0x0060_0001_0000_14d7n],
    ["device (MemAttr 0b0001, Device-nGnRE)", ATTR_DEVICE, 0x0060_0001_0000_14c7n],
    ["cacheable inner-shareable", ATTR_CACHEABLE | ATTR_SHAREABLE_INNER, 0x0060_0001_0000_17ffn],
  ])("%s", (_name, attrs, descriptor) => {
    expectLeaf(mapped(S2, attrs), IOVA, descriptor, attrs);
  });

  const base = XN | PA | 0x4c3n; // MemAttr 0b0000
  test.each([
    [0b0000, ATTR_DEVICE | ATTR_OTHER_TYPE], // Device-nGnRnE
    [0b0001, ATTR_DEVICE],
    [0b0010, ATTR_DEVICE | ATTR_OTHER_TYPE], // Device-nGRE
    [0b0011, ATTR_DEVICE | ATTR_OTHER_TYPE], // Device-GRE
    [0b0101, 0],
    [0b0111, ATTR_OTHER_TYPE], // outer NC, inner WB
    [0b1010, ATTR_OTHER_TYPE], // write-through
    [0b1101, ATTR_OTHER_TYPE], // outer WB, inner NC
    [0b1111, ATTR_CACHEABLE],
  ])("MemAttr %i", (memattr, attrs) => {
    const t = mapped(S2, 0);
    expect(attrsOfDescriptor(t, IOVA, base | (BigInt(memattr) << 2n), 8)).toBe(attrs);
  });
});
