/**
 * VCM against plain C (issue 14): bench/ref/arm-lpae.c builds the same arm-lpae table as the
 * compile bench (16,777,216 4K leaves) and enumerates and checks its leaves. Compiled with
 * `cc -O2` when a C compiler exists (skipped with a note otherwise). Prints VCM/C for lowering
 * (target <= 1.5x) and for the proof, `verify` (target <= 3x). The runs are interleaved (C, a
 * VCM lowering in a fresh process after a warm-up, a cold one, a warm VCM `verify` here, then
 * again) so load on the machine hits both sides alike; the ratios are printed in wall time (the
 * targets) and in CPU time (user + system, steadier on a loaded machine). The target is judged
 * on the steady state, after a warm-up, as for `verify` (C is compiled ahead of time; VCM's
 * JIT compiles the fill while a cold process runs it): the cold figure is printed beside it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loweringRuns } from "./compile-bench.js";
import { fmt, median } from "./stats.js";
import { compile, topology } from "./verify-bench.js";
import { verify } from "../src/runtime/verify.js";

const RUNS = Number(process.env["BENCH_RUNS"] ?? 5);
const SOURCE = fileURLToPath(new URL("../../bench/ref/arm-lpae.c", import.meta.url));

interface CResult {
  buildSeconds: number;
  enumerateSeconds: number;
  buildCpuSeconds: number;
  enumerateCpuSeconds: number;
  pages: number;
  tableBytes: number;
}

/** The C reference built in a scratch directory, or why not. */
function compileReference(dir: string): { exe: string } | { skipped: string } {
  const exe = join(dir, "arm-lpae");
  for (const cc of [process.env["CC"], "cc", "gcc", "clang"]) {
    if (!cc) continue;
    const r = spawnSync(cc, ["-O2", "-o", exe, SOURCE], { encoding: "utf8" });
    if (r.error) continue; // not installed
    if (r.status !== 0) return { skipped: `${cc} failed:\n${r.stderr}` };
    return { exe };
  }
  return { skipped: "no C compiler (cc, gcc, clang; or set CC)" };
}

export async function refBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "vcm-ref-"));
  try {
    const built = compileReference(dir);
    if ("skipped" in built) {
      console.log(`VCM / C: skipped: ${built.skipped}`);
      return;
    }
    const { ir, compiled } = compile(topology(1, 64));
    verify(compiled, ir, compiled.plugins, { scenarios: false }); // JIT warm-up
    const runs: CResult[] = [];
    const lowerings: number[] = [];
    const loweringCpu: number[] = [];
    const coldLowerings: number[] = [];
    const coldLoweringCpu: number[] = [];
    const verifies: number[] = [];
    const verifyCpu: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = spawnSync(built.exe, [], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`C reference failed: ${r.stderr}`);
      runs.push(JSON.parse(r.stdout) as CResult);
      const lowering = loweringRuns(1, true)[0]!;
      lowerings.push(lowering.seconds);
      loweringCpu.push(lowering.cpuSeconds);
      const cold = loweringRuns(1, false)[0]!;
      coldLowerings.push(cold.seconds);
      coldLoweringCpu.push(cold.cpuSeconds);
      const t0 = process.hrtime.bigint();
      const cpu0 = process.cpuUsage();
      const report = verify(compiled, ir, compiled.plugins, { scenarios: false });
      verifies.push(Number(process.hrtime.bigint() - t0) / 1e9);
      const cpu = process.cpuUsage(cpu0);
      verifyCpu.push((cpu.user + cpu.system) / 1e6);
      if (report.status !== "proved") throw new Error(`verify failed: ${report.status}`);
    }
    const cBuild = median(runs.map((r) => r.buildSeconds));
    const cEnum = median(runs.map((r) => r.enumerateSeconds));
    const vcmLower = median(lowerings);
    const vcmVerify = median(verifies);
    const pages = runs[0]!.pages;
    console.log(
      `VCM / C (bench/ref/arm-lpae.c, cc -O2): arm-lpae, ${pages.toLocaleString()} 4K leaves, medians of ${RUNS} interleaved runs`,
    );
    const line = (what: string, vcm: number, c: number, target: number | null) => {
      const ratio = vcm / c;
      const verdict =
        target === null
          ? "(no target: JIT warm-up)"
          : `(target <= ${target})  ${ratio <= target ? "ok" : "OVER TARGET"}`;
      console.log(
        `  ${what.padEnd(34)} VCM ${fmt(vcm * 1000, 0).padStart(6)} ms   C ${fmt(c * 1000, 0).padStart(6)} ms   ` +
          `VCM/C x${fmt(ratio, 2)} ${verdict}`,
      );
    };
    const cBuildCpu = median(runs.map((r) => r.buildCpuSeconds));
    line("lowering (build the table), warm", vcmLower, cBuild, 1.5);
    line("lowering, cold process", median(coldLowerings), cBuild, null);
    line("verify (enumerate + check leaves)", vcmVerify, cEnum, 3);
    // CPU time (user + system) moves much less than wall time with the load of a shared machine.
    console.log("  the same runs in CPU time (user + system, all threads):");
    line("lowering, warm, CPU", median(loweringCpu), cBuildCpu, 1.5);
    line("lowering, cold process, CPU", median(coldLoweringCpu), cBuildCpu, null);
    line("verify, CPU", median(verifyCpu), median(runs.map((r) => r.enumerateCpuSeconds)), 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await refBench();
