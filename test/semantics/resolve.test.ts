/** The resolver on parsed text: names, arrays, folding, placement, params, implicit domains. */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { irToJson } from "../../src/ir/serialize.js";
import { resolve } from "../../src/semantics/resolve.js";
import { parseAll } from "../checks/harness.js";
import { fakeRegistry } from "../fixtures/fake-plugins.js";

function run(text: string | Record<string, string>) {
  const { files } = parseAll(typeof text === "string" ? { "t.vcm": text } : text);
  return resolve(files, fakeRegistry());
}

const checks = (r: ReturnType<typeof run>) => r.diagnostics.map((d) => d.check);

describe("names", () => {
  test("unresolved name suggests the closest declaration", () => {
    const r = run("memory ddr 0 .. +1M ram\nbuffer b in dddr size 4K\n");
    expect(checks(r)).toEqual(["unresolved-name"]);
    expect(r.diagnostics[0]!.hint).toBe("did you mean 'ddr'?");
  });
  test("a-b is one name: the hint says to write a - b", () => {
    const r = run("const A = 8K\nconst B = 4K\nconst C = A-B\n");
    const d = r.diagnostics.find((x) => x.check === "unresolved-name");
    expect(d?.hint).toContain("'A - B'");
  });
  test("duplicate names across files point at the first declaration", () => {
    const r = run({ "a.vcm": "const X = 1\n", "b.vcm": "memory X 0 .. +4K ram\n" });
    expect(checks(r)).toEqual(["duplicate-name"]);
    expect(r.diagnostics[0]!.span!.file).toBe("b.vcm");
    expect(r.diagnostics[0]!.related![0]!.span.file).toBe("a.vcm");
  });
  test("wrong kind", () => {
    const r = run("const X = 1\nbuffer b in X size 4K\n");
    expect(checks(r)).toEqual(["wrong-kind"]);
  });
  test("forward const references and cycles", () => {
    expect(run("const A = B + 1\nconst B = 2\n").ir.consts).toEqual({ A: 3n, B: 2n });
    expect(checks(run("const A = B\nconst B = A\n"))).toContain("invalid-value");
  });
});

describe("64-bit folding", () => {
  test.each([
    ["0xFFFF_FFFF_FFFF_FFFF + 1", "arithmetic-overflow"],
    ["1 - 2", "arithmetic-overflow"],
    ["1 << 64", "arithmetic-overflow"],
    ["0x1_0000_0000 * 0x1_0000_0000", "arithmetic-overflow"],
    ["4 / 0", "division-by-zero"],
    ["4 % 0", "division-by-zero"],
  ])("%s -> %s", (expr, check) => {
    expect(checks(run(`const X = ${expr}\n`))).toEqual([check]);
  });
  test("valid arithmetic folds exactly", () => {
    const r = run("const X = (1 << 63) | 0xF & ~0x3\nconst Y = 2G / 4K - 1 >> 1\n");
    expect(r.diagnostics).toEqual([]);
    expect(r.ir.consts["X"]).toBe((1n << 63n) | (0xfn & ~0x3n & ((1n << 64n) - 1n)));
    expect(r.ir.consts["Y"]).toBe((2n ** 31n / 4096n - 1n) >> 1n);
  });
  test("an empty range", () => {
    expect(checks(run("memory m 0x1000 .. 0x1000 ram\n"))).toEqual(["empty-range"]);
  });
});

describe("buffers", () => {
  test("arrays expand and are placed first-fit, aligned, around pools and fixed buffers", () => {
    const r = run(
      "memory ddr 0x8000_0000 .. +64M ram\npool p in ddr[0 .. +1M]\n" +
        "buffer fix in ddr at 0x8020_0000 size 4K\nbuffer a[3] in ddr size 1M align 2M\nbuffer small in ddr size 4K\n",
    );
    expect(r.diagnostics).toEqual([]);
    const pa = Object.fromEntries(r.ir.buffers.map((b) => [b.name, b.chunks[0]!.pa]));
    expect(pa).toEqual({
      fix: 0x8020_0000n,
      "a[0]": 0x8040_0000n,
      "a[1]": 0x8060_0000n,
      "a[2]": 0x8080_0000n,
      small: 0x8010_0000n, // the first hole: after the pool, before `fix`
    });
  });
  test("a fixed array lays elements consecutively, each aligned", () => {
    const r = run("memory ddr 0 .. +64M ram\nbuffer f[2] at 0x1000 size 0x1800 align 4K\n");
    expect(r.ir.buffers.map((b) => b.chunks[0]!.pa)).toEqual([0x1000n, 0x3000n]);
  });
  test("region full", () => {
    expect(
      checks(
        run(
          "memory ddr 0 .. +1M ram\nbuffer a[2] in ddr size 512K align 512K\nbuffer b in ddr size 4K\n",
        ),
      ),
    ).toEqual(["region-full"]);
  });
  test("buffer addresses are physical: using one as an IOVA is an address-space mismatch", () => {
    const r = run(
      "memory ddr 0x8000_0000 .. +64M ram\npool p in ddr[0 .. +1M]\niommu s : arm-lpae { ias 32 }\n" +
        "device d behind s\nbuffer b in ddr size 4K\nmap b -> d at ddr + 0x1000 r\nexpect d faults at b\n",
    );
    expect(checks(r)).toEqual(["address-space-mismatch", "address-space-mismatch"]);
  });
});

