/**
 * Coherence golden vectors, from the AMD IOMMU spec 2.2.3 "I/O Page Tables for Host
 * Translations" (PTE: PR bit 0, NextLevel 11:9, FC bit 60 "force coherent", IR bit 61, IW bit
 * 62). Linux (amd/io_pgtable.c) sets FC on every PTE; VCM sets it for cacheable memory only, so
 * that a device's access to MMIO is not forced coherent.
 */
import { describe, expect, test } from "vitest";
import { ATTR_CACHEABLE, ATTR_DEVICE } from "../../src/plugin-api/index.js";
import {
  attrsOfDescriptor,
  expectLeaf,
  tableWithPage,
} from "../../test/plugin-api/attribute-golden.js";
import amd from "./index.js";

const IOVA = 0x4020_1000n;
const PA = 0x1234_5000n;
const IR_IW = 0x6000_0000_0000_0000n;
const FC = 0x1000_0000_0000_0000n;

function mapped(attrs: number) {
  return tableWithPage(
    amd,
    {
      params: { levels: 4n },
      poolBase: 0x10_0000n,
      poolSize: 0x10_0000n,
      aperture: { base: 0n, size: 1n << 48n },
    },
    { iova: IOVA, pa: PA, attrs },
  );
}

describe("amd-v1 PTE: FC", () => {
  test.each([
    ["cacheable: PR|IR|IW|FC", ATTR_CACHEABLE, FC | IR_IW | PA | 1n, ATTR_CACHEABLE],
    ["noncacheable: no FC", 0, IR_IW | PA | 1n, 0],
    ["device: no FC", ATTR_DEVICE, IR_IW | PA | 1n, 0],
  ])("%s", (_name, attrs, descriptor, decoded) => {
    expectLeaf(mapped(attrs), IOVA, descriptor, decoded);
  });
  test("FC decodes as cacheable (coherent) access", () => {
    const t = mapped(0);
    expect(attrsOfDescriptor(t, IOVA, FC | IR_IW | PA | 1n, 8)).toBe(ATTR_CACHEABLE);
    expect(attrsOfDescriptor(t, IOVA, IR_IW | PA | 1n, 8)).toBe(0);
  });
});
