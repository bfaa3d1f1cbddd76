/**
 * Pictures and the HTML report. Targets (issue 13): `vcm graph` and `vcm layout` on a generated
 * topology of 30 endpoints and 1,000 mappings under 2 s each; the HTML report of a 16M-page run
 * under 5 MB. The picture steps are timed in process (median of BENCH_RUNS, after one warm-up
 * run) and the whole binary once, cold, as a user runs it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { IrTopology } from "../src/ir/types.js";
import type { CompiledTopology } from "../src/lowering/compiled.js";
import { buildTopologyGraph, graphSvg, layoutSvg, runReportHtml } from "../src/pictures/index.js";
import { builtinRegistry } from "../src/plugin-host/builtins.js";
import { verify } from "../src/runtime/index.js";
import { BENCH_TOPOLOGY } from "./compile-bench.js";
import { compileText } from "./compile-text.js";
import { fmt, MB, median, timeRuns } from "./stats.js";

const RUNS = Number(process.env["BENCH_RUNS"] ?? 5);
const ENDPOINTS = 30;
const MAPPINGS = 1000;
const BIN = fileURLToPath(new URL("../../bin/vcm.js", import.meta.url));

/** 30 devices behind 4 SMMUs of two formats, 1,000 buffers mapped, 64K and 2M alternating. */
export function picturesTopology(): string {
  const lines = [
    "topology pictures_bench",
    "memory ddr 0x1_0000_0000 .. +64G ram",
    "memory regs 0x0 .. +16M mmio",
    "pool tables in ddr[0 .. +1G]",
    "iommu smmu0 : arm-lpae { stage 1; granule 4K; ias 40; oas 48 }",
    "iommu smmu1 : arm-lpae { stage 1; granule 4K; ias 40; oas 48 }",
    "iommu smmu2 : arm-lpae { stage 1; granule 4K; ias 40; oas 48; msi 0x0800_0000 .. +1M }",
    "iommu smmu3 : arm-lpae { stage 1; granule 4K; ias 40; oas 48 }",
  ];
  for (let d = 0; d < ENDPOINTS; d++) {
    lines.push(`device dev${d} behind smmu${d % 4} stream ${d + 1}`);
    lines.push(
      `domain dom${d} on smmu${d % 4} { type dma; aperture 0 .. +1T; reserve 0 .. +64K; attach dev${d} }`,
    );
  }
  for (let m = 0; m < MAPPINGS; m++) {
    const big = m % 2 === 1;
    lines.push(`buffer b${m} in ddr size ${big ? "2M" : "64K"} align ${big ? "2M" : "64K"}`);
    lines.push(`map b${m} -> dom${m % ENDPOINTS} at auto ${m % 3 === 0 ? "r" : "rw"}`);
  }
  return lines.join("\n") + "\n";
}

function compile(text: string, file: string): { ir: IrTopology; compiled: CompiledTopology } {
  return compileText(text, file, builtinRegistry());
}

function binarySeconds(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`vcm ${args.join(" ")} failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function verdict(ok: boolean): string {
  return ok ? "ok" : "ABOVE TARGET";
}

export async function picturesBench(): Promise<void> {
  const text = picturesTopology();
  const { ir, compiled } = compile(text, "pictures-bench.vcm");
  console.log(
    `pictures: ${ir.endpoints.length} endpoints, ${ir.mappings.length} mappings, ${compiled.tables.length} tables`,
  );
  await graphSvg(buildTopologyGraph(ir)); // warm-up: ELK's first layout also compiles its code
  const graph = await timeRuns(RUNS, async () => graphSvg(buildTopologyGraph(ir)));
  layoutSvg(compiled);
  const layout = await timeRuns(RUNS, () => layoutSvg(compiled));
  const dir = mkdtempSync(join(tmpdir(), "vcm-pictures-bench-"));
  const file = join(dir, "pictures-bench.vcm");
  writeFileSync(file, text);
  // The floor every command pays (start-up, parse, resolve, checks), for comparison.
  const checkCold = binarySeconds(["check", file]);
  const graphCold = binarySeconds(["graph", file, "-o", join(dir, "graph.svg")]);
  const layoutCold = binarySeconds(["layout", file, "-o", join(dir, "layout.svg")]);
  const sizes = [join(dir, "graph.svg"), join(dir, "layout.svg")].map(
    (p) => readFileSync(p).length,
  );
  console.log(
    `  \`vcm check\` on the same file (start-up + check, the floor): ${fmt(checkCold, 2)} s`,
  );
  console.log(
    `  graph:  median of ${RUNS} ${fmt(median(graph) * 1000, 0)} ms in process; whole \`vcm graph\` ${fmt(graphCold, 2)} s (target < 2 s)  ${verdict(graphCold < 2)}; ${fmt(sizes[0]! / 1024, 0)} KB`,
  );
  console.log(
    `  layout: median of ${RUNS} ${fmt(median(layout) * 1000, 0)} ms in process; whole \`vcm layout\` ${fmt(layoutCold, 2)} s (target < 2 s)  ${verdict(layoutCold < 2)}; ${fmt(sizes[1]! / 1024, 0)} KB`,
  );

  // The HTML report of the compile bench's 16M-page run (64 GiB at 4K in one domain).
  const big = compile(BENCH_TOPOLOGY, "compile-bench.vcm");
  const report = verify(big.compiled, big.ir, big.compiled.plugins, { scenarios: false });
  const t0 = process.hrtime.bigint();
  const html = await runReportHtml(report, big.compiled);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const bytes = Buffer.byteLength(html);
  console.log(
    `  HTML report of a ${report.pagesChecked.toLocaleString()}-page run: ${fmt(bytes / MB, 2)} MB (target < 5 MB)  ${verdict(bytes < 5 * MB)}; written in ${fmt(seconds * 1000, 0)} ms`,
  );
}
