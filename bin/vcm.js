#!/usr/bin/env node
// The built CLI: dist/cli/vcm.js is the bundle `npm run build` makes (tools/bundle-cli.mjs).
// A published package ships dist/; a source checkout builds it with `npm run build` (npm test
// does), never on install.
import { fileURLToPath } from "node:url";

const MAIN = new URL("../dist/cli/vcm.js", import.meta.url);
try {
  await import(MAIN.href);
} catch (e) {
  const missing =
    e?.code === "ERR_MODULE_NOT_FOUND" && String(e.message).includes("dist/cli/vcm.js");
  if (!missing) throw e;
  process.stderr.write(
    "vcm: error: the CLI is not built (dist/ is missing): run `npm run build` in " +
      `${fileURLToPath(new URL("..", import.meta.url))}\n`,
  );
  process.exitCode = 2;
}
