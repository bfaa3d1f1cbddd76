import { describe, expect, it } from "vitest";
import type { IrTopology } from "../../src/ir/types.js";
import { lower } from "../../src/lowering/lower.js";
import { mapMapping, unmapMapping } from "../../src/lowering/map-mapping.js";
import { loweringChecks } from "../../src/lowering/checks.js";
import { PROT_READ, PROT_WRITE } from "../../src/plugin-api/types.js";
import { PluginRegistry } from "../../src/plugin-host/registry.js";
import { createFakeRadix } from "../fixtures/lowering/fake-radix.js";
import { SPAN, baseTopology, device, domain, mapping } from "../fixtures/lowering/ir-builder.js";

const M2 = 1n << 21n;

function registry(): PluginRegistry {
  const r = new PluginRegistry();
  r.register(createFakeRadix(), "test");
  return r;
}

function lowerOk(ir: IrTopology) {
  const plugins = registry();
  const result = lower(ir, plugins);
  expect(result.diagnostics).toEqual([]);
  return { compiled: result.compiled!, plugin: plugins.get("fake-radix")! };
}

function translate(ir: IrTopology, iova: bigint) {
  const { compiled, plugin } = lowerOk(ir);
  const table = compiled.tables.find((t) => t.name === "d")!;
  return plugin.walk(compiled.memory, table.context, iova);
}