describe("mappers and domains", () => {
  test("unknown format lists the known ones", () => {
    const r = run("iommu s : arm-lpea { }\n");
    const d = r.diagnostics.find((x) => x.check === "unknown-format")!;
    expect(d.message).toContain("arm-lpae, arm-v7s");
    expect(d.hint).toBe("did you mean 'arm-lpae'?");
  });
  test("params: unknown key, wrong value, missing required, plugin validate", () => {
    const r = run(
      "pool p in m\nmemory m 0 .. +1M ram\niommu a : arm-lpae { granulle 4K }\niommu b : arm-lpae { granule 8K }\n" +
        "iommu c : gart { }\niommu d : arm-lpae { ias 48; oas 32 }\n",
    );
    expect(checks(r)).toEqual([
      "unknown-param",
      "invalid-param",
      "invalid-param",
      "plugin-param-problem",
    ]);
    expect(r.diagnostics[0]!.hint).toBe("did you mean 'granule'?");
  });
  test("defaults are filled in and `pool` defaults to the only pool", () => {
    const r = run(
      "memory m 0 .. +1M ram\npool p in m\niommu g : gart { aperture 0x1000_0000 .. +16M }\n",
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.ir.mappers[0]!.params).toEqual({
      aperture: { base: 0x1000_0000n, size: 16n << 20n, space: "iova" },
      outside: "blocked",
    });
    expect(r.ir.mappers[0]!.pool).toBe("p");
  });
  test("two pools need `pool NAME`", () => {
    const base = "memory m 0 .. +4M ram\npool p in m[0 .. +1M]\npool q in m[1M .. +1M]\n";
    expect(checks(run(base + "iommu s : arm-v7s { }\n"))).toEqual(["no-pool"]);
    expect(run(base + "iommu s : arm-v7s { pool q }\n").ir.mappers[0]!.pool).toBe("q");
  });
  test("implicit domains: default domain, group-mates share, cpu address space", () => {
    const r = run(
      "memory m 0 .. +4M ram\npool p in m\nmmu cm : arm-lpae { va-bits 39 }\niommu s : arm-lpae { ias 36; msi 0x800_0000 .. +1M }\n" +
        "cpu c via cm\ndevice a behind s group 1\ndevice b behind s group 1\ndevice x behind s\n" +
        "domain d on s { attach a }\nmap m[0 .. +4K] -> c at 0x1000 r\nmap m[0 .. +4K] -> b at auto r\n",
    );
    // Attaching `a` attaches its group: `b` joins `d` too, and a note says so.
    expect(r.diagnostics.map((d) => [d.check, d.severity, d.message])).toEqual([
      ["group-attached-whole", "note", "attaching 'a' attaches group 1 of 's': 'b' joins 'd' too"],
    ]);
    const doms = Object.fromEntries(r.ir.domains.map((d) => [d.name, d]));
    expect(doms["c"]!.aperture).toEqual({ base: 0n, size: 1n << 39n, space: "va" });
    expect(doms["d"]!.attached).toEqual(["a", "b"]);
    expect(doms["s.default.x"]!.attached).toEqual(["x"]);
    expect(doms["s.default.x"]!.aperture.size).toBe(1n << 36n);
    expect(doms["s.default.x"]!.reserved.map((x) => [x.kind, x.origin])).toEqual([
      ["msi", "mapper"],
    ]);
    expect(r.ir.endpoints.find((e) => e.name === "x")!.defaultDomain).toBe("s.default.x");
    expect(r.ir.mappings.map((m) => m.target)).toEqual([
      { kind: "domain", name: "c" },
      { kind: "domain", name: "d" },
    ]);
  });
});

test("the video sample resolves cleanly and serialises stably", () => {
  const text = readFileSync("test/fixtures/checks/video.vcm", "utf8");
  const r = run({ "video.vcm": text });
  expect(r.diagnostics).toEqual([]);
  expect(r.ir.mappings).toHaveLength(15);
  const json = irToJson(r.ir);
  expect(json).toBe(irToJson(run({ "video.vcm": text }).ir));
  expect(json).toContain('"iova": "0x10800000"');
  expect(json).toContain('"span": "video.vcm:19:1"');
  expect(JSON.parse(json).irVersion).toBe(1);
});
