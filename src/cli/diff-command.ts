/**
 * `vcm diff OLD.vcm NEW.vcm`: per endpoint, the physical memory gained or lost (with rights) and
 * the mappings whose page sizes changed, proven from the table bytes of both compilations.
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import { Command, Option } from "commander";
import { fileSpan } from "../diagnostics/span.js";
import { diffCompiled } from "../diff/reach-diff.js";
import { diffJson, diffText } from "../diff/report.js";
import { compileTopology } from "../pipeline/compile-topology.js";
import { severityFromFlags } from "./check-command.js";
import { printDiagnostics } from "./diagnostics-output.js";
import { collect, EXIT_FAILED, EXIT_OK, exitCodeOf, exitCodesHelp } from "./exit.js";
import {
  noConfigOption,
  projectOptions,
  rootOption,
  type ProjectFlags,
} from "./project-options.js";

interface DiffOptions extends ProjectFlags {
  json?: boolean;
  failOnGain?: boolean;
  warn: string[];
  error: string[];
}

export function registerDiffCommand(program: Command): void {
  program
    .command("diff")
    .description("who gained or lost access to what: compare two topologies' page tables")
    .argument("<old>", "the topology before the change (.vcm)")
    .argument("<new>", "the topology after it (.vcm)")
    .addOption(new Option("--json", "print the diff as JSON"))
    .option("--fail-on-gain", "exit 1 when any endpoint gains memory or a right on it")
    .option("--plugin <module>", "load a driver plugin (file path or package name)", collect, [])
    .addOption(rootOption())
    .addOption(noConfigOption())
    .option("-W, --warn <check>", "make a check a warning; -W no-NAME turns it off", collect, [])
    .option("-E, --error <check>", "make a check an error", collect, [])
    .addHelpText(
      "after",
      "\nBoth topologies are compiled in memory and every endpoint's reach is read from the table\n" +
        "bytes (as `vcm run` reads them), then compared per physical page and right.\n" +
        "Here: 0 compared (and, with --fail-on-gain, nothing gained), 1 a gain with\n" +
        "--fail-on-gain or a topology with errors, 2 usage or unreadable input." +
        exitCodesHelp(),
    )
    .action(async (oldFile: string, newFile: string, options: DiffOptions) => {
      const severity = severityFromFlags(options.warn, options.error);
      const project = projectOptions(options);
      const sides = [];
      for (const file of [oldFile, newFile]) {
        const c = await compileTopology(file, { severity, ...project });
        printDiagnostics(c.diagnostics, c.checked.sources);
        if (!c.ok || !c.compiled) {
          const d = diagnostic(D.diffInputFailed, fileSpan(file), { file });
          printDiagnostics([d], c.checked.sources);
          process.exitCode = exitCodeOf(c.diagnostics) || EXIT_FAILED;
          return;
        }
        sides.push(c.compiled);
      }
      const diff = diffCompiled(sides[0]!, sides[1]!);
      process.stdout.write(
        options.json ? diffJson(diff, oldFile, newFile) : diffText(diff, oldFile, newFile),
      );
      process.exitCode = options.failOnGain && diff.gained ? EXIT_FAILED : EXIT_OK;
    });
}
