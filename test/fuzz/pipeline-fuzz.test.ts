/**
 * Mutated samples through check, compile and run (issue 9 tests). In this process: no exception
 * (a user would see a stack trace), no internal-error diagnostic, a location on every
 * diagnostic, no case running for ever. As real processes: exit codes in the documented set
 * (0, 1, 2), no stack trace, no "internal error", every printed diagnostic at file:line:col.
 * Short by default; FUZZ_RUNS=N runs N in-process cases (and N/10 process cases).
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hasStackTrace, ROOT } from "../cli/helpers.js";
import { mutate, rng } from "./mutate.js";
import { runCase, SAMPLES } from "./pipeline.js";

const RUNS = Number(process.env["FUZZ_RUNS"] ?? 24);
const PROCESS_RUNS = Math.max(3, Math.floor(RUNS / 8));
/** One case may take this long, at most (the biggest sample proves 64 GiB of windows). */
const CASE_MS = 60_000;

const names = readdirSync(SAMPLES)
  .filter((f) => f.endsWith(".vcm"))
  .sort();
const texts = names.map((f) => readFileSync(new URL(f, SAMPLES), "utf8"));

function mutant(seed: number): { name: string; text: string } {
  const r = rng(seed);
  const i = seed % texts.length;
  let text = texts[i]!;
  const rounds = 1 + Math.floor(r() * 3);
  for (let k = 0; k < rounds; k++) text = mutate(text, r, texts);
  return { name: names[i]!, text };
}

describe("fuzz: mutated samples through check, compile and run", () => {
  it(`${RUNS} mutants in process: no exception, no internal error, every diagnostic located`, async () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= RUNS; seed++) {
      const { name, text } = mutant(seed);
      const t0 = performance.now();
      const r = await runCase(text);
      const ms = performance.now() - t0;
      if (ms > CASE_MS) failures.push(`seed ${seed} (${name}): ${ms.toFixed(0)} ms`);
      for (const p of r.problems) failures.push(`seed ${seed} (${name}): ${p}`);
    }
    expect(failures).toEqual([]);
  }, 3_600_000);

  const scratch = mkdtempSync(join(tmpdir(), "vcm-fuzz-cli-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it(`${PROCESS_RUNS} mutants as real processes: documented exit codes, located diagnostics`, () => {
    cpSync(new URL("common/", SAMPLES), join(scratch, "common"), { recursive: true });
    const failures: string[] = [];
    for (let seed = 10_001; seed < 10_001 + PROCESS_RUNS; seed++) {
      const { name, text } = mutant(seed);
      const file = join(scratch, `case-${seed}.vcm`);
      writeFileSync(file, text);
      const runs = [
        ["check", file],
        ["compile", file, "-o", join(scratch, `out-${seed}`)],
        ["run", file, "--no-scenarios"],
      ];
      for (const args of runs) {
        const r = spawnSync(process.execPath, [join(ROOT, "bin/vcm.js"), ...args], {
          cwd: scratch,
          encoding: "utf8",
          timeout: CASE_MS,
          env: { ...process.env, NO_COLOR: "1" },
        });
        const out = `${r.stdout}${r.stderr}`;
        const what = `seed ${seed} (${name}) vcm ${args[0]}`;
        if (r.signal) failures.push(`${what}: killed by ${r.signal} (a hang?)`);
        else if (![0, 1, 2].includes(r.status ?? -1)) failures.push(`${what}: exit ${r.status}`);
        if (hasStackTrace(out)) failures.push(`${what}: stack trace\n${out.slice(0, 2000)}`);
        if (/internal error|internal-error/.test(out))
          failures.push(`${what}: internal error\n${out}`);
        for (const line of out.split("\n")) {
          if (
            /^\S.*\b(error|warning|note)\[VCM\d{4}\]/.test(line) &&
            !/^\S+:\d+:\d+: /.test(line)
          ) {
            failures.push(`${what}: diagnostic without a location: ${line}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  }, 3_600_000);
});
