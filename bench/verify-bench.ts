/**
 * Verification throughput. (1) One arm-lpae domain of 16,777,216 4K pages (64 GiB), proved
 * exhaustively by `verify` (every table read once, leaves enumerated as runs and swept against
 * the intent): pages/s and memory. Target >= 100 million pages/s on one core. (2) Many domains
 * spread over worker threads: the tables are lowered once, copied into each worker, and each
 * worker proves its share of the endpoints; reports how throughput scales with workers.
 *
 * Run alone: `npm run build && node --expose-gc dist/bench/verify-bench.js` (BENCH_RUNS, default 5;
 * VERIFY_BENCH_DOMAINS, default 16).
 */
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import type { IrTopology } from "../src/ir/types.js";
import type { CompiledTopology } from "../src/lowering/compiled.js";
import { lower } from "../src/lowering/lower.js";
import { PhysicalMemory } from "../src/plugin-api/physical-memory.js";
import { PluginRegistry } from "../src/plugin-host/registry.js";
import { verify } from "../src/runtime/verify.js";
import { resolve } from "../src/semantics/resolve.js";
import { parseSource } from "../src/syntax/parse.js";
import armLpae from "../plugins/arm-lpae/index.js";
import { fmt, MB, median } from "./stats.js";

const RUNS = Number(process.env["BENCH_RUNS"] ?? 5);
const DOMAINS = Number(process.env["VERIFY_BENCH_DOMAINS"] ?? 16);
const PAGES_64G = 16_777_216;

function registry(): PluginRegistry {
  const r = new PluginRegistry();
  r.register(armLpae, "built-in");
  return r;
}

/** `domains` devices, each in its own domain mapping `gib` GiB forced to 4K pages. */
function topology(domains: number, gib: number): string {
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

function compile(text: string): { ir: IrTopology; compiled: CompiledTopology } {
  const plugins = registry();
  const parsed = parseSource(text, "verify-bench.vcm");
  const resolved = resolve([parsed.ast], plugins);
  const errors = [...parsed.diagnostics, ...resolved.diagnostics].filter(
    (d) => d.severity === "error",
  );
  if (errors.length > 0) throw new Error(errors.map((e) => e.message).join("; "));
  const result = lower(resolved.ir, plugins);
  if (!result.compiled) throw new Error(result.diagnostics.map((d) => d.message).join("; "));
  return { ir: resolved.ir, compiled: result.compiled };
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
// Many domains over worker threads.

interface WorkerInput {
  frames: SharedArrayBuffer;
  pfns: number[];
  compiled: Omit<CompiledTopology, "plugins" | "memory" | "live">;
  endpoints: string[];
}

function workerMain(): void {
  const input = workerData as WorkerInput;
  const memory = new PhysicalMemory();
  const words = new Uint32Array(input.frames);
  input.pfns.forEach((pfn, i) => memory.frame(pfn).set(words.subarray(i * 1024, (i + 1) * 1024)));
  const compiled: CompiledTopology = { ...input.compiled, plugins: registry(), memory };
  // Warm the JIT on this worker's first domain, so the timed run measures steady state.
  verify(compiled, compiled.ir, compiled.plugins, {
    scenarios: false,
    endpoints: input.endpoints.slice(0, 1),
  });
  parentPort!.postMessage("ready");
  parentPort!.once("message", () => {
    const t0 = process.hrtime.bigint();
    const report = verify(compiled, compiled.ir, compiled.plugins, {
      scenarios: false,
      endpoints: input.endpoints,
    });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    parentPort!.postMessage({ seconds, pages: report.pagesChecked, status: report.status });
  });
}

async function manyDomains(): Promise<void> {
  const gib = 4;
  const { compiled } = compile(topology(DOMAINS, gib));
  const pfns = compiled.memory.framePfns();
  const frames = new SharedArrayBuffer(pfns.length * 4096);
  const words = new Uint32Array(frames);
  pfns.forEach((pfn, i) => words.set(compiled.memory.peek(pfn), i * 1024));
  const { plugins: _p, memory: _m, live: _l, ...plain } = compiled;
  const endpoints = compiled.endpoints.map((e) => e.endpoint);
  const totalPages = DOMAINS * gib * 262_144;
  const script = fileURLToPath(import.meta.url);
  console.log(
    `verify: ${DOMAINS} arm-lpae domains of ${gib} GiB at 4K (${totalPages.toLocaleString()} pages), ${availableParallelism()} CPUs`,
  );
  let base = 0;
  for (const n of [1, 2, 4, 8].filter((w) => w <= DOMAINS)) {
    const walls: number[] = [];
    for (let run = 0; run < Math.max(1, Math.min(RUNS, 3)); run++) {
      const workers = Array.from({ length: n }, (_, w) => {
        const share = endpoints.filter((_, i) => i % n === w);
        const input: WorkerInput = { frames, pfns, compiled: plain, endpoints: share };
        return new Worker(script, { workerData: input });
      });
      await Promise.all(workers.map((w) => new Promise((ok) => w.once("message", ok))));
      const t0 = process.hrtime.bigint();
      const results = await Promise.all(
        workers.map(
          (w) =>
            new Promise<{ pages: number; status: string }>((ok) => {
              w.once("message", ok);
              w.postMessage("go");
            }),
        ),
      );
      walls.push(Number(process.hrtime.bigint() - t0) / 1e9);
      await Promise.all(workers.map((w) => w.terminate()));
      const pages = results.reduce((a, r) => a + r.pages, 0);
      if (pages !== totalPages || results.some((r) => r.status !== "proved")) {
        throw new Error(`worker proof failed: ${pages} pages`);
      }
    }
    const wall = median(walls);
    const rate = totalPages / wall;
    if (n === 1) base = rate;
    console.log(
      `  ${n} worker(s): ${fmt(wall * 1000, 1)} ms  ->  ${fmt(rate / 1e6, 1)} M pages/s  (x${fmt(rate / base, 2)})`,
    );
  }
}

export async function verifyBench(): Promise<void> {
  singleDomain();
  console.log();
  await manyDomains();
}

if (!isMainThread) workerMain();
else if (process.argv[1] === fileURLToPath(import.meta.url)) await verifyBench();
