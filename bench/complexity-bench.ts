/**
 * Complexity bench (issue 17): for every growth axis (bench/complexity-axes.ts), each phase at
 * n and 4n; the ratio should be about 4, and above 6 is flagged SUPERLINEAR. Each size is run
 * RUNS times after one warm-up and the fastest run counts (the least disturbed by other load).
 * Time is this process's CPU time: on a shared machine, waiting for a core is not work. It runs
 * in a child process with the garbage collector on the main thread (see CHILD_FLAGS).
 *
 * A phase that looks superlinear at n -> 4n, or is too short at n to judge, is measured again
 * at 4n -> 16n, and that ratio is the verdict: growth that is really superlinear grows worse
 * with n, while a few milliseconds of noise or warm-up at n do not repeat at 16n.
 *
 * Run alone: `npm run bench -- complexity`; `COMPLEXITY_AXES=names,buffers` picks axes.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { AXES, fastestPhases, PHASES, type Axis, type PhaseTimes } from "./complexity-axes.js";
import { fmt } from "./stats.js";

const RUNS = Number(process.env["COMPLEXITY_RUNS"] ?? 3);
const SUPERLINEAR = 6;
/** Phases under this many CPU seconds at n are too short to judge (GC noise). */
const TOO_SHORT = 0.002;
const CELL = 34;

function fastest(axis: Axis, n: number): Promise<PhaseTimes> {
  return fastestPhases(axis.files(n), axis.phases, RUNS);
}

/**
 * CPU time is the whole process's: V8's concurrent GC threads would bill the next (short) phase
 * for the last one's garbage. The bench runs in a child with the collector on the main thread.
 * (No forced `gc()` between phases either: it leaves lazy sweeping of the whole heap to the next.)
 */
const CHILD_FLAGS = ["--single-threaded-gc"];

export async function complexityBench(): Promise<void> {
  if (process.env["VCM_COMPLEXITY_CHILD"] !== "1") {
    const self = fileURLToPath(import.meta.url);
    const r = spawnSync(process.execPath, [...CHILD_FLAGS, self], {
      stdio: "inherit",
      env: { ...process.env, VCM_COMPLEXITY_CHILD: "1" },
    });
    if (r.status !== 0) throw new Error(`the complexity bench exited with ${r.status ?? r.signal}`);
    return;
  }
  const wanted = process.env["COMPLEXITY_AXES"]?.split(",");
  const axes = AXES.filter((a) => !wanted || wanted.includes(a.name));
  console.log(
    `complexity: CPU time of each phase at n and 4n, fastest of ${RUNS}; ratio ~4 is linear, > ${SUPERLINEAR} is flagged`,
  );
  const phases = PHASES;
  console.log(
    "  " + "axis".padEnd(18) + "n".padStart(8) + phases.map((p) => p.padStart(CELL)).join(""),
  );
  const flagged: string[] = [];
  const confirmations: string[] = [];
  for (const axis of axes) {
    const small = await fastest(axis, axis.n);
    const large = await fastest(axis, axis.n * 4);
    const doubtful = axis.phases.filter(
      (p) => !judged(small[p]) || large[p] / small[p] > SUPERLINEAR,
    );
    const larger = doubtful.length > 0 ? await fastest(axis, axis.n * 16) : undefined;
    const cells = phases.map((p) => {
      if (!axis.phases.includes(p)) return "-";
      const cell = `${fmt(small[p] * 1000, 0)}->${fmt(large[p] * 1000, 0)} ms x${fmt(large[p] / small[p], 1)}`;
      if (!larger || !doubtful.includes(p)) return cell;
      // The verdict is the ratio at 4n -> 16n; the first one is shown beside it.
      const ratio = larger[p] / large[p];
      const verdict = !judged(large[p])
        ? "short"
        : ratio > SUPERLINEAR
          ? "SUPERLINEAR"
          : `x${fmt(ratio, 1)} at 16n`;
      if (verdict === "SUPERLINEAR") flagged.push(`${axis.name}/${p}`);
      confirmations.push(
        `${axis.name}/${p}: ${fmt(large[p] * 1000, 1)} -> ${fmt(larger[p] * 1000, 1)} ms at ` +
          `${(axis.n * 4).toLocaleString()} -> ${(axis.n * 16).toLocaleString()}, x${fmt(ratio, 1)}` +
          (judged(large[p]) ? "" : " (under 2 ms at 4n: constant or too short to judge)"),
      );
      return `${cell} (${verdict})`;
    });
    console.log(
      "  " +
        axis.name.padEnd(18) +
        axis.n.toLocaleString().padStart(8) +
        cells.map((c) => c.padStart(CELL)).join(""),
    );
  }
  if (confirmations.length > 0) {
    console.log("  measured again at 4n -> 16n (superlinear or under 2 ms at n):");
    for (const c of confirmations) console.log(`    ${c}`);
  }
  console.log(
    flagged.length === 0
      ? "  every phase on every axis grows linearly (ratio <= 6)"
      : `  SUPERLINEAR: ${flagged.join(", ")}`,
  );
}

/** Long enough to judge: shorter phases are dominated by timer and collector noise. */
function judged(seconds: number): boolean {
  return seconds >= TOO_SHORT;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await complexityBench();
