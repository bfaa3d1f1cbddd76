/**
 * `npm run bench`: every benchmark, one after another. Not part of `npm test`.
 * `npm run bench -- check compile` runs only the named ones.
 */
import { checkBench } from "./check-bench.js";
import { compileBench } from "./compile-bench.js";
import { complexityBench } from "./complexity-bench.js";
import { lspBench } from "./lsp-bench.js";
import { picturesBench } from "./pictures-bench.js";
import { refBench } from "./ref-bench.js";
import { startupBench } from "./startup-bench.js";
import { verifyBench } from "./verify-bench.js";

const benches: Record<string, () => Promise<void>> = {
  startup: startupBench,
  check: checkBench,
  compile: compileBench,
  verify: verifyBench,
  ref: refBench,
  pictures: picturesBench,
  complexity: complexityBench,
  lsp: lspBench,
};

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!benches[name]) {
    console.error(`unknown bench '${name}' (have: ${Object.keys(benches).join(", ")})`);
    process.exit(2);
  }
}
console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
console.log(
  `load average: ${(await import("node:os"))
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}\n`,
);
for (const [name, bench] of Object.entries(benches)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  await bench();
  console.log();
}
