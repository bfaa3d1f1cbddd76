import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lower } from "../../src/lowering/lower.js";
import { checkTopology } from "../../src/pipeline/check-topology.js";
import { addressScale, xOf } from "../../src/pictures/address-scale.js";
import {
  buildTopologyGraph,
  graphDot,
  graphSvg,
  layoutSvg,
  reachRows,
} from "../../src/pictures/index.js";
import { hasStackTrace, vcm } from "../cli/helpers.js";
import { xmlProblems } from "./xml-check.js";

const dir = mkdtempSync(join(tmpdir(), "vcm-pictures-"));
const SAMPLES = ["video-pipeline", "default-domains", "p2p-revoke", "spapr-v2", "spapr-owners"];

async function compiledSample(name: string) {
  const checked = await checkTopology(`samples/${name}.vcm`, {});
  const lowered = lower(checked.ir!, checked.registry);
  return { ir: checked.ir!, compiled: lowered.compiled! };
}

describe("xml check", () => {
  it("accepts well-formed XML and finds what is not", () => {
    expect(xmlProblems('<svg a="1"><g><text>a &amp; b</text></g><rect/></svg>')).toEqual([]);
    expect(xmlProblems("<svg><g></svg>")).not.toEqual([]);
    expect(xmlProblems('<svg a="1" a="2"/>')).not.toEqual([]);
    expect(xmlProblems("<svg>a & b</svg>")).not.toEqual([]);
    expect(xmlProblems("<svg/><svg/>")).not.toEqual([]);
    expect(xmlProblems("<svg a=1/>")).not.toEqual([]);
  });
});

describe("address scale", () => {
  it("draws to scale when every feature is wide enough", () => {
    const s = addressScale({ base: 0n, size: 1n << 20n }, [{ base: 0x8000n, size: 0x8000n }], 1000);
    expect(s.toScale).toBe(true);
    expect(xOf(s, 1n << 19n)).toBeCloseTo(500, 5);
  });

  it("compresses empty stretches and keeps features in order", () => {
    const features = [
      { base: 0x1000n, size: 0x1000n },
      { base: 0xffff_0000_0000n, size: 0x20_0000n },
    ];
    const s = addressScale({ base: 0n, size: 1n << 48n }, features, 1000);
    expect(s.toScale).toBe(false);
    expect(s.pieces.some((p) => p.gap)).toBe(true);
    expect(s.width).toBeLessThanOrEqual(1000.001);
    const a = xOf(s, 0x1000n);
    const b = xOf(s, 0x2000n);
    const c = xOf(s, 0xffff_0000_0000n);
    const d = xOf(s, 0xffff_0020_0000n);
    expect(b - a).toBeGreaterThan(2);
    expect(d - c).toBeGreaterThan(2);
    expect(a < b && b < c && c < d).toBe(true);
  });
});

describe("mapping graph", () => {
  it("names every endpoint, mapper with its format, domain and region, with rights on the edges", async () => {
    const { ir } = await compiledSample("video-pipeline");
    const graph = buildTopologyGraph(ir);
    const svg = await graphSvg(graph);
    expect(xmlProblems(svg)).toEqual([]);
    for (const word of [
      "a53",
      "vdec",
      "disp",
      "jpeg",
      "sdma",
      "vdec_smmu",
      "iommu arm-lpae",
      "iommu arm-v7s",
      "iommu gart",
      "vdec_dom",
      "disp_dom",
      "ddr",
      "sram",
    ]) {
      expect(svg).toContain(`>${word}<`);
    }
    // disp maps the frames read-only: 4 frames of 8M.
    expect(
      graph.edges.find((e) => e.from === "domain:disp_dom" && e.to === "memory:ddr")?.label,
    ).toBe("r 32M (4 maps)");
    const dot = graphDot(graph);
    expect(dot).toContain('"domain:disp_dom" -> "memory:ddr" [label="r 32M (4 maps)"]');
    expect(dot.trim().endsWith("}")).toBe(true);
  });

  it("draws windows and containers of an sPAPR topology", async () => {
    const { ir } = await compiledSample("spapr-owners");
    const svg = await graphSvg(buildTopologyGraph(ir));
    expect(xmlProblems(svg)).toEqual([]);
    expect(svg).toContain(">gpu_c.ddw<");
    expect(svg).toContain(">spapr-v2<");
  });
});

