/**
 * Coherence golden vectors, from Linux arch/x86/include/asm/gart.h: GPTE_VALID bit 0,
 * GPTE_COHERENT bit 1 (the northbridge snoops the CPU caches), PA[31:12] at 31:12 and PA[39:32]
 * at 11:4. Linux's GPTE_ENCODE always sets COHERENT; VCM sets it for cacheable memory only.
 */
import { describe, expect, test } from "vitest";
import { ATTR_CACHEABLE, ATTR_DEVICE } from "../../src/plugin-api/index.js";
import {
  attrsOfDescriptor,
  expectLeaf,
  tableWithPage,
} from "../../test/plugin-api/attribute-golden.js";
import gart from "./index.js";

const aperture = { base: 0xe000_0000n, size: 512n << 20n };
const IOVA = 0xe000_3000n;
const PA = 0x12_3456_7000n; // above 4G: PA[39:32] = 0x12 at bits 11:4

function mapped(attrs: number) {
  return tableWithPage(
    gart,
    {
      params: { aperture: { ...aperture, space: "iova" }, outside: "blocked" },
      aperture,
    },
    { iova: IOVA, pa: PA, attrs },
  );
}

describe("gart GPTE: COHERENT", () => {
  test.each([
    ["cacheable: VALID|COHERENT", ATTR_CACHEABLE, 0x3456_7123n, ATTR_CACHEABLE],
    ["noncacheable: VALID", 0, 0x3456_7121n, 0],
    ["device: VALID", ATTR_DEVICE, 0x3456_7121n, 0],
  ])("%s", (_name, attrs, descriptor, decoded) => {
    expectLeaf(mapped(attrs), IOVA, descriptor, decoded);
  });
  test("COHERENT decodes as cacheable (snooped) access", () => {
    const t = mapped(0);
    expect(attrsOfDescriptor(t, IOVA, 0x3456_7123n, 4)).toBe(ATTR_CACHEABLE);
  });
});
