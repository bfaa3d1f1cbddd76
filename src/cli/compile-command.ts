/** `vcm compile FILE -o DIR`: lower a topology to page tables and write them out atomically. */
import { Command, InvalidArgumentError, Option } from "commander";
import { OUTPUT_FORMATS, type OutputFormat } from "../compile/firmware.js";
import { fsErrorText, OutputError } from "../compile/output-target.js";
import { prepareOutput } from "../compile/write-output.js";
import { useColor } from "../diagnostics/printers/text.js";
import { printOutcome } from "./diagnostics-output.js";
import { collect, EXIT_USAGE, exitCodesHelp } from "./exit.js";
import { runCommandJob } from "./isolated-job.js";
import type { CompileJob } from "./jobs.js";
import { progressBar } from "./progress-bar.js";
import {
  noConfigOption,
  pluginTimeoutOption,
  projectOptions,
  rootOption,
  runsThirdPartyCode,
  type ProjectFlags,
} from "./project-options.js";
import { severityFromFlags } from "./severity-flags.js";

interface CompileOptions extends ProjectFlags {
  output: string;
  format: OutputFormat[];
  relocatable?: boolean;
  force?: boolean;
  pluginTimeout: number;
  warn: string[];
  error: string[];
}

/** `-f asm,ld -f c`: every format named, checked against the list; `default` adds nothing. */
function parseFormats(value: string, previous: OutputFormat[]): OutputFormat[] {
  const out: OutputFormat[] = previous.filter((f) => f !== "default");
  for (const word of value.split(",").map((w) => w.trim())) {
    if (!(OUTPUT_FORMATS as readonly string[]).includes(word)) {
      throw new InvalidArgumentError(`Allowed choices are ${OUTPUT_FORMATS.join(", ")}.`);
    }
    if (!out.includes(word as OutputFormat)) out.push(word as OutputFormat);
  }
  return out.length > 0 ? out : ["default"];
}

export function registerCompileCommand(program: Command): void {
  program
    .command("compile")
    .description("lower a topology to page tables: manifest.json, pool images, decoded dumps")
    .argument("<file>", "the .vcm topology")
    .requiredOption("-o, --output <dir>", "output directory (replaced atomically)")
    .addOption(
      new Option(
        "-f, --format <formats>",
        "comma-separated, repeatable: `c` adds tables.h with every table as a C array; `dts` adds overlay.dtso (reserved-memory, memory-region, iommu-addresses); `asm`, `ld`, `elf` add firmware/<pool>.s, firmware/tables.ld, firmware/<pool>.o for a boot image (docs/FIRMWARE.md)",
      )
        .argParser(parseFormats)
        .default(["default"], "default"),
    )
    .option(
      "--relocatable",
      "table pointers relative to their pool's base, with relocation lists and the C routine adding the load address (tables.h; docs/FIRMWARE.md)",
    )
    .option(
      "--force",
      "replace an -o that is not a previous output (it is moved aside, never deleted), or `.`, `/`, a directory holding the input",
    )
    .addOption(pluginTimeoutOption())
    .option("--plugin <module>", "load a driver plugin (file path or package name)", collect, [])
    .addOption(rootOption())
    .addOption(noConfigOption())
    .option("-W, --warn <check>", "make a check a warning; -W no-NAME turns it off", collect, [])
    .option("-E, --error <check>", "make a check an error", collect, [])
    .addHelpText(
      "after",
      "\nWrites DIR/manifest.json, DIR/pools/<pool>.bin, DIR/domains/<domain>.txt (docs/MANIFEST.md);\n" +
        "with --format dts also DIR/overlay.dtso (docs/DEVICETREE.md); with asm, ld, elf or\n" +
        "--relocatable also DIR/firmware/ (docs/FIRMWARE.md).\n" +
        "DIR is a link to a sibling .DIR.vcm-out.* directory, replaced in one rename: at every\n" +
        "instant it is the complete old output or the complete new one.\n" +
        "Nothing is written when the topology has errors; an earlier DIR is then left as it was.\n" +
        "Third-party plugins run in a worker thread; a call past --plugin-timeout is stopped.\n" +
        "A refused -o or an I/O error exits 2.\n" +
        exitCodesHelp(),
    )
    .action(async (file: string, options: CompileOptions) => {
      severityFromFlags(options.warn, options.error); // a usage error here, not later
      const project = projectOptions(options);
      const job: CompileJob = {
        kind: "compile",
        file,
        output: options.output,
        format: options.format,
        relocatable: options.relocatable === true,
        force: options.force === true,
        plugins: options.plugin,
        warn: options.warn,
        error: options.error,
        cwd: process.cwd(),
        ...(project.root !== undefined ? { root: project.root } : {}),
        config: project.config !== false,
        color: useColor(process.stderr),
      };
      try {
        prepareOutput(job.output, { force: job.force, inputFile: file });
      } catch (e) {
        const why = e instanceof OutputError ? e.message : fsErrorText(e);
        process.stderr.write(`vcm: error: cannot write '${job.output}': ${why}\n`);
        process.exitCode = EXIT_USAGE;
        return;
      }
      // Third-party code runs only when --plugin or the project configuration names it (a `use`
      // line alone never loads anything), and then in a watched worker thread.
      const bar = progressBar();
      const outcome = await runCommandJob(job, {
        thirdParty: runsThirdPartyCode(job, [file]),
        timeoutMs: options.pluginTimeout,
        progress: (done, total, label) => bar.update(done, total, label),
      }).finally(() => bar.finish());
      printOutcome(outcome);
      // Stopped by a signal (after cleaning up): end the way the signal would have.
      if (outcome.signal) process.kill(process.pid, outcome.signal as NodeJS.Signals);
    });
}
