/** `vcm import-dt FILE.dtb|FILE.dts [-o topo.vcm]`: a device tree as a checkable VCM skeleton. */
import { D } from "../diagnostics/catalogue.js";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import { importDeviceTree } from "../devicetree/import.js";
import { readDeviceTreeFile } from "../devicetree/read-input.js";
import { writeOutput } from "./atomic-file.js";
import { hasErrors, printDiagnostics } from "./diagnostics-output.js";
import { EXIT_OK, EXIT_USAGE, exitCodesHelp } from "./exit.js";

interface ImportDtOptions {
  output?: string;
}

export function registerImportDtCommand(program: Command): void {
  program
    .command("import-dt")
    .description("turn a device tree (.dtb, or .dts through dtc) into a checkable .vcm skeleton")
    .argument("<file>", "a flattened device tree (.dtb) or a device-tree source (.dts)")
    .option("-o, --output <file>", "the .vcm to write (replaced atomically); default: stdout")
    .addHelpText(
      "after",
      "\nA .dts is compiled with `dtc -@` first (Debian: device-tree-compiler); run the C\n" +
        "preprocessor first on a source that uses #include. The skeleton declares memory and\n" +
        "reserved-memory, CPUs, IOMMUs, devices with their stream IDs, PCIe host bridges, MSI\n" +
        "doorbells and DMA masters; every node it does not map is listed in a comment\n" +
        "(docs/DEVICETREE.md).\n" +
        "Here: 0 written, 2 unreadable or malformed input, or an I/O error." +
        exitCodesHelp(),
    )
    .action((file: string, options: ImportDtOptions) => {
      const input = readDeviceTreeFile(file);
      const sources = new Map<string, string>();
      if (input.diagnostics.some((d) => d.code === D.dtcFailed.code)) {
        try {
          sources.set(file, readFileSync(file, "utf8"));
        } catch {
          // no code frame then
        }
      }
      if (!input.tree) {
        printDiagnostics(input.diagnostics, sources);
        process.exitCode = EXIT_USAGE;
        return;
      }
      const result = importDeviceTree(input.tree, { file: basename(file) });
      printDiagnostics([...input.diagnostics, ...result.diagnostics], sources);
      if (hasErrors(result.diagnostics)) {
        process.exitCode = EXIT_USAGE;
        return;
      }
      if (options.output === undefined) {
        process.stdout.write(result.text);
      } else {
        if (!writeOutput(options.output, result.text)) {
          process.exitCode = EXIT_USAGE;
          return;
        }
        const summary = Object.entries(result.counts)
          .map(([k, v]) => `${v} ${k}`)
          .join(", ");
        process.stderr.write(`wrote ${options.output}: ${summary}\n`);
      }
      process.exitCode = EXIT_OK;
    });
}
