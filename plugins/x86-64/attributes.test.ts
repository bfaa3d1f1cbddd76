/**
 * Memory-type golden vectors, worked out by hand from the Intel SDM vol. 3A:
 * - 4.9.2 "Paging and Memory Typing": a leaf selects IA32_PAT entry PAT:PCD:PWT, with PWT bit 3,
 *   PCD bit 4 and PAT bit 7 of a 4K PTE but bit 12 of a 2M PDE / 1G PDPTE (bit 7 is PS there).
 * - 12.12.2 / table 12-10: PAT type encodings UC 00, WC 01, WT 04, WP 05, WB 06, UC- 07.
 * The format programs Linux's IA32_PAT 0x0407050600070106: entries 0..7 = WB WC UC- UC WB WP UC- WT.
 * A 4K RW user page is P|RW|US|A|D = 0x67 plus XD (bit 63) when not executable.
 */
import { describe, expect, test } from "vitest";
import { ATTR_CACHEABLE, ATTR_DEVICE, ATTR_OTHER_TYPE } from "../../src/plugin-api/index.js";
import {
  attrsOfDescriptor,
  expectLeaf,
  leafAt,
  tableWithPage,
} from "../../test/plugin-api/attribute-golden.js";
import x86 from "./index.js";

const XD = 0x8000_0000_0000_0000n;

function mapped(pageSize: bigint, iova: bigint, pa: bigint, attrs: number) {
  return tableWithPage(
    x86,
    {
      params: { levels: 4n },
      poolBase: 0x10_0000n,
      poolSize: 0x10_0000n,
    },
    { iova: iova, pa: pa, attrs, pageSize: pageSize },
  );
}

describe("x86-64 4K PTE: PAT(7) PCD(4) PWT(3) through IA32_PAT", () => {
  const IOVA = 0x4020_1000n;
  const PA = 0x1234_5000n;
  test.each([
    ["cacheable: entry 0 (WB)", ATTR_CACHEABLE, XD | PA | 0x67n],
    ["noncacheable: entry 2 (UC-), PCD", 0, XD | PA | 0x77n],
    ["device: entry 3 (UC), PCD|PWT", ATTR_DEVICE, XD | PA | 0x7fn],
  ])("%s", (_name, attrs, descriptor) => {
    expectLeaf(mapped(0x1000n, IOVA, PA, attrs), IOVA, descriptor, attrs);
  });

  test.each([
    [0, ATTR_CACHEABLE], // WB
    [1, ATTR_OTHER_TYPE], // WC
    [2, 0], // UC-
    [3, ATTR_DEVICE], // UC
    [4, ATTR_CACHEABLE], // WB
    [5, ATTR_OTHER_TYPE], // WP
    [6, 0], // UC-
    [7, ATTR_OTHER_TYPE], // WT
  ])("entry %i", (entry, attrs) => {
    const t = mapped(0x1000n, IOVA, PA, ATTR_CACHEABLE);
    const bits = (entry & 4 ? 0x80n : 0n) | (entry & 2 ? 0x10n : 0n) | (entry & 1 ? 0x8n : 0n);
    expect(attrsOfDescriptor(t, IOVA, XD | PA | 0x67n | bits, 8)).toBe(attrs);
  });
});

describe("x86-64 2M PDE: PAT is bit 12", () => {
  const IOVA = 0x4020_0000n;
  const PA = 0x1240_0000n;
  test("device is PS|PCD|PWT (0xff with RW/US/A/D), no bit 12", () => {
    const t = mapped(0x20_0000n, IOVA, PA, ATTR_DEVICE);
    expect(leafAt(t, IOVA).value).toBe(XD | PA | 0xffn);
  });
  test.each([
    [0x0n, ATTR_CACHEABLE], // entry 0 WB
    [0x1000n, ATTR_CACHEABLE], // entry 4 WB
    [0x1008n, ATTR_OTHER_TYPE], // entry 5 WP
    [0x1010n, 0], // entry 6 UC-
    [0x1018n, ATTR_OTHER_TYPE], // entry 7 WT
    [0x0018n, ATTR_DEVICE], // entry 3 UC
  ])("bits 0x%s", (bits, attrs) => {
    const t = mapped(0x20_0000n, IOVA, PA, ATTR_CACHEABLE);
    const w = t.walk(IOVA);
    expect(attrsOfDescriptor(t, IOVA, XD | PA | 0xe7n | bits, 8)).toBe(attrs);
    // Bit 12 is PAT, not an address bit: the page still starts at PA.
    const after = t.walk(IOVA);
    expect(after.ok && w.ok && after.pa).toBe(PA);
  });
  test("a 1G PDPTE reads PAT from bit 12 too", () => {
    const t = mapped(0x4000_0000n, 0x4000_0000n, 0x4000_0000n, ATTR_CACHEABLE);
    expect(attrsOfDescriptor(t, 0x4000_0000n, XD | 0x4000_0000n | 0xe7n | 0x1008n, 8)).toBe(
      ATTR_OTHER_TYPE,
    );
  });
});
