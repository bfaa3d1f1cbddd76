/** `vcm compile FILE -o DIR`: lower a topology to page tables and write them out atomically. */
import { Command, InvalidArgumentError, Option } from "commander";
import { fsErrorText, OutputError } from "../compile/output-target.js";
import { prepareOutput } from "../compile/write-output.js";
import { projectOf } from "../pipeline/check-topology.js";
import { loadWorkspace } from "../workspace/loader.js";
import { severityFromFlags } from "./check-command.js";
import { runCompileJob, type CompileJob, type CompileOutcome } from "./compile-job.js";
import { printDiagnostics } from "./diagnostics-output.js";
import { collect, EXIT_USAGE } from "./exit.js";
import { DEFAULT_PLUGIN_TIMEOUT_MS, runIsolatedCompile } from "./isolated-compile.js";
import { progressBar } from "./progress-bar.js";
import {
  noConfigOption,
  projectOptions,
  rootOption,
  type ProjectFlags,
} from "./project-options.js";

interface CompileOptions extends ProjectFlags {
  output: string;
  format: "default" | "c" | "dts";
  force?: boolean;
  pluginTimeout: number;
  warn: string[];
  error: string[];
}

function secondsOption(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("a number of seconds > 0");
  return Math.ceil(n * 1000);
}

export function registerCompileCommand(program: Command): void {
  program
    .command("compile")
    .description("lower a topology to page tables: manifest.json, pool images, decoded dumps")
    .argument("<file>", "the .vcm topology")
    .requiredOption("-o, --output <dir>", "output directory (replaced atomically)")
    .addOption(
      new Option(
        "-f, --format <format>",
        "`c` adds tables.h with every table as a C array; `dts` adds overlay.dtso (reserved-memory, memory-region, iommu-addresses)",
      )
        .choices(["default", "c", "dts"])
        .default("default"),
    )
    .option(
      "--force",
      "replace an -o that is not a previous output (it is moved aside, never deleted), or `.`, `/`, a directory holding the input",
    )
    .addOption(
      new Option(
        "--plugin-timeout <seconds>",
        "time budget of one third-party plugin call (and of loading and checking)",
      )
        .argParser(secondsOption)
        .default(DEFAULT_PLUGIN_TIMEOUT_MS, "60"),
    )
    .option("--plugin <module>", "load a driver plugin (file path or package name)", collect, [])
    .addOption(rootOption())
    .addOption(noConfigOption())
    .option("-W, --warn <check>", "make a check a warning; -W no-NAME turns it off", collect, [])
    .option("-E, --error <check>", "make a check an error", collect, [])
    .addHelpText(
      "after",
      "\nWrites DIR/manifest.json, DIR/pools/<pool>.bin, DIR/domains/<domain>.txt (docs/MANIFEST.md);\n" +
        "with --format dts also DIR/overlay.dtso (docs/DEVICETREE.md).\n" +
        "DIR is a link to a sibling .DIR.vcm-out.* directory, replaced in one rename: at every\n" +
        "instant it is the complete old output or the complete new one.\n" +
        "Nothing is written when the topology has errors; an earlier DIR is then left as it was.\n" +
        "Third-party plugins run in a worker thread; a call past --plugin-timeout is stopped.\n" +
        "Exit status: 0 written, 1 errors, 2 usage, unreadable input, a refused -o or an I/O error.",
    )
    .action(async (file: string, options: CompileOptions) => {
      const job: CompileJob = {
        file,
        output: options.output,
        format: options.format,
        force: options.force === true,
        plugins: options.plugin,
        warn: options.warn,
        error: options.error,
        cwd: process.cwd(),
        ...(options.root !== undefined ? { root: options.root } : {}),
        config: projectOptions(options).config !== false,
      };
      severityFromFlags(job.warn, job.error); // a bad -W / -E is a usage error here, not later
      try {
        prepareOutput(job.output, { force: job.force, inputFile: file });
      } catch (e) {
        const why = e instanceof OutputError ? e.message : fsErrorText(e);
        process.stderr.write(`vcm: cannot write '${job.output}': ${why}\n`);
        process.exitCode = EXIT_USAGE;
        return;
      }
      // Third-party code runs only when --plugin or the project configuration names it (a `use`
      // line alone never loads anything); the workspace is read once, inside the project root.
      const project = projectOf(file, job);
      const workspace = loadWorkspace(file, job.cwd, { root: project.root });
      const thirdParty = job.plugins.length > 0 || project.config.plugins.length > 0;
      const bar = progressBar();
      const progress = (done: number, total: number, label: string) =>
        bar.update(done, total, label);
      let outcome: CompileOutcome;
      try {
        outcome = thirdParty
          ? await runIsolatedCompile(job, { timeoutMs: options.pluginTimeout, progress })
          : await runCompileJob(job, { progress, catchSignals: true, workspace });
      } finally {
        bar.finish();
      }
      printDiagnostics(outcome.diagnostics, outcome.sources);
      process.stderr.write(outcome.stderr);
      process.stdout.write(outcome.stdout);
      process.exitCode = outcome.exitCode;
      // Stopped by a signal (after cleaning up): end the way the signal would have.
      if (outcome.signal) process.kill(process.pid, outcome.signal as NodeJS.Signals);
    });
}
