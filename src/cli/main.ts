#!/usr/bin/env node
/** Entry point of the `vcm` binary (bin/vcm.js imports this). */
import { runCli } from "./program.js";

runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
