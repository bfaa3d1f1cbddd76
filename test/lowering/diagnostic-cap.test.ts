import { expect, test } from "vitest";
import { lower } from "../../src/lowering/lower.js";
import { MAX_DIAGNOSTICS_PER_FILE } from "../../src/semantics/limits.js";
import { irFromText, realPlugins } from "../fixtures/lowering/from-text.js";

/** The 4K pages an aperture of 4M holds for `at auto` (IOVA 0 is never handed out). */
const FITS = 1023;

/** `count` 4K buffers mapped `at auto` into a domain of FITS free pages. */
function arrayIntoSmallAperture(count: number): string {
  return `topology t
memory ddr 0x1_0000_0000 .. +4G ram
memory ptmem 0x40_0000_0000 .. +1G ram
pool tables in ptmem[0 .. +64M]
iommu smmu : arm-lpae { stage 1; granule 4K; ias 32; oas 48 }
device dev behind smmu stream 1
domain d on smmu { type dma; aperture 0 .. +4M; attach dev }
buffer frame[${count}] in ddr size 4K
map frame[*] -> d at auto rw
`;
}

function lowerText(text: string) {
  const plugins = realPlugins();
  const { ir, errors } = irFromText(text, plugins);
  expect(errors).toEqual([]);
  return lower(ir, plugins).diagnostics;
}

test("lowering diagnostics past the per-file cap become one VCM0324 note counting the rest", () => {
  const over = FITS + MAX_DIAGNOSTICS_PER_FILE + 500; // 1,500 beyond the cap
  const ds = lowerText(arrayIntoSmallAperture(over));
  const exhausted = ds.filter((d) => d.code === "VCM0301");
  expect(exhausted).toHaveLength(MAX_DIAGNOSTICS_PER_FILE);
  const notes = ds.filter((d) => d.code === "VCM0324");
  expect(notes).toHaveLength(1);
  expect(notes[0]!.check).toBe("too-many-lowering-diagnostics");
  expect(notes[0]!.severity).toBe("note");
  expect(notes[0]!.message).toContain("500 more diagnostics");
  expect(notes[0]!.span?.line).toBe(9); // the map line
});

test("lowering diagnostics up to the cap are all shown, with no VCM0324", () => {
  const ds = lowerText(arrayIntoSmallAperture(FITS + MAX_DIAGNOSTICS_PER_FILE));
  expect(ds.filter((d) => d.code === "VCM0301")).toHaveLength(MAX_DIAGNOSTICS_PER_FILE);
  expect(ds.map((d) => d.code)).not.toContain("VCM0324");
});
