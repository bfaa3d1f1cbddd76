/**
 * Verification throughput. (1) One arm-lpae domain of 16,777,216 4K pages (64 GiB), proved
 * exhaustively by `verify` (every table read once, leaves enumerated as runs and swept against
 * the intent): pages/s and memory. Target >= 100 million pages/s on one core. (2) 4, 16 and 64
 * domains proved by `verifyParallel` (`vcm run --jobs N`) on 1, 2 and 4 threads: how the wall
 * time scales with the number of domains and of threads.
 *
 * Run alone: `npm run build && node --expose-gc dist/bench/verify-bench.js` (BENCH_RUNS, default 5;
 * VERIFY_BENCH_PARALLEL_RUNS, default 3; VERIFY_BENCH_GIB per domain, default 1).
 */
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import type { IrTopology } from "../src/ir/types.js";
import type { CompiledTopology } from "../src/lowering/compiled.js";
import { PluginRegistry } from "../src/plugin-host/registry.js";
import { verifyParallel } from "../src/runtime/parallel.js";
import { shareFrames } from "../src/runtime/shared-frames.js";
import { verify } from "../src/runtime/verify.js";
import armLpae from "../plugins/arm-lpae/index.js";
import { compileText } from "./compile-text.js";
import { fmt, MB, median, timeRuns } from "./stats.js";

const RUNS = Number(process.env["BENCH_RUNS"] ?? 5);
const PARALLEL_RUNS = Number(process.env["VERIFY_BENCH_PARALLEL_RUNS"] ?? 3);
const DOMAIN_GIB = Number(process.env["VERIFY_BENCH_GIB"] ?? 1);
const DOMAIN_COUNTS = [4, 16, 64];
const JOBS = [1, 2, 4];
const PAGES_64G = 16_777_216;

function registry(): PluginRegistry {
  const r = new PluginRegistry();
  r.register(armLpae, "built-in");
  return r;
}

/** `domains` devices, each in its own domain mapping `gib` GiB forced to 4K pages. */
export function topology(domains: number, gib: number): string {
  const lines = [
    "topology verify_bench",
    `memory ddr   0x1_0000_0000 .. +${domains * gib}G ram`,
    "memory ptmem 0x400_0000_0000 .. +4G ram",
    "pool tables in ptmem[0 .. +3G]",
    "iommu smmu : arm-lpae { stage 1; granule 4K; ias 48; oas 48 }",
  ];
  for (let i = 0; i < domains; i++) {
    lines.push(`device dev${i} behind smmu stream ${i + 1}`);
    lines.push(`domain d${i} on smmu { type dma; aperture 0 .. +128G; attach dev${i} }`);
    lines.push(`map ddr[${i * gib}G .. +${gib}G] -> d${i} at 0x10_0000_0000 rw pages 4K`);
  }
  return lines.join("\n") + "\n";
}

export function compile(text: string): { ir: IrTopology; compiled: CompiledTopology } {
  return compileText(text, "verify-bench.vcm", registry());
}

const gc = () => (globalThis as { gc?: () => void }).gc?.();

function singleDomain(): void {
  const { ir, compiled } = compile(topology(1, 64));
  const seconds: number[] = [];
  const extraMB: number[] = [];
  verify(compiled, ir, compiled.plugins, { scenarios: false }); // JIT warm-up, not timed
  gc();
  // No gc() between runs: a forced full collection right before a run slows the next pass
  // through the 128 MB of tables (measured: ~2x), which `vcm run` never does.
  for (let i = 0; i < RUNS; i++) {
    const before = process.memoryUsage();
    let peak = 0;
    const t0 = process.hrtime.bigint();
    const report = verify(compiled, ir, compiled.plugins, { scenarios: false });
    seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
    const after = process.memoryUsage();
    peak = Math.max(
      peak,
      after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers,
    );
    extraMB.push(peak / MB);
    if (report.status !== "proved" || report.pagesChecked !== PAGES_64G) {
      throw new Error(`bench proof failed: ${report.status}, ${report.pagesChecked} pages`);
    }
  }
  // The plugin's own share: enumerating the leaves from bytes, nothing else.
  const leafSeconds: number[] = [];
  const table = compiled.tables[0]!;
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    armLpae.leaves(compiled.memory, table.context, () => {});
    leafSeconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const s = median(seconds);
  const rate = PAGES_64G / s;
  console.log(
    `verify: one arm-lpae domain, 64 GiB at 4K, ${PAGES_64G.toLocaleString()} pages, tables ${fmt(compiled.pools[0]!.usedBytes / MB, 1)} MB`,
  );
  console.log(
    `  median of ${RUNS}: ${fmt(s * 1000, 1)} ms  ->  ${fmt(rate / 1e6, 1)} M pages/s (target >= 100)  ${rate >= 100e6 ? "ok" : "BELOW TARGET"}`,
  );
  console.log(
    `  of which arm-lpae leaves() alone: ${fmt(median(leafSeconds) * 1000, 1)} ms ` +
      `(${fmt(PAGES_64G / median(leafSeconds) / 1e6, 1)} M pages/s)`,
  );
  console.log(
    `  memory held by the proof: ${fmt(median(extraMB), 1)} MB; process peak RSS ${fmt((process.resourceUsage().maxRSS * 1024) / MB, 0)} MB (includes lowering)`,
  );
}

