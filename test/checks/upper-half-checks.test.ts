/**
 * The rules of cpu address spaces with an upper half, with the real x86-64 and arm-lpae plugins:
 * non-canonical-address (VCM0235) and upper-half-not-cpu (VCM0115), each firing and quiet.
 */
import { describe, expect, test } from "vitest";
import { realPlugins } from "../fixtures/lowering/from-text.js";
import { check, checksOf, lines } from "./harness.js";

const X86 = `topology t
memory ddr 0x8000_0000 .. +1G ram
pool tables in ddr[0 .. +16M]
mmu m : x86-64 { levels 4 }
cpu c via m
buffer b in ddr size 64K
`;

const ARM = `topology t
memory ddr 0x8000_0000 .. +1G ram
pool tables in ddr[0 .. +16M]
mmu m : arm-lpae { va-bits 48; va-bits-upper 39 }
cpu c via m
buffer b in ddr size 64K
`;

function run(text: string) {
  const ds = check(text, undefined, realPlugins()).diagnostics;
  return { ds, checks: checksOf(ds), text: lines(ds).join("\n") };
}

describe("non-canonical-address (VCM0235)", () => {
  const cases: [string, string, boolean][] = [
    ["x86-64 0x8000_0000_0000 (4 levels)", X86 + "map b -> c at 0x8000_0000_0000 rw\n", true],
    ["x86-64 0xFFFF_7FFF_FFFF_0000", X86 + "map b -> c at 0xFFFF_7FFF_FFFF_0000 rw\n", true],
    ["x86-64 straddling 2^47", X86 + "map b -> c at 0x7FFF_FFFF_8000 rw\n", true],
    ["x86-64 0xFFFF_8000_0000_0000", X86 + "map b -> c at 0xFFFF_8000_0000_0000 rw\n", false],
    ["x86-64 top lower page", X86 + "map b -> c at 0x7FFF_FFFF_0000 rw\n", false],
    [
      "x86-64 5 levels: 0x8000_0000_0000 is canonical there",
      X86.replace("levels 4", "levels 5") + "map b -> c at 0x8000_0000_0000 rw\n",
      false,
    ],
    ["AArch64 above TTBR0's 48 bits", ARM + "map b -> c at 0x0001_0000_0000_0000 rw\n", true],
    ["AArch64 below TTBR1's 39 bits", ARM + "map b -> c at 0xFFFF_FF00_0000_0000 rw\n", true],
    ["AArch64 in TTBR1's 39 bits", ARM + "map b -> c at 0xFFFF_FF80_0000_0000 rw\n", false],
    ["expect sees in the hole", X86 + "expect c sees b at 0x8000_0000_0000\n", true],
    ["expect sees in the upper half", X86 + "expect c sees b at 0xFFFF_8000_0000_0000\n", false],
  ];
  for (const [title, text, fires] of cases)
    test(title, () => {
      const r = run(text);
      expect(r.checks.includes("non-canonical-address"), r.text).toBe(fires);
      // The hole is reported once, by this rule, never also as outside-aperture.
      expect(r.checks, r.text).not.toContain("outside-aperture");
      if (!fires)
        expect(
          r.ds.filter((d) => d.severity === "error"),
          r.text,
        ).toEqual([]);
    });

  test("the diagnostic sits on the map line and names both halves", () => {
    const d = run(X86 + "map b -> c at 0x8000_0000_0000 rw\n").ds.find(
      (x) => x.check === "non-canonical-address",
    )!;
    expect(d.code).toBe("VCM0235");
    expect(d.span?.line).toBe(7);
    expect(d.message).toContain("lower 0x0 .. +128T");
    expect(d.message).toContain("upper 0xffff800000000000 .. +128T");
    expect(d.hint).toContain("bits 63..47");
  });

  test("without va-bits-upper an AArch64 upper address is outside the aperture, as before", () => {
    const r = run(
      ARM.replace("; va-bits-upper 39", "") + "map b -> c at 0xFFFF_FF80_0000_0000 rw\n",
    );
    expect(r.checks).toContain("outside-aperture");
    expect(r.checks).not.toContain("non-canonical-address");
  });
});

describe("upper-half-not-cpu (VCM0115)", () => {
  const SMMU = `topology t
memory ddr 0x8000_0000 .. +1G ram
pool tables in ddr[0 .. +16M]
iommu s : arm-lpae { ias 48; va-bits-upper 39 }
device d behind s stream 1
`;
  test("fires on an IOMMU with va-bits-upper, at that parameter", () => {
    const r = run(SMMU);
    const d = r.ds.find((x) => x.check === "upper-half-not-cpu");
    expect(d?.code, r.text).toBe("VCM0115");
    expect(d?.span?.line).toBe(4);
  });
  test("quiet on an MMU with va-bits-upper, and on an x86-64 IOMMU (one shared table)", () => {
    expect(run(ARM).checks).not.toContain("upper-half-not-cpu");
    const x86Iommu = X86.replace("mmu m : x86-64", "iommu m : x86-64").replace(
      "cpu c via m",
      "device c behind m stream 1",
    );
    expect(run(x86Iommu).checks).not.toContain("upper-half-not-cpu");
  });
  test("stage 2 refuses va-bits-upper (plugin-param-problem)", () => {
    const r = run(ARM.replace("va-bits 48;", "stage 2; va-bits 40;"));
    expect(r.checks).toContain("plugin-param-problem");
    expect(r.text).toContain("arm-lpae refuses these parameters: ");
    expect(r.text).toContain("stage 2 has no upper half");
  });
});
