/**
 * Lowering throughput: one arm-lpae domain mapping 64 GiB forced to 4K pages (16,777,216 leaf
 * entries) through `lower()`. Prints leaf entries/s and peak memory. Target (task: lowering):
 * >= 50 million entries/s and peak memory < 1.5 x the table bytes + 150 MB.
 *
 * Each run is a fresh child process, so its peak RSS (`resourceUsage().maxRSS`) belongs to
 * that run alone; the parent reports medians. Two kinds of run: cold (the big lowering is the
 * first thing the process does: JIT compilation of the fill happens while it runs) and after a
 * warm-up (a small different topology lowered a few times first, as the verify bench warms up:
 * the steady state, the fair comparison with the ahead-of-time compiled C reference).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { lower } from "../src/lowering/lower.js";
import { PluginRegistry } from "../src/plugin-host/registry.js";
import armLpae from "../plugins/arm-lpae/index.js";
import { resolveText } from "./compile-text.js";
import { fmt, MB, median } from "./stats.js";

const RUNS = Number(process.env["BENCH_RUNS"] ?? 5);
const CHILD_FLAG = "--compile-bench-child";
const WARM_FLAG = "--warm";

export const BENCH_TOPOLOGY = `topology compile_bench
memory ddr   0x1_0000_0000 .. +64G ram
memory ptmem 0x40_0000_0000 .. +1G ram
pool tables in ptmem[0 .. +256M]
iommu smmu : arm-lpae { stage 1; granule 4K; ias 48; oas 48 }
device dev behind smmu stream 1
domain big on smmu { type dma; aperture 0 .. +128G; attach dev }
map ddr[0 .. +64G] -> big at 0x10_0000_0000 rw pages 4K
`;

/**
 * The warm-up: 4 GiB of 4K pages (1,048,576 leaves, 8 MB of tables) at other addresses, lowered
 * WARMUP_ROUNDS times, enough calls for V8 to optimise the fill's functions (one round is not:
 * the fill's per-table functions were still being compiled during the big lowering).
 */
const WARMUP_TOPOLOGY = `topology compile_warmup
memory ddr   0x2_0000_0000 .. +4G ram
memory ptmem 0x50_0000_0000 .. +64M ram
pool tables in ptmem[0 .. +64M]
iommu smmu : arm-lpae { stage 1; granule 4K; ias 48; oas 48 }
device dev behind smmu stream 7
domain warm on smmu { type dma; aperture 0 .. +8G; attach dev }
map ddr[0 .. +4G] -> warm at 0x1_0000_0000 rw pages 4K
`;
const WARMUP_ROUNDS = 4;

export interface RunResult {
  seconds: number;
  /** CPU time of the lowering (user + system, all threads). */
  cpuSeconds: number;
  leaves: number;
  tableBytes: number;
  peakRssMB: number;
  arrayBuffersMB: number;
}

function runOnce(warm: boolean): RunResult {
  const registry = new PluginRegistry();
  registry.register(armLpae, "built-in");
  if (warm) {
    const ir = resolveText(WARMUP_TOPOLOGY, "compile-warmup.vcm", registry);
    for (let i = 0; i < WARMUP_ROUNDS; i++) {
      const warmup = lower(ir, registry);
      if (!warmup.compiled) throw new Error(warmup.diagnostics.map((d) => d.message).join("; "));
    }
  }
  const ir = resolveText(BENCH_TOPOLOGY, "compile-bench.vcm", registry);
  (globalThis as { gc?: () => void }).gc?.();
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const result = lower(ir, registry);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const compiled = result.compiled;
  if (!compiled) throw new Error(result.diagnostics.map((d) => d.message).join("; "));
  const leaves = Object.values(compiled.tables[0]!.leafCounts).reduce((a, b) => a + b, 0);
  const mem = process.memoryUsage();
  return {
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    leaves,
    tableBytes: compiled.pools[0]!.usedBytes,
    peakRssMB: (process.resourceUsage().maxRSS * 1024) / MB,
    arrayBuffersMB: mem.arrayBuffers / MB,
  };
}

/** Lower the bench topology `runs` times, each in a fresh child process, cold or warmed up. */
export function loweringRuns(runs: number, warm: boolean): RunResult[] {
  const script = fileURLToPath(import.meta.url);
  const results: RunResult[] = [];
  for (let i = 0; i < runs; i++) {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, script, CHILD_FLAG, ...(warm ? [WARM_FLAG] : [])],
      {
        encoding: "utf8",
        maxBuffer: 1 << 20,
      },
    );
    if (child.status !== 0) throw new Error(`compile bench run failed:\n${child.stderr}`);
    results.push(JSON.parse(child.stdout.trim().split("\n").pop()!) as RunResult);
  }
  return results;
}

export async function compileBench(): Promise<void> {
  // Alternated, so the load of the machine falls on both kinds alike.
  const cold: RunResult[] = [];
  const warm: RunResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    cold.push(loweringRuns(1, false)[0]!);
    warm.push(loweringRuns(1, true)[0]!);
  }
  const leaves = cold[0]!.leaves;
  const tableMB = cold[0]!.tableBytes / MB;
  const budget = 1.5 * tableMB + 150;
  console.log(`lowering: arm-lpae, 64 GiB forced to 4K pages, ${leaves.toLocaleString()} leaves`);
  for (const [what, results] of [
    ["after a warm-up", warm],
    ["cold process", cold],
  ] as const) {
    const seconds = median(results.map((r) => r.seconds));
    const rate = leaves / seconds;
    const peak = median(results.map((r) => r.peakRssMB));
    console.log(
      `  ${what}, median of ${RUNS}: ${fmt(seconds, 3)} s (CPU ${fmt(median(results.map((r) => r.cpuSeconds)), 3)} s)  ->  ` +
        `${fmt(rate / 1e6, 1)} M entries/s (target >= 50)  ${rate >= 50e6 ? "ok" : "BELOW TARGET"}`,
    );
    console.log(
      `    peak RSS ${fmt(peak, 0)} MB (array buffers ${fmt(median(results.map((r) => r.arrayBuffersMB)), 0)} MB), ` +
        `tables ${fmt(tableMB, 1)} MB, budget 1.5 x tables + 150 = ${fmt(budget, 0)} MB  ` +
        `${peak <= budget ? "ok" : "OVER BUDGET"}`,
    );
  }
}

if (process.argv.includes(CHILD_FLAG)) {
  console.log(JSON.stringify(runOnce(process.argv.includes(WARM_FLAG))));
}
