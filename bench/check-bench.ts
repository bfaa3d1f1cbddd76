/**
 * Parse + check of a generated 100,000-statement topology: MB/s of source, statements/s, and
 * heap. Target (issue: the VCM language): >= 5 MB/s and < 150 MB of heap.
 *
 * Heap is judged two ways: the heap in use right after a run (garbage included: an upper bound),
 * and a fresh child process limited to a 150 MB old generation that must finish the job.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkTopology } from "../src/pipeline/check-topology.js";
import { generateTopology } from "./generate-topology.js";
import { fmt, MB, median, timeRuns } from "./stats.js";

const STATEMENTS = 100_000;
const RUNS = 5;

async function checkOnce(file: string): Promise<number> {
  const result = await checkTopology(file);
  return result.diagnostics.filter((d) => d.severity === "error").length;
}

export async function checkBench(): Promise<void> {
  const text = generateTopology(STATEMENTS);
  const dir = mkdtempSync(join(tmpdir(), "vcm-bench-"));
  const file = join(dir, "generated.vcm");
  writeFileSync(file, text);
  const bytes = Buffer.byteLength(text);
  const statements = text.split("\n").filter((l) => l && !l.startsWith("//")).length;

  const errors = await checkOnce(file); // warm-up, and the topology must be valid
  if (errors > 0) console.log(`  warning: the generated topology has ${errors} errors`);
  const times = await timeRuns(RUNS, () => checkOnce(file));
  const heapAfter = process.memoryUsage().heapUsed / MB;
  const t = median(times);
  console.log(`parse + check: ${statements.toLocaleString()} statements, ${fmt(bytes / MB, 2)} MB`);
  console.log(
    `  median of ${RUNS}: ${fmt(t, 3)} s  ->  ${fmt(bytes / MB / t, 2)} MB/s, ` +
      `${fmt(statements / t, 0)} statements/s   (target >= 5 MB/s)`,
  );
  console.log(`  heap in use after a run (garbage included): ${fmt(heapAfter)} MB`);

  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, ["--max-old-space-size=150", self, "--child", file], {
    encoding: "utf8",
  });
  const ok = child.status === 0;
  console.log(
    `  in a process limited to a 150 MB heap: ${ok ? "completes" : "FAILS"}   (target < 150 MB)`,
  );
  if (!ok) console.log(child.stderr.split("\n").slice(0, 5).join("\n"));
}

if (process.argv[2] === "--child") {
  const errors = await checkOnce(process.argv[3]!);
  process.exit(errors > 0 ? 1 : 0);
}