describe("lower", () => {
  it("maps a fixed mapping so the walk finds the PA, with the largest pages possible", () => {
    const ir = baseTopology("fake-radix");
    ir.mappings.push(mapping("d", [{ pa: 0x8000_0000n, size: 4n * M2 + 0x1000n }], 0x4000_0000n));
    const { compiled, plugin } = lowerOk(ir);
    const table = compiled.tables.find((t) => t.name === "d")!;
    expect(table.leafCounts).toEqual({ "4096": 1, [M2.toString()]: 4 });
    const walk = plugin.walk(compiled.memory, table.context, 0x4080_0123n);
    expect(walk.ok && walk.pa).toBe(0x8080_0123n);
    expect(walk.ok && walk.prot).toBe(PROT_READ | PROT_WRITE);
    const record = compiled.mappings[0]!;
    expect(record.iova).toBe(0x4000_0000n);
    expect(record.autoIova).toBe(false);
  });

  it("gives an auto mapping an IOVA congruent to its PA so 2M pages are used", () => {
    const ir = baseTopology("fake-radix");
    ir.mappings.push(mapping("d", [{ pa: 0x8000_0000n, size: 0x3000n }], 0x1000n));
    ir.mappings.push(mapping("d", [{ pa: 0x9020_0000n, size: 2n * M2 }], "auto"));
    const { compiled } = lowerOk(ir);
    const auto = compiled.mappings.find((m) => m.autoIova)!;
    expect(auto.iova % M2).toBe(0n);
    expect(auto.iova).toBe(M2);
    expect(auto.leafCounts).toEqual({ [M2.toString()]: 2 });
  });

  it("avoids reserved, msi and unity ranges and identity-maps unity ranges", () => {
    const ir = baseTopology("fake-radix");
    const d = ir.domains[0]!;
    d.reserved.push(
      {
        kind: "reserve",
        range: { base: 0n, size: 0x10_0000n, space: "iova" },
        origin: "domain",
        span: SPAN,
      },
      {
        kind: "unity",
        range: { base: 0x10_0000n, size: 0x2000n, space: "iova" },
        origin: "domain",
        span: SPAN,
      },
      {
        kind: "msi",
        range: { base: 0x10_2000n, size: 0xe000n, space: "iova" },
        origin: "mapper",
        span: SPAN,
      },
    );
    ir.mappings.push(mapping("d", [{ pa: 0x8000_0000n, size: 0x1000n }], "auto"));
    const { compiled, plugin } = lowerOk(ir);
    const auto = compiled.mappings.find((m) => m.autoIova)!;
    expect(auto.iova).toBe(0x11_0000n);
    const unity = compiled.mappings.find((m) => m.unity)!;
    expect(unity.iova).toBe(0x10_0000n);
    const table = compiled.tables[0]!;
    const w = plugin.walk(compiled.memory, table.context, 0x10_1008n);
    expect(w.ok && w.pa).toBe(0x10_1008n);
  });

  it("maps scatter-gather chunks at consecutive IOVAs", () => {
    const ir = baseTopology("fake-radix");
    const chunks = [
      { pa: 0x8010_0000n, size: 0x3000n },
      { pa: 0x8000_0000n, size: M2 },
      { pa: 0x9000_0000n, size: 0x1000n },
    ];
    ir.mappings.push(mapping("d", chunks, 0x20_0000n - 0x3000n));
    const { compiled, plugin } = lowerOk(ir);
    const table = compiled.tables[0]!;
    const at = (iova: bigint) => {
      const w = plugin.walk(compiled.memory, table.context, iova);
      return w.ok ? w.pa : undefined;
    };
    expect(at(0x1f_d000n)).toBe(0x8010_0000n);
    expect(at(0x20_0000n)).toBe(0x8000_0000n);
    expect(at(0x40_0000n)).toBe(0x9000_0000n);
    expect(compiled.mappings[0]!.chunks.map((c) => c.iova)).toEqual([
      0x1f_d000n,
      0x20_0000n,
      0x40_0000n,
    ]);
    expect(table.leafCounts).toEqual({ "4096": 4, [M2.toString()]: 1 });
  });

  it("forces `pages 4K`", () => {
    const ir = baseTopology("fake-radix");
    ir.mappings.push(mapping("d", [{ pa: 0x8000_0000n, size: M2 }], 0n, { pageSize: 4096n }));
    const w = translate(ir, 0x1234n);
    expect(w.ok && w.pageSize).toBe(4096n);
  });

  it("keeps auto IOVAs below the smallest DMA mask of the attached devices", () => {
    const ir = baseTopology("fake-radix");
    ir.endpoints.push(device("old", 2n, 24));
    ir.domains[0]!.attached.push("old");
    ir.mappings.push(mapping("d", [{ pa: 0x8000_0000n, size: 0xff_f000n }], "auto"));
    ir.mappings.push(mapping("d", [{ pa: 0x8000_0000n, size: 0x2000n }], "auto"));
    const result = lower(ir, registry());
    expect(result.diagnostics.map((d) => d.check)).toEqual(["iova-space-exhausted"]);
    expect(result.diagnostics[0]!.message).toContain("no IOVA space in domain 'd' for 8192 bytes");
  });

  it("reports a full space naming the domain", () => {
    const ir = baseTopology("fake-radix");
    ir.domains[0]!.aperture = { base: 0n, size: 0x10_0000n, space: "iova" };
    ir.mappings.push(mapping("d", [{ pa: 0x8000_0000n, size: 0x10_0000n }], "auto"));
    const result = lower(ir, registry());
    expect(result.compiled).toBeUndefined();
    expect(result.diagnostics[0]!.code).toBe("VCM0301");
    expect(result.diagnostics[0]!.message).toMatch(/no IOVA space in domain 'd' for 1048576 bytes/);
  });

  it("refuses ranges past 2^64 instead of wrapping", () => {
    const ir = baseTopology("fake-radix");
    ir.mappings.push(mapping("d", [{ pa: 0x8000_0000n, size: 0x2000n }], (1n << 64n) - 0x1000n));
    const result = lower(ir, registry());
    expect(result.diagnostics.map((d) => d.check)).toEqual(["iova-wraps"]);
    const ir2 = baseTopology("fake-radix");
    ir2.domains[0]!.aperture = { base: (1n << 64n) - 0x1000n, size: 0x2000n, space: "iova" };
    expect(lower(ir2, registry()).diagnostics.map((d) => d.check)).toEqual(["iova-wraps"]);
  });

  it("turns an exhausted pool into a diagnostic naming the pool", () => {
    const ir = baseTopology("fake-radix", 0x2000n);
    ir.mappings.push(
      mapping("d", [{ pa: 0x8000_0000n, size: 0x1000n }], 0x1000n, { span: { ...SPAN, line: 7 } }),
    );
    const result = lower(ir, registry());
    expect(result.diagnostics).toHaveLength(1);
    const d = result.diagnostics[0]!;
    expect(d.check).toBe("pool-exhausted");
    expect(d.message).toContain("pool 'pt'");
    expect(d.message).toMatch(/at least 1 more 4K page/);
    expect(d.span?.line).toBe(7);
  });

  it("turns an overlap into a mapping-refused diagnostic and keeps the first mapping", () => {
    const ir = baseTopology("fake-radix");
    ir.mappings.push(mapping("d", [{ pa: 0x8000_0000n, size: 0x2000n }], 0x1000n));
    ir.mappings.push(mapping("d", [{ pa: 0x9000_0000n, size: 0x1000n }], 0x2000n));
    const plugins = registry();
    const result = lower(ir, plugins);
    expect(result.diagnostics.map((d) => d.check)).toEqual(["mapping-refused"]);
  });

  it("reports a missing format plugin and mappings into identity domains", () => {
    const ir = baseTopology("nonexistent");
    expect(lower(ir, registry()).diagnostics.map((d) => d.check)).toEqual([
      "format-plugin-missing",
    ]);
    const ir2 = baseTopology("fake-radix");
    ir2.domains.push({ ...domain("id", []), type: "identity" });
    ir2.mappings.push(mapping("id", [{ pa: 0x8000_0000n, size: 0x1000n }], 0x1000n));
    const ds = lower(ir2, registry()).diagnostics;
    expect(ds.map((d) => d.check)).toEqual(["mapping-into-untranslated-domain"]);
    // Named by what it maps, with the right article: "an identity domain".
    expect(ds[0]!.message).toMatch(/^the mapping of ram \(pa 0x80000000 .. \+0x1000\) into id/);
    expect(ds[0]!.message).toContain("an identity domain");
  });

  it("binds a device behind a second instance to a shared table only where it can walk it", () => {
    const shared = () => {
      const ir = baseTopology("fake-radix");
      ir.mappers.push({ ...ir.mappers[0]!, name: "smmu2" });
      ir.endpoints.push(device("a", 1n), { ...device("b", 2n), mapper: "smmu2" });
      ir.domains.push(domain("d", ["a", "b"]));
      return ir;
    };
    const ok = lower(shared(), registry());
    expect(ok.diagnostics).toEqual([]);
    expect(ok.compiled!.endpoints.find((e) => e.endpoint === "b")).toMatchObject({
      kind: "iommu",
      mapper: "smmu2",
      table: "d",
    });

    const other = shared();
    other.mappers[1]!.format = "fake-radix-2";
    const plugins = registry();
    plugins.register(createFakeRadix("fake-radix-2"), "test");
    const bad = lower(other, plugins).diagnostics;
    expect(bad.map((d) => [d.code, d.check])).toEqual([["VCM0319", "shared-table-mismatch"]]);
    expect(bad[0]!.message).toContain(
      "'smmu' uses the format fake-radix, 'smmu2' uses fake-radix-2",
    );
  });

  it("binds devices and records how every endpoint reaches memory", () => {
    const ir = baseTopology("fake-radix");
    ir.endpoints.push(device("nic", 5n), device("raw", 6n));
    ir.domains.push(domain("e", ["nic"]), { ...domain("pt", ["raw"]), type: "identity" });
    ir.endpoints.push({
      name: "dma0",
      kind: "dma",
      dmaMaskBits: 32,
      busOffset: 0x4000_0000n,
      span: SPAN,
    });
    const { compiled, plugin } = lowerOk(ir);
    const smmu = compiled.mappers[0]!;
    expect(smmu.instance?.registers["STRTAB"]).toBe(smmu.instance?.root);
    const e = compiled.tables.find((t) => t.name === "e")!;
    const looked = plugin.lookupDevice!(compiled.memory, {}, smmu.instance!.registers, 5n);
    expect(looked).toEqual({ root: e.context.root, domainId: e.domainId });
    expect(compiled.tables.map((t) => t.domainId)).toEqual([1, 2]);
    expect(compiled.endpoints).toEqual([
      { endpoint: "gpu", kind: "iommu", mapper: "smmu", stream: 1n, domain: "d", table: "d" },
      { endpoint: "nic", kind: "iommu", mapper: "smmu", stream: 5n, domain: "e", table: "e" },
      {
        endpoint: "raw",
        kind: "identity",
        mapper: "smmu",
        domain: "pt",
        aperture: { base: 0n, size: 1n << 39n },
      },
      { endpoint: "dma0", kind: "direct", busOffset: 0x4000_0000n, dmaMaskBits: 32 },
    ]);
  });

  it("unmaps a mapping on the live tables and reuses its auto IOVA", async () => {
    const ir = baseTopology("fake-radix");
    ir.mappings.push(mapping("d", [{ pa: 0x8000_0000n, size: 0x4000n }], "auto"));
    const plugins = registry();
    const result = lower(ir, plugins);
    const live = result.live!;
    const record = result.compiled!.mappings[0]!;
    expect(unmapMapping(live, record).ok).toBe(true);
    const plugin = plugins.get("fake-radix")!;
    const table = live.tables.get("d")!.table;
    expect(plugin.walk(live.memory, table.context, record.iova).ok).toBe(false);
    expect(table.leafCounts).toEqual({});
    const again = mapMapping(live, mapping("d", [{ pa: 0x8000_0000n, size: 0x4000n }], "auto"));
    expect(again.ok && again.record.iova).toBe(record.iova);
  });

  it("defines every code it reports in the lowering range", () => {
    const codes = loweringChecks.map((c) => Number(c.code.slice(3)));
    expect(codes.every((c) => c >= 300 && c <= 399)).toBe(true);
    expect(new Set(codes).size).toBe(codes.length);
  });
});
