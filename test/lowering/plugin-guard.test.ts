/** The checks on every value a plugin returns (issue 9 §3): garbage is named, good values pass. */
import { describe, expect, it } from "vitest";
import {
  capabilitiesProblem,
  geometryProblem,
  guardPlugin,
  PluginContractError,
  PluginThrewError,
  registersProblem,
} from "../../src/lowering/plugin-guard.js";
import { PhysicalMemory } from "../../src/plugin-api/physical-memory.js";
import { PoolAllocator } from "../../src/plugin-api/pool-allocator.js";
import { MappingError, type VcmPlugin } from "../../src/plugin-api/types.js";
import { realPlugins } from "../fixtures/lowering/from-text.js";
import { createFakeRadix } from "../fixtures/lowering/fake-radix.js";
import { irFromText } from "../fixtures/lowering/from-text.js";

const plugins = realPlugins();

describe("capabilities, registers and geometry checks", () => {
  it("pass every built-in plugin's results for the samples' mappers", () => {
    const text = [
      "topology caps",
      "memory ram 0 .. +8G ram",
      "pool tables in ram[0x8000_0000 .. +16M]",
      "iommu a : arm-lpae { stage 1; granule 4K; ias 48; oas 48 }",
      "iommu b : intel-vtd { }",
      "iommu c : amd-v1 { }",
      "iommu d : arm-v7s { }",
      "iommu e : gart { aperture 0x1_0000_0000 .. +1G }",
      "cpu f : x86-64 { }",
    ].join("\n");
    const { ir } = irFromText(text, plugins);
    expect(ir.mappers.length).toBeGreaterThanOrEqual(5);
    for (const m of ir.mappers) {
      const plugin = plugins.get(m.format)!;
      expect(capabilitiesProblem(plugin.capabilities(m.params)), m.format).toBeUndefined();
      const g = plugin.tableGeometry?.({
        params: m.params,
        aperture: { base: 0n, size: 1n << 30n },
      });
      if (g) expect(geometryProblem(g), m.format).toBeUndefined();
    }
  });

  it("name what is wrong in garbage", () => {
    const good = plugins
      .get("arm-lpae")!
      .capabilities({ stage: 1n, granule: 4096n, ias: 48n, oas: 48n });
    expect(capabilitiesProblem(good)).toBeUndefined();
    expect(capabilitiesProblem(undefined)).toMatch(/expected an object/);
    expect(capabilitiesProblem({ ...good, pageSizes: [] })).toMatch(/pageSizes must be 1 to 64/);
    expect(capabilitiesProblem({ ...good, pageSizes: [0x3000n] })).toMatch(/power of two/);
    expect(capabilitiesProblem({ ...good, pageSizes: [0x200000n, 0x1000n] })).toMatch(/ascending/);
    expect(capabilitiesProblem({ ...good, pageSizes: [4096] })).toMatch(/a bigint/);
    expect(capabilitiesProblem({ ...good, inputBits: 65 })).toMatch(/inputBits must be 12\.\.64/);
    expect(capabilitiesProblem({ ...good, entryBytes: 2 })).toMatch(/entryBytes must be 4 or 8/);
    expect(capabilitiesProblem({ ...good, blocks: "yes" })).toMatch(/blocks must be a boolean/);
    expect(registersProblem({ TTBR0: 1n << 64n })).toMatch(/TTBR0.*64-bit unsigned bigint/);
    expect(registersProblem({ TTBR0: -1n })).toMatch(/TTBR0/);
    expect(registersProblem([])).toMatch(/expected an object/);
    expect(registersProblem({ TTBR0: 0x8000_0000n })).toBeUndefined();
    expect(geometryProblem({ levels: [] })).toMatch(/1 to 8 levels/);
    expect(
      geometryProblem({ levels: [{ shift: 12, bits: 9, tableBytes: 0, pageShifts: [12] }] }),
    ).toMatch(/levels\[0\]/);
  });
});

