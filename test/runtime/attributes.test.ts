/**
 * Memory attributes are proved: a `map` line's attributes (or its region type's default) are
 * what the bytes must say, the bytes may never map MMIO cacheable, and the reports show what the
 * leaves decode to.
 */
import { describe, expect, it } from "vitest";
import { ATTR_CACHEABLE, ATTR_DEVICE } from "../../src/plugin-api/types.js";
import {
  explain,
  explainText,
  runReportJson,
  runReportText,
  verify,
} from "../../src/runtime/index.js";
import { lowerText } from "./helpers.js";

function topology(mmu: string, lines: string[]): string {
  return [
    "topology attrs",
    "memory ram 0x0 .. +1G ram",
    "memory regs 0x4000_0000 .. +1M mmio",
    "pool tables in ram[0x3000_0000 .. +16M]",
    `mmu m : ${mmu}`,
    "cpu c via m",
    "buffer buf in ram size 64K align 64K",
    ...lines,
  ].join("\n");
}

const MMUS = ["arm-lpae { va-bits 48; pa-bits 40 }", "x86-64 { }"];

describe.each(MMUS)("%s", (mmu) => {
  it("a line that names no type gets its region's: ram cacheable, mmio device", () => {
    const l = lowerText(
      topology(mmu, [
        "map buf -> c at 0x10_0000 rw pages 4K",
        "map regs[0 .. +16K] -> c at 0x20_0000 rw pages 4K",
        "map buf -> c at 0x30_0000 rw pages 4K noncacheable",
      ]),
    );
    const table = l.compiled.tables.find((t) => t.name === "c")!;
    const plugin = l.plugins.get(table.format)!;
    const attrsAt = (iova: bigint) => {
      const w = plugin.walk(l.compiled.memory, table.context, iova);
      return w.ok ? w.attrs : -1;
    };
    expect(attrsAt(0x10_0000n)).toBe(ATTR_CACHEABLE);
    expect(attrsAt(0x20_0000n)).toBe(ATTR_DEVICE);
    expect(attrsAt(0x30_0000n)).toBe(0);
    const report = verify(l.compiled, l.ir, l.plugins);
    expect(report.failures).toEqual([]);
    expect(report.endpoints[0]!.attributes).toEqual({
      cacheable: 16,
      device: 4,
      noncacheable: 16,
    });
    expect(runReportText(report)).toMatch(/cacheable:16 device:4 noncacheable:16/);
    expect(JSON.parse(runReportJson(report)).endpoints[0].attributes.device).toBe(4);
    const e = explain(l.compiled, "c", 0x20_0000n);
    expect(e.outcome.ok && e.outcome.attributes).toBe("device");
    expect(explainText(e)).toMatch(/rw-.? device via table c/);
  });

  it("MMIO mapped cacheable is refused by the proof too (VCM0426), naming the range", () => {
    const l = lowerText(
      topology(mmu, [
        "map buf -> c at 0x10_0000 rw pages 4K",
        "map regs[0 .. +16K] -> c at 0x20_0000 rw pages 4K cacheable",
      ]),
    );
    const report = verify(l.compiled, l.ir, l.plugins);
    expect(report.failures.map((f) => f.check)).toEqual(["mmio-mapped-cacheable"]);
    const f = report.failures[0]!;
    expect(f.code).toBe("VCM0426");
    expect(f.endpoint).toBe("c");
    expect(f.address).toBe(0x20_0000n);
    expect(f.size).toBe(0x4000n);
    expect(f.found).toMatch(/^cacheable: pa 0x40000000 rw- cacheable/);
    expect(f.message).toContain("maps mmio region regs 'cacheable'; MMIO must be device");
    expect(f.span?.line).toBe(9);
  });

  it("MMIO mapped device or noncacheable is proved", () => {
    const l = lowerText(
      topology(mmu, [
        "map regs[0 .. +16K] -> c at 0x20_0000 rw pages 4K device",
        "map regs[16K .. +16K] -> c at 0x30_0000 rw pages 4K noncacheable",
      ]),
    );
    expect(verify(l.compiled, l.ir, l.plugins).failures).toEqual([]);
  });
});

