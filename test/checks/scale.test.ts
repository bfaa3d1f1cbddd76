/**
 * Resolve + checks scale linearly: a generated topology of many statements checks in time
 * proportional to its size (no pairwise loops over mappings). SCALE_STATEMENTS sets the size.
 */
import { expect, test } from "vitest";
import { checkTopology } from "../../src/checks/check-topology.js";
import { parseSource } from "../../src/syntax/parse.js";
import { fakeRegistry } from "../fixtures/fake-plugins.js";

const STATEMENTS = Number(process.env["SCALE_STATEMENTS"] ?? 20_000);

function generate(buffers: number): string {
  const out = [
    "topology big",
    "memory ddr 0x1_0000_0000 .. +64G ram",
    "pool tables in ddr[0 .. +1G]",
    "iommu smmu : arm-lpae { ias 48; oas 48; page-sizes 4K 2M }",
    "device dev behind smmu stream 1",
    "domain dom on smmu { aperture 0 .. +256T; attach dev }",
  ];
  for (let i = 0; i < buffers; i++) {
    out.push(`buffer b${i} in ddr size 8K`);
    out.push(`map b${i} -> dom at 0x${(0x100000 + i * 0x2000).toString(16)} rw`);
  }
  return out.join("\n") + "\n";
}

test(`resolve + checks of ~${STATEMENTS} statements is fast and finds no problems`, () => {
  const text = generate(STATEMENTS / 2);
  const { ast, diagnostics } = parseSource(text, "big.vcm");
  expect(diagnostics).toEqual([]);
  const start = performance.now();
  const r = checkTopology([ast], fakeRegistry());
  const ms = performance.now() - start;
  expect(r.diagnostics.filter((d) => d.severity !== "note")).toEqual([]);
  expect(r.ir.mappings).toHaveLength(STATEMENTS / 2);
  // Generous bound: linear work is ~100ms here; a quadratic sweep would take minutes.
  expect(ms).toBeLessThan(10_000);
});

// Fuzz regression: a buffer array of N elements mapped with `[*]` and named by an `expect`
// used to cost N^2 overlap tests (minutes) and to spread N chunks as call arguments (a stack
// overflow past ~120K). Both must now be linear(ithmic) and stack-safe.
const ARRAY = Number(process.env["SCALE_ARRAY"] ?? 150_000);

test(`a buffer array of ${ARRAY} elements mapped with [*] checks without a stack overflow`, () => {
  const text = [
    "topology big_array",
    "memory ddr 0x1_0000_0000 .. +64G ram",
    "pool tables in ddr[0 .. +1G]",
    "iommu smmu : arm-lpae { ias 48; oas 48; page-sizes 4K 2M }",
    "device dev behind smmu stream 1",
    "domain dom on smmu { aperture 0 .. +256T; attach dev }",
    `buffer frame[${ARRAY}] in ddr size 4K`,
    "map frame[*] -> dom at auto rw",
    "expect dev writes frame[*]",
    "expect dev reads frame[0]",
  ].join("\n");
  const { ast, diagnostics } = parseSource(text + "\n", "big.vcm");
  expect(diagnostics).toEqual([]);
  const start = performance.now();
  const r = checkTopology([ast], fakeRegistry());
  const ms = performance.now() - start;
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  expect(r.ir.mappings.length).toBe(ARRAY);
  // Generous: linear work is a few seconds under load; the quadratic sweep took many minutes.
  expect(ms).toBeLessThan(60_000);
}, 120_000);
