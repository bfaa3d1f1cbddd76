/** `vcm compile FILE -o DIR`: lower a topology to page tables and write them out atomically. */
import { Command, Option } from "commander";
import { applySeverityOverrides } from "../checks/runner.js";
import { compileToDirectory } from "../compile/index.js";
import { checkTopology } from "../pipeline/check-topology.js";
import { severityFromFlags } from "./check-command.js";
import { hasErrors, isUnreadable, printDiagnostics } from "./diagnostics-output.js";
import { collect, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "./exit.js";

interface CompileOptions {
  output: string;
  format: "default" | "c";
  plugin: string[];
  warn: string[];
  error: string[];
}

function sizeText(bytes: number): string {
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
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
    .option("--plugin <module>", "load a driver plugin (file path or package name)", collect, [])
    .option("-W, --warn <check>", "make a check a warning; -W no-NAME turns it off", collect, [])
    .option("-E, --error <check>", "make a check an error", collect, [])
    .addHelpText(
      "after",
      "\nWrites DIR/manifest.json, DIR/pools/<pool>.bin, DIR/domains/<domain>.txt (docs/MANIFEST.md).\n" +
        "Nothing is written when the topology has errors; an earlier DIR is then left as it was.\n" +
        "Exit status: 0 written, 1 errors, 2 usage, unreadable input or an I/O error.",
    )
    .action(async (file: string, options: CompileOptions) => {
      const severity = severityFromFlags(options.warn, options.error);
      const checked = await checkTopology(file, { plugins: options.plugin, severity });
      if (!checked.ir || hasErrors(checked.diagnostics)) {
        printDiagnostics(checked.diagnostics, checked.sources);
        process.exitCode = isUnreadable(checked.diagnostics) ? EXIT_USAGE : EXIT_FAILED;
        return;
      }
      let result;
      try {
        result = compileToDirectory(checked.ir, checked.registry, options.output, {
          format: options.format,
        });
      } catch (e) {
        printDiagnostics(checked.diagnostics, checked.sources);
        const why = e instanceof Error ? e.message : String(e);
        process.stderr.write(`vcm: cannot write '${options.output}': ${why}\n`);
        process.exitCode = EXIT_USAGE;
        return;
      }
      const lowered = applySeverityOverrides(result.diagnostics, checked.files, severity);
      printDiagnostics([...checked.diagnostics, ...lowered], checked.sources);
      if (!result.written || !result.compiled || hasErrors(lowered)) {
        process.exitCode = EXIT_FAILED;
        return;
      }
      const c = result.compiled;
      const pools = c.pools.map((p) => `${p.name} ${sizeText(p.usedBytes)} used`).join(", ");
      process.stdout.write(
        `wrote ${options.output}: ${c.tables.length} table(s), ${c.mappings.length} mapping(s); pools: ${pools}\n`,
      );
      process.exitCode = EXIT_OK;
    });
}
