/**
 * Start-up (issue 14): wall time of `vcm --version` and of `vcm check` on a sample against a bare
 * `node -e 1`, the three interleaved run by run so load on the machine hits them alike. Targets:
 * --version within 2x, check within 4x. `STARTUP_AB=DIR` adds the same commands of another
 * checkout (its bin/vcm.js, built) for an A/B in the same run.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { fmt, median } from "./stats.js";

const RUNS = Number(process.env["STARTUP_RUNS"] ?? 11);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SAMPLE = "samples/video-pipeline.vcm";

function wall(args: readonly string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} failed (${r.status}):\n${r.stderr}`);
  return s;
}

export async function startupBench(): Promise<void> {
  const other = process.env["STARTUP_AB"];
  const cases: { name: string; args: string[]; target?: number }[] = [
    { name: "node -e 1", args: ["-e", "1"] },
    { name: "vcm --version", args: ["bin/vcm.js", "--version"], target: 2 },
    { name: `vcm check ${SAMPLE}`, args: ["bin/vcm.js", "check", SAMPLE], target: 4 },
  ];
  if (other) {
    const bin = `${other}/bin/vcm.js`;
    cases.push({ name: `A/B ${other}: vcm --version`, args: [bin, "--version"] });
    cases.push({ name: `A/B ${other}: vcm check`, args: [bin, "check", SAMPLE] });
  }
  const times = cases.map(() => [] as number[]);
  for (const c of cases) wall(c.args); // warm the file cache
  for (let i = 0; i < RUNS; i++) cases.forEach((c, k) => times[k]!.push(wall(c.args)));
  const base = median(times[0]!);
  console.log(`start-up: wall time of a whole process, median of ${RUNS} interleaved runs`);
  cases.forEach((c, k) => {
    const t = median(times[k]!);
    const ratio = t / base;
    const verdict =
      c.target === undefined
        ? ""
        : `  (target <= ${c.target}x) ${ratio <= c.target ? "ok" : "OVER TARGET"}`;
    console.log(
      `  ${c.name.padEnd(44)} ${fmt(t * 1000, 0).padStart(6)} ms  x${fmt(ratio, 2)}${verdict}`,
    );
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await startupBench();
