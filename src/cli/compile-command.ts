/** `vcm compile FILE -o DIR`: lower a topology to page tables and write them out atomically. */
import { Command, Option } from "commander";
import { applySeverityOverrides } from "../checks/runner.js";
import { OutputError, fsErrorText } from "../compile/output-target.js";
import {
  prepareOutput,
  WriteInterrupted,
  writeCompileOutputAsync,
} from "../compile/write-output.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { lower } from "../lowering/lower.js";
import { checkTopology } from "../pipeline/check-topology.js";
import { severityFromFlags } from "./check-command.js";
import { hasErrors, isUnreadable, printDiagnostics } from "./diagnostics-output.js";
import { collect, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "./exit.js";
import { progressBar } from "./progress-bar.js";

interface CompileOptions {
  output: string;
  format: "default" | "c";
  force?: boolean;
  plugin: string[];
  warn: string[];
  error: string[];
}

function sizeText(bytes: number): string {
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}

function cannotWrite(dir: string, e: unknown): void {
  const why = e instanceof OutputError ? e.message : fsErrorText(e);
  process.stderr.write(`vcm: cannot write '${dir}': ${why}\n`);
  process.exitCode = EXIT_USAGE;
}

/**
 * Run `write` with SIGINT / SIGTERM turned into a clean stop between two steps (the writer then
 * removes what it made), and the signal re-raised once it has, so the exit status says so.
 */
async function withSignalsCaught(
  write: (interrupted: () => string | undefined) => Promise<void>,
): Promise<string | undefined> {
  let caught: string | undefined;
  const on = (signal: NodeJS.Signals) => {
    caught ??= signal;
  };
  process.on("SIGINT", on);
  process.on("SIGTERM", on);
  try {
    await write(() => caught);
  } finally {
    process.off("SIGINT", on);
    process.off("SIGTERM", on);
  }
  return caught;
}

export function registerCompileCommand(program: Command): void {
  program
    .command("compile")
    .description("lower a topology to page tables: manifest.json, pool images, decoded dumps")
    .argument("<file>", "the .vcm topology")
    .requiredOption("-o, --output <dir>", "output directory (replaced atomically)")
    .addOption(
      new Option("-f, --format <format>", "`c` adds tables.h with every table as a C array")
        .choices(["default", "c"])
        .default("default"),
    )
    .option(
      "--force",
      "replace an -o that is not a previous output (moved aside, never deleted), or `.`, `/`, a directory holding the input",
    )
    .option("--plugin <module>", "load a driver plugin (file path or package name)", collect, [])
    .option("-W, --warn <check>", "make a check a warning; -W no-NAME turns it off", collect, [])
    .option("-E, --error <check>", "make a check an error", collect, [])
    .addHelpText(
      "after",
      "\nWrites DIR/manifest.json, DIR/pools/<pool>.bin, DIR/domains/<domain>.txt (docs/MANIFEST.md).\n" +
        "DIR is a link to a sibling .DIR.vcm-out.* directory, replaced in one rename: at every\n" +
        "instant it is the complete old output or the complete new one.\n" +
        "Nothing is written when the topology has errors; an earlier DIR is then left as it was.\n" +
        "Exit status: 0 written, 1 errors, 2 usage, unreadable input, a refused -o or an I/O error.",
    )
    .action(async (file: string, options: CompileOptions) => {
      const target = { force: options.force === true, inputFile: file };
      try {
        prepareOutput(options.output, target);
      } catch (e) {
        cannotWrite(options.output, e);
        return;
      }
      const severity = severityFromFlags(options.warn, options.error);
      const checked = await checkTopology(file, { plugins: options.plugin, severity });
      if (!checked.ir || hasErrors(checked.diagnostics)) {
        printDiagnostics(checked.diagnostics, checked.sources);
        process.exitCode = isUnreadable(checked.diagnostics) ? EXIT_USAGE : EXIT_FAILED;
        return;
      }
      const bar = progressBar();
      const result = lower(checked.ir, checked.registry, {
        progress: (done, total, label) => bar.update(done, total, label),
      });
      bar.finish();
      const lowered: Diagnostic[] = applySeverityOverrides(
        result.diagnostics,
        checked.files,
        severity,
      );
      printDiagnostics([...checked.diagnostics, ...lowered], checked.sources);
      if (!result.compiled || hasErrors(lowered)) {
        process.exitCode = EXIT_FAILED;
        return;
      }
      const compiled = result.compiled;
      let signal: string | undefined;
      try {
        signal = await withSignalsCaught((interrupted) =>
          writeCompileOutputAsync(
            compiled,
            options.output,
            { format: options.format, ...target },
            { interrupted, progress: (p) => bar.update(p.done, p.total, p.label) },
          ),
        );
      } catch (e) {
        bar.finish();
        if (e instanceof WriteInterrupted) {
          process.stderr.write(`vcm: ${e.message}; '${options.output}' left as it was\n`);
          process.kill(process.pid, e.signal as NodeJS.Signals);
          return;
        }
        cannotWrite(options.output, e);
        return;
      }
      bar.finish();
      const pools = compiled.pools.map((p) => `${p.name} ${sizeText(p.usedBytes)} used`).join(", ");
      process.stdout.write(
        `wrote ${options.output}: ${compiled.tables.length} table(s), ${compiled.mappings.length} mapping(s); pools: ${pools}\n`,
      );
      process.exitCode = EXIT_OK;
      // A signal that came after the last step: the output is complete; honour it now.
      if (signal) process.kill(process.pid, signal as NodeJS.Signals);
    });
}
