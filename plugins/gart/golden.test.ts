/**
 * Golden GART entries, worked out by hand from Linux arch/x86/kernel/amd_gart_64.c
 * (GPTE_ENCODE(x) = (x & 0xfffff000) | ((x >> 32) << 4) | GPTE_VALID | GPTE_COHERENT) and
 * arch/x86/include/asm/gart.h (GPTE_VALID 1, GPTE_COHERENT 2, GARTEN, DISTLBWALKPRB), plus
 * aperture_64.c (GARTAPERTURECTL = order << 1, GARTAPERTUREBASE = base >> 25) and
 * enable_gart_translation (GARTTABLEBASE = (gatt >> 12) << 4). The GATT sits at the pool base.
 */
import { describe, expect, it } from "vitest";
import { ATTR_CACHEABLE, PROT_READ, PROT_WRITE } from "../../src/plugin-api/index.js";
import { Fixture } from "../../src/plugin-api/conformance/index.js";
import gart from "./index.js";

const aperture = { base: 0xe000_0000n, size: 512n << 20n };

describe("gart golden vectors (aperture 0xE000_0000 + 512M, GATT at 0x8000_0000)", () => {
  const live = new Fixture(gart, {
    params: { aperture: { ...aperture, space: "iova" }, outside: "passthrough" },
    aperture,
  });
  const word = (pa: number) => live.memory.read32(pa) >>> 0;
  gart.map(
    live.handle,
    0xe000_0000n,
    0x1_2345_6000n,
    0x1000n,
    1,
    PROT_READ | PROT_WRITE,
    ATTR_CACHEABLE,
  );
  gart.map(live.handle, 0xe000_5000n, 0xab_cdef_1000n, 0x1000n, 1, PROT_READ | PROT_WRITE, 0);
  gart.map(live.handle, 0xffff_f000n, 0x7000n, 0x1000n, 1, PROT_READ, ATTR_CACHEABLE);

  it("GPTE_ENCODE(0x1_2345_6000) = 0x23456013 (PA[39:32]=0x01 in bits [11:4], V, COHERENT)", () => {
    expect(word(0x8000_0000)).toBe(0x2345_6013);
  });

  it("a non-coherent entry for 0xAB_CDEF_1000 is 0xCDEF1AB1", () => {
    expect(word(0x8000_0000 + 5 * 4)).toBe(0xcdef_1ab1);
    expect(word(0x8000_0000 + 4 * 4)).toBe(0);
  });

  it("the last of 131072 entries (at GATT + 0x7FFFC) maps 0x7000: 0x00007003", () => {
    expect(word(0x8007_fffc)).toBe(0x0000_7003);
  });

  it("registers as aperture_64.c and enable_gart_translation program them", () => {
    const r = gart.registers(live.handle);
    // order = log2(512M) - 25 = 4 -> 4 << 1 = 0x8, | GARTEN 0x1 | DISTLBWALKPRB 0x40.
    expect(r["GARTAPERTURECTL"]).toBe(0x49n);
    expect(r["GARTAPERTUREBASE"]).toBe(0x70n); // 0xE000_0000 >> 25
    expect(r["GARTTABLEBASE"]).toBe(0x80_0000n); // (0x8000_0000 >> 12) << 4
  });

  it("walks decode GPTE_DECODE back to the 40-bit address", () => {
    const r = gart.walk(live.memory, live.context(), 0xe000_5123n);
    expect(r.ok && r.pa).toBe(0xab_cdef_1123n);
  });
});