describe("layout picture", () => {
  it.each(SAMPLES)("%s: well-formed, with its address spaces and regions", async (name) => {
    const { ir, compiled } = await compiledSample(name);
    const svg = layoutSvg(compiled);
    expect(xmlProblems(svg)).toEqual([]);
    for (const d of ir.domains)
      expect(svg).toMatch(
        new RegExp(`data-space="(domain|cpu context) ${d.name.replace(/\./g, "\\.")}"`),
      );
    for (const c of ir.containers)
      for (const w of c.windows) expect(svg).toContain(`data-space="window ${w.qualifiedName}"`);
    for (const m of ir.memories) expect(svg).toContain(`data-region="${m.name}"`);
  });

  it("shows page sizes, the MSI window and the mapping labels of the video pipeline", async () => {
    const { compiled } = await compiledSample("video-pipeline");
    const svg = layoutSvg(compiled);
    expect(svg).toContain('data-space="domain vdec_dom"');
    expect(svg).toContain('data-space="cpu context a53"');
    expect(svg).toContain('class="ps-21"'); // the decoder's 2M blocks
    expect(svg).toContain('class="ps-20"'); // the display's 1M sections
    expect(svg).toContain('class="r-msi"');
    expect(svg).toContain("frame[0] 0xffff_0000_0000");
    expect(svg).toMatch(/<tspan class="bold">disp<\/tspan> r-- 32M via table disp_dom/);
  });
});

describe("reach rows", () => {
  it("joins mappings with the endpoints that use their table, and no-MMU reach", async () => {
    const { compiled } = await compiledSample("video-pipeline");
    const rows = reachRows(compiled);
    const disp = rows.filter((r) => r.endpoint === "disp");
    expect(disp.length).toBe(4);
    expect(disp.every((r) => r.rights === "r--" && r.buffer?.startsWith("frame["))).toBe(true);
    expect(disp[0]!.address).toBe(0x1000_0000n);
    expect(
      rows.some((r) => r.endpoint === "sdma" && r.via === "direct" && r.memory === "ddr"),
    ).toBe(true);
  });
});

describe("vcm graph / vcm layout", () => {
  it.each(SAMPLES)("%s: the same bytes from two independent builds", async (name) => {
    const a = await compiledSample(name);
    const b = await compiledSample(name);
    expect(await graphSvg(buildTopologyGraph(b.ir))).toBe(await graphSvg(buildTopologyGraph(a.ir)));
    expect(layoutSvg(b.compiled)).toBe(layoutSvg(a.compiled));
  });

  it("writes byte-identical pictures on two runs of the binary", () => {
    for (const cmd of ["graph", "layout"]) {
      const a = join(dir, `${cmd}-a.svg`);
      const b = join(dir, `${cmd}-b.svg`);
      expect(vcm([cmd, "samples/video-pipeline.vcm", "-o", a]).code).toBe(0);
      expect(vcm([cmd, "samples/video-pipeline.vcm", "-o", b]).code).toBe(0);
      const text = readFileSync(a, "utf8");
      expect(xmlProblems(text)).toEqual([]);
      expect(readFileSync(b, "utf8")).toBe(text);
    }
  });

  it("writes Graphviz with --format dot", () => {
    const out = join(dir, "v.dot");
    expect(vcm(["graph", "samples/video-pipeline.vcm", "-o", out, "--format", "dot"]).code).toBe(0);
    expect(readFileSync(out, "utf8")).toMatch(/^digraph "video_playback" \{/);
  });

  it("leaves an earlier picture alone on a topology with errors, and exits 1", () => {
    const bad = join(dir, "bad.vcm");
    writeFileSync(bad, "topology t\nmemory ddr ram 0x0 .. +1M\nmap nothing -> nowhere at 0 r\n");
    const out = join(dir, "kept.svg");
    writeFileSync(out, "earlier");
    for (const cmd of ["graph", "layout"]) {
      const r = vcm([cmd, bad, "-o", out]);
      expect(r.code).toBe(1);
      expect(hasStackTrace(r.stderr)).toBe(false);
      expect(readFileSync(out, "utf8")).toBe("earlier");
    }
  });

  it("exits 2 for a missing file, a missing -o and an unwritable output", () => {
    expect(vcm(["graph", join(dir, "missing.vcm"), "-o", join(dir, "x.svg")]).code).toBe(2);
    expect(vcm(["layout", "samples/video-pipeline.vcm"]).code).toBe(2);
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    const r = vcm(["graph", "samples/video-pipeline.vcm", "-o", join(file, "x.svg")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot write");
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it("vcm run --html: a self-contained report, byte-identical on two runs; exit 2 when it cannot be written", () => {
    const a = join(dir, "a.html");
    const b = join(dir, "b.html");
    expect(vcm(["run", "samples/p2p-revoke.vcm", "--html", a]).code).toBe(0);
    expect(vcm(["run", "samples/p2p-revoke.vcm", "--html", b]).code).toBe(0);
    const html = readFileSync(a, "utf8");
    expect(readFileSync(b, "utf8")).toBe(html);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).toContain('id="vcm-reach"');
    const file = join(dir, "not-a-dir");
    writeFileSync(file, "");
    const r = vcm(["run", "samples/p2p-revoke.vcm", "--html", join(file, "r.html")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot write");
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
