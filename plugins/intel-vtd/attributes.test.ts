/**
 * Snoop golden vectors, from the VT-d spec 9.8 "Second-Level Paging Entries": R bit 0, W bit 1,
 * SNP bit 11 ("treat as snooped"). IPAT (bit 6) and EMT (bits 5:3) apply only to nested
 * translation with extended memory types, so legacy-mode tables leave them 0 and do not read them.
 */
import { describe, expect, test } from "vitest";
import { ATTR_CACHEABLE, ATTR_DEVICE } from "../../src/plugin-api/index.js";
import {
  attrsOfDescriptor,
  expectLeaf,
  tableWithPage,
} from "../../test/plugin-api/attribute-golden.js";
import vtd from "./index.js";

const IOVA = 0x4020_1000n;
const PA = 0x1234_5000n;

function mapped(attrs: number) {
  return tableWithPage(
    vtd,
    {
      params: { agaw: 48n },
      poolBase: 0x10_0000n,
      poolSize: 0x10_0000n,
    },
    { iova: IOVA, pa: PA, attrs },
  );
}

describe("intel-vtd second-level leaf: SNP", () => {
  test.each([
    ["cacheable RAM is snooped: R|W|SNP", ATTR_CACHEABLE, PA | 0x803n, ATTR_CACHEABLE],
    ["noncacheable memory is not", 0, PA | 0x3n, 0],
    ["device memory is not", ATTR_DEVICE, PA | 0x3n, 0],
  ])("%s", (_name, attrs, descriptor, decoded) => {
    expectLeaf(mapped(attrs), IOVA, descriptor, decoded);
  });
  test("SNP decodes as cacheable (coherent) access", () => {
    const t = mapped(0);
    expect(attrsOfDescriptor(t, IOVA, PA | 0x803n, 8)).toBe(ATTR_CACHEABLE);
    expect(attrsOfDescriptor(t, IOVA, PA | 0x3n, 8)).toBe(0);
  });
});
