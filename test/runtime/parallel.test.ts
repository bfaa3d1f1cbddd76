/**
 * `verifyParallel` must give exactly the report `verify` gives (elapsed time aside), whatever the
 * number of worker threads: on the samples, on corrupted tables (same failures, same order, same
 * truncation), with an out-of-tree plugin loaded in the workers; and a worker that fails becomes
 * a run-internal-error failure, not a crash.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { lower } from "../../src/lowering/lower.js";
import { checkTopology } from "../../src/pipeline/check-topology.js";
import { builtinRegistry } from "../../src/plugin-host/builtins.js";
import type { PluginRegistry } from "../../src/plugin-host/registry.js";
import { runReportJson, verify } from "../../src/runtime/index.js";
import { verifyParallel, type ParallelOptions } from "../../src/runtime/parallel.js";
import type { RunReport } from "../../src/runtime/report.js";
import { allFormatsTopology, FORMAT_CASES } from "./all-formats.js";
import { lowerFile, lowerText, type Lowered } from "./helpers.js";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
/** Workers started from the TypeScript sources need the test module hooks (dist/ needs none). */
const WORKER_ARGV = ["--import", here("./ts-loader/register.mjs")];

const timeless = (r: RunReport): RunReport => ({ ...r, elapsedMs: 0 });

/** Run in workers (tiny topologies too) and check workers were really used. */
async function inWorkers(
  l: Lowered,
  jobs: number,
  options: Partial<ParallelOptions> = {},
): Promise<RunReport> {
  const labels: string[] = [];
  const report = await verifyParallel(l.compiled, l.ir, l.plugins, {
    ...options,
    jobs,
    minParallelWork: 0,
    workerExecArgv: WORKER_ARGV,
    progress: (_done, _total, label) => labels.push(label),
  });
  expect(labels.some((s) => /on \d+ threads/.test(s))).toBe(true);
  // Progress is reported once per finished endpoint.
  expect(labels.filter((s) => /^(proved|failed) /.test(s)).length).toBe(report.endpoints.length);
  return report;
}

async function expectSameAsSingleThread(l: Lowered, options: Partial<ParallelOptions> = {}) {
  const single = timeless(verify(l.compiled, l.ir, l.plugins, options));
  for (const jobs of [1, 2, 3]) {
    const report =
      jobs === 1
        ? await verifyParallel(l.compiled, l.ir, l.plugins, { ...options, jobs })
        : await inWorkers(l, jobs, options);
    expect(timeless(report), `${jobs} worker(s)`).toEqual(single);
    expect(runReportJson(timeless(report))).toBe(runReportJson(single));
  }
  return single;
}

describe("verifyParallel gives the single-thread report", () => {
  for (const f of readdirSync("samples").filter((x) => x.endsWith(".vcm"))) {
    it(`on ${f}`, async () => {
      const l = lowerFile(join("samples", f));
      expect(l.ir.endpoints.length).toBeGreaterThan(1);
      await expectSameAsSingleThread(l);
    });
  }

  /** Table bytes broken in ways that span tables (and so, workers). */
  function corrupted(): Lowered {
    const l = lowerText(allFormatsTopology());
    const mem = l.compiled.memory;
    const copy = (from: bigint, to: bigint, bytes: number) => {
      for (let i = 0; i < bytes; i += 4) mem.write32(Number(to) + i, mem.read32(Number(from) + i));
    };
    for (const c of FORMAT_CASES) {
      const plugin = l.plugins.get(c.format)!;
      const table = l.compiled.tables.find((t) => t.name === c.table)!;
      const other = l.compiled.tables.find((t) => t.name === c.otherTable)!;
      const mapper = l.compiled.mappers.find((m) => m.name === table.mapper)!;
      const bytes = mapper.geometry.entryBytes;
      // One leaf cleared: a missing translation.
      const leaf = plugin.walk(mem, table.context, c.rw + 3n * 0x1000n).steps.at(-1)!;
      copy(0x2000_0000n, leaf.descriptorAddress, bytes); // never-written memory reads as zero
      // The other table's top descriptor made to point into this table: wrong frames, and a
      // table page reachable from two roots (found only by looking across both tables).
      if (c.multiLevel) {
        const top = plugin.walk(mem, table.context, c.ro).steps[0];
        const otherTop = plugin.walk(mem, other.context, c.ro).steps[0];
        // (Not where the other table's window does not cover the address.)
        if (top && otherTop) copy(top.descriptorAddress, otherTop.descriptorAddress, bytes);
      }
    }
    return l;
  }

  it("on corrupted tables: identical failures, in the same order", async () => {
    const single = await expectSameAsSingleThread(corrupted(), { scenarios: false });
    const checks = new Set(single.failures.map((f) => f.check));
    expect(checks).toContain("translation-missing");
    expect(checks).toContain("translation-wrong-frame");
    expect(single.failures.some((f) => /also reachable from table/.test(f.message))).toBe(true);
  });

  it("on corrupted tables with few failures listed: the same ones kept, all counted", async () => {
    const single = await expectSameAsSingleThread(corrupted(), {
      scenarios: false,
      maxFailures: 5,
    });
    expect(single.failures).toHaveLength(5);
    expect(single.failureCount).toBeGreaterThan(5);
  });
});