// ---------------------------------------------------------------------------------------------
// Many domains over worker threads, as `vcm run --jobs N` does it.

/** Median wall time of `verifyParallel` on `jobs` threads (1: `verify` on this thread). */
async function timeParallel(
  ir: IrTopology,
  compiled: CompiledTopology,
  jobs: number,
  pages: number,
): Promise<number> {
  const walls: number[] = [];
  for (let run = 0; run < PARALLEL_RUNS; run++) {
    const t0 = process.hrtime.bigint();
    const report = await verifyParallel(compiled, ir, compiled.plugins, {
      jobs,
      scenarios: false,
      // Workers even for the small cases: the table shows where they stop paying off.
      minParallelWork: 0,
    });
    walls.push(Number(process.hrtime.bigint() - t0) / 1e9);
    if (report.status !== "proved" || report.pagesChecked !== pages) {
      throw new Error(`parallel proof failed: ${report.status}, ${report.pagesChecked} pages`);
    }
  }
  return median(walls);
}

async function manyDomains(): Promise<void> {
  const gib = DOMAIN_GIB;
  console.log(
    `verify --jobs N: arm-lpae domains of ${gib} GiB at 4K, one device each; ` +
      `median of ${PARALLEL_RUNS} runs; ${availableParallelism()} CPUs, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
  );
  console.log(
    "  each run starts its workers afresh (as `vcm run` does): worker start-up, plugin loading and\n" +
      "  cold JIT in every worker are included; `1` is `verify` on this (warm) thread.",
  );
  const header = [
    "domains",
    "pages",
    ...JOBS.map((j) => `${j} thread${j > 1 ? "s" : ""}`),
    "frame copy",
  ];
  console.log("  " + header.map((h) => h.padStart(h === "domains" ? 7 : 22)).join(""));
  for (const domains of DOMAIN_COUNTS) {
    const { ir, compiled } = compile(topology(domains, gib));
    const pages = domains * gib * 262_144;
    // JIT warm-up of this thread (the workers are cold by design), not timed.
    verify(compiled, ir, compiled.plugins, { scenarios: false });
    const cells: string[] = [];
    let base = 0;
    for (const jobs of JOBS) {
      const wall = await timeParallel(ir, compiled, jobs, pages);
      if (jobs === 1) base = wall;
      const rate = pages / wall / 1e6;
      cells.push(`${fmt(wall * 1000, 0)} ms ${fmt(rate, 0)}M/s x${fmt(base / wall, 2)}`);
    }
    // The one copy of the table frames into shared memory (included in the 2 and 4 columns).
    const copy = median(await timeRuns(PARALLEL_RUNS, () => shareFrames(compiled.memory)));
    cells.push(`${fmt(copy * 1000, 0)} ms`);
    console.log(
      "  " +
        String(domains).padStart(7) +
        pages.toLocaleString().padStart(22) +
        cells.map((c) => c.padStart(22)).join(""),
    );
  }
  console.log(
    `  load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
}

export async function verifyBench(): Promise<void> {
  singleDomain();
  console.log();
  await manyDomains();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await verifyBench();
