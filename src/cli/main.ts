#!/usr/bin/env node
/** Entry point of the `vcm` binary (bin/vcm.js imports this). */
import { runCli } from "./program.js";

// A reader that stops early (`vcm check --list-checks | head`) closes the pipe: end quietly,
// with the exit code so far, rather than with an EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(Number(process.exitCode ?? 0));
    throw e;
  });
}

runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
