import { readFileSync, readdirSync } from "node:fs";
import { it } from "vitest";
import { mutate, rng } from "./mutate.js";
import { runCase, SAMPLES } from "./pipeline.js";

it("explore", async () => {
  const samples = readdirSync(SAMPLES).filter((f) => f.endsWith(".vcm") && !f.startsWith("spapr"));
  const donors = readdirSync(SAMPLES)
    .filter((f) => f.endsWith(".vcm"))
    .map((f) => readFileSync(new URL(f, SAMPLES), "utf8"));
  const texts = samples.map((f) => readFileSync(new URL(f, SAMPLES), "utf8"));
  const start = Number(process.env.SEED0 ?? 1);
  const n = Number(process.env.N ?? 100);
  for (let seed = start; seed < start + n; seed++) {
    const r = rng(seed);
    let text = texts[seed % texts.length]!;
    const rounds = 1 + Math.floor(r() * 3);
    for (let k = 0; k < rounds; k++) text = mutate(text, r, donors);
    const t0 = performance.now();
    const res = await runCase(text);
    const ms = performance.now() - t0;
    if (res.problems.length || ms > 5000) {
      console.log(
        `SEED ${seed} sample ${samples[seed % texts.length]} ${ms.toFixed(0)}ms stage ${res.stage}\n${res.problems.join("\n").slice(0, 600)}`,
      );
    }
  }
}, 3_600_000);