describe("attribute mismatches", () => {
  it("name the endpoint, the range, and the expected and found attributes", () => {
    const l = lowerText(topology(MMUS[0]!, ["map buf -> c at 0x10_0000 rw pages 4K shareable"]));
    const table = l.compiled.tables.find((t) => t.name === "c")!;
    const plugin = l.plugins.get(table.format)!;
    // Pages 2 and 3: AttrIndx 1 (write-back) -> 0 (non-cacheable), i.e. clear bit 2.
    for (const iova of [0x10_2000n, 0x10_3000n]) {
      const step = plugin.walk(l.compiled.memory, table.context, iova).steps.at(-1)!;
      l.compiled.memory.write64(step.descriptorAddress, step.descriptor & ~0x4n);
    }
    const report = verify(l.compiled, l.ir, l.plugins);
    expect(report.failures).toHaveLength(1);
    const f = report.failures[0]!;
    expect(f.check).toBe("attribute-mismatch");
    expect(f.address).toBe(0x10_2000n);
    expect(f.size).toBe(0x2000n);
    expect(f.expected).toMatch(/^cacheable inner-shareable \(pa /);
    expect(f.found).toMatch(/^noncacheable: pa /);
    expect(f.message).toBe(
      "c: 0x102000..0x104000 (mapping of buf) has memory attributes 'noncacheable', declared 'cacheable inner-shareable' (ram region)",
    );
    expect(f.trace!.at(-1)!.decoded).toContain("AttrIndx=0 (Normal-NC)");
  });

  it("shareability is not compared on device memory, whose SH the hardware ignores", () => {
    const l = lowerText(topology(MMUS[0]!, ["map regs[0 .. +4K] -> c at 0x20_0000 rw"]));
    const table = l.compiled.tables.find((t) => t.name === "c")!;
    const plugin = l.plugins.get(table.format)!;
    const step = plugin.walk(l.compiled.memory, table.context, 0x20_0000n).steps.at(-1)!;
    l.compiled.memory.write64(step.descriptorAddress, step.descriptor | 0x300n);
    expect(verify(l.compiled, l.ir, l.plugins).failures).toEqual([]);
  });
});

describe("IOMMU formats whose only attribute is coherence", () => {
  const iommu = (format: string, map: string) =>
    [
      "topology coherent",
      "memory ram 0x0 .. +1G ram",
      "memory bar 0x4000_0000 .. +1M mmio owner nic",
      "pool tables in ram[0x3000_0000 .. +16M]",
      `iommu io : ${format}`,
      "device nic behind io stream 0x10",
      "device gpu behind io stream 0x18",
      "domain d on io { type dma; aperture 0 .. 4G; attach gpu }",
      "buffer buf in ram size 64K align 64K",
      "map buf -> d at 0x10_0000 rw pages 4K",
      map,
    ].join("\n");

  it.each(["intel-vtd { agaw 48 }", "amd-v1 { levels 4 }"])(
    "%s: RAM is coherent, a peer's MMIO is not, and both are proved",
    (format) => {
      const l = lowerText(iommu(format, "map bar[0 .. +16K] -> d at 0x20_0000 rw pages 4K p2p"));
      const report = verify(l.compiled, l.ir, l.plugins);
      expect(report.failures).toEqual([]);
      expect(report.endpoints.find((e) => e.endpoint === "gpu")!.attributes).toEqual({
        coherent: 16,
        "non-coherent": 4,
      });
    },
  );

  it.each(["intel-vtd { agaw 48 }", "amd-v1 { levels 4 }"])(
    "%s: a peer's MMIO mapped cacheable is snooped, and refused (VCM0426)",
    (format) => {
      const l = lowerText(
        iommu(format, "map bar[0 .. +16K] -> d at 0x20_0000 rw pages 4K p2p cacheable"),
      );
      const report = verify(l.compiled, l.ir, l.plugins);
      expect(report.failures.map((f) => [f.check, f.endpoint, f.address, f.size])).toEqual([
        ["mmio-mapped-cacheable", "gpu", 0x20_0000n, 0x4000n],
      ]);
      expect(report.failures[0]!.found).toMatch(/^coherent: pa 0x40000000 rw- coherent/);
    },
  );
});