describe("guardPlugin", () => {
  const memory = () => new PhysicalMemory();

  it("passes a plugin's own errors through and tags anything else with plugin and call", () => {
    const fake = createFakeRadix();
    const bad: VcmPlugin = {
      ...fake,
      map: () => {
        throw new RangeError("boom");
      },
      unmap: () => {
        throw new MappingError("not-mapped", "nothing there");
      },
    };
    const g = guardPlugin(bad, "./bad.js");
    const handle = { root: 0n, name: "t" };
    expect(() => g.map(handle, 0n, 0n, 4096n, 1, 3, 0)).toThrow(PluginThrewError);
    expect(() => g.map(handle, 0n, 0n, 4096n, 1, 3, 0)).toThrow(
      "plugin 'fake-radix' (./bad.js) threw in map(): boom",
    );
    expect(() => g.unmap(handle, 0n, 4096n)).toThrow(MappingError);
  });

  it("refuses a root outside the pool, an unmap of more than asked, a table-page flood", () => {
    const fake = createFakeRadix();
    const pool = new PoolAllocator("pt", 0x4000_0000n, 0x10_0000n);
    const mem = memory();
    mem.allowWrites(0x4000_0000n, 0x10_0000n);
    const outside: VcmPlugin = { ...fake, create: () => ({ root: 0x1000n, name: "x" }) };
    expect(() =>
      guardPlugin(outside, "o").create(mem, pool, {
        params: {},
        name: "x",
        domainId: 1,
        aperture: { base: 0n, size: 1n << 32n },
      }),
    ).toThrow(/root 0x1000 is outside pool 'pt'/);
    const greedy: VcmPlugin = { ...fake, unmap: () => 0x2000n };
    expect(() => guardPlugin(greedy, "o").unmap({ root: 0n, name: "x" }, 0n, 0x1000n)).toThrow(
      PluginContractError,
    );
    const flood: VcmPlugin = {
      ...fake,
      tables: (_m, _c, visit) => {
        for (;;) visit(0x4000_0000n, 4096, 0);
      },
    };
    const context = {
      params: {},
      root: 0x4000_0000n,
      registers: {},
      aperture: { base: 0n, size: 1n },
    };
    expect(() => guardPlugin(flood, "o").tables(mem, context, () => {})).toThrow(
      /more than \d+ table pages/,
    );
    const garbage: VcmPlugin = {
      ...fake,
      tables: (_m, _c, visit) => visit(-1n as bigint, 4096, 0),
    };
    expect(() => guardPlugin(garbage, "o").tables(mem, context, () => {})).toThrow(
      /a table page must be/,
    );
  });

  it("checks relocations(): entry flood, bad entries, a reason that is not text; passes good ones", () => {
    const fake = createFakeRadix();
    const mem = memory();
    mem.write32(0x4000_0000, 1);
    const context = {
      params: {},
      root: 0x4000_0000n,
      registers: {},
      aperture: { base: 0n, size: 1n },
    };
    const guarded = (relocations: VcmPlugin["relocations"]) =>
      guardPlugin({ ...fake, relocations }, "o").relocations!;
    const seen: bigint[] = [];
    expect(
      guarded((_m, _c, visit) => {
        visit(0x4000_0008n, 8);
        return undefined;
      })(mem, context, (pa) => seen.push(pa)),
    ).toBeUndefined();
    expect(seen).toEqual([0x4000_0008n]);
    expect(() =>
      guarded((_m, _c, visit) => {
        for (;;) visit(0x4000_0000n, 8);
      })(mem, context, () => {}),
    ).toThrow(/more than \d+ entries/);
    expect(() =>
      guarded((_m, _c, visit) => {
        visit(0x4000_0000n, 2 as 4);
        return undefined;
      })(mem, context, () => {}),
    ).toThrow(/an entry must be \(pa bigint, bytes 4 or 8\)/);
    expect(() => guarded(() => 42 as unknown as string)(mem, context, () => {})).toThrow(
      /expected a reason/,
    );
    expect(guardPlugin({ ...fake, architecture: "x86-64" }, "o").architecture).toBe("x86-64");
  });

  it("tells a watch which call is active, and that it ended even when it threw", () => {
    const events: string[] = [];
    const watch = {
      enter: (p: string, o: string, c: string) => events.push(`enter ${p} ${o} ${c}`),
      leave: () => events.push("leave"),
    };
    const fake = createFakeRadix();
    const g = guardPlugin(
      {
        ...fake,
        map: () => {
          throw new Error("x");
        },
      },
      "here",
      watch,
    );
    expect(() => g.map({ root: 0n, name: "t" }, 0n, 0n, 4096n, 1, 3, 0)).toThrow();
    expect(events).toEqual(["enter fake-radix here map()", "leave"]);
  });
});