async function toyTwo(registry?: PluginRegistry): Promise<Lowered> {
  // The `use` line names the plugin; the invocation allows it (a `use` alone runs nothing).
  const checked = await checkTopology(here("./fixtures/toy-two.vcm"), {
    plugins: [here("../fixtures/plugins/toy-flat/index.js")],
  });
  expect(checked.diagnostics.map((d) => d.message)).toEqual([]);
  const lowered = lower(checked.ir!, checked.registry);
  expect(lowered.compiled).toBeDefined();
  return { ir: checked.ir!, compiled: lowered.compiled!, plugins: registry ?? checked.registry };
}

/** The built-ins plus toy-flat, which workers are told to load from `origin`. */
async function toyFrom(origin: string): Promise<PluginRegistry> {
  const registry = builtinRegistry();
  const toy = (await toyTwo()).plugins.get("toy-flat")!;
  registry.register(toy, origin);
  return registry;
}

describe("third-party plugins in workers", () => {
  it("are loaded in the worker from the module they came from", async () => {
    const l = await toyTwo();
    expect(l.plugins.entry("toy-flat")!.origin).toMatch(/toy-flat[/\\]index\.js$/);
    const single = await expectSameAsSingleThread(l);
    expect(single.status).toBe("proved");
    expect(single.endpoints.map((e) => e.endpoint)).toEqual(["d1", "d2"]);
    expect(single.expects.every((e) => e.ok)).toBe(true);
  });
});

describe("a failing worker", () => {
  /** Two endpoints on two threads: one proved here, one by the worker that fails. */
  function expectWorkerEndpointFailed(report: RunReport, why: string) {
    expect(report.status).toBe("failed");
    const internal = report.failures.filter((f) => f.check === "run-internal-error");
    expect(internal).toHaveLength(1);
    expect(internal[0]!.code).toBe("VCM0418");
    expect(internal[0]!.message).toContain(why);
    const failed = report.endpoints.find((e) => e.endpoint === internal[0]!.endpoint)!;
    const proved = report.endpoints.find((e) => e !== failed)!;
    expect([failed.ok, failed.failures, failed.pagesChecked]).toEqual([false, 1, 0]);
    expect([proved.ok, proved.failures]).toEqual([true, 0]);
    expect(proved.pagesChecked).toBeGreaterThan(0);
    // Expects are still evaluated (on this thread), and true.
    expect(report.expects.map((e) => e.ok)).toEqual([true, true]);
    expect(report.failureCount).toBe(1);
  }

  it("that cannot load its plugin gives run-internal-error for its endpoints; the run goes on", async () => {
    const l = await toyTwo(await toyFrom(here("./fixtures/throws-on-import.js")));
    expectWorkerEndpointFailed(await inWorkers(l, 2), "refuses to load");
  });

  it("that dies in the middle of a proof gives run-internal-error, not a crash", async () => {
    const l = await toyTwo(await toyFrom(here("./fixtures/exits-in-worker.js")));
    expectWorkerEndpointFailed(await inWorkers(l, 2), "exited (code 7)");
  });
});

describe("falling back to this thread", () => {
  it("for a small topology by default (no worker is started)", async () => {
    const l = lowerFile("samples/video-pipeline.vcm");
    const labels: string[] = [];
    const report = await verifyParallel(l.compiled, l.ir, l.plugins, {
      jobs: 4,
      progress: (_d, _t, label) => labels.push(label),
    });
    expect(labels.some((s) => /threads/.test(s))).toBe(false);
    expect(timeless(report)).toEqual(timeless(verify(l.compiled, l.ir, l.plugins)));
  });
});
