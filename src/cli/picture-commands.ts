/**
 * `vcm graph FILE -o topo.svg` (the mapping graph, `--format dot` for Graphviz) and
 * `vcm layout FILE -o layout.svg` (address-space bars and the physical map).
 */
import { Command, Option } from "commander";
import { applySeverityOverrides } from "../checks/severity.js";
import { lower } from "../lowering/lower.js";
import { checkTopology } from "../pipeline/check-topology.js";
import { buildTopologyGraph, graphDot, graphSvg, layoutSvg } from "../pictures/index.js";
import { severityFromFlags } from "./check-command.js";
import { writeOutput } from "./atomic-file.js";
import { hasErrors, isUnreadable, printDiagnostics } from "./diagnostics-output.js";
import { collect, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "./exit.js";

interface PictureOptions {
  output: string;
  plugin: string[];
  warn: string[];
  error: string[];
}

interface GraphOptions extends PictureOptions {
  format: "svg" | "dot";
}

function pictureCommand(program: Command, name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .argument("<file>", "the .vcm topology")
    .requiredOption("-o, --output <file>", "the picture to write (replaced atomically)")
    .option("--plugin <module>", "load a driver plugin (file path or package name)", collect, [])
    .option("-W, --warn <check>", "make a check a warning; -W no-NAME turns it off", collect, [])
    .option("-E, --error <check>", "make a check an error", collect, []);
}

const EXIT_HELP =
  "Nothing is written when the topology has errors; an earlier file is then left as it was.\n" +
  "Exit status: 0 written, 1 errors, 2 usage, unreadable input or an I/O error.";

export function registerPictureCommands(program: Command): void {
  pictureCommand(
    program,
    "graph",
    "draw the mapping graph: endpoints, mappers, domains, windows, memory",
  )
    .addOption(
      new Option("-f, --format <format>", "`dot` writes Graphviz source instead of SVG")
        .choices(["svg", "dot"])
        .default("svg"),
    )
    .addHelpText("after", `\n${EXIT_HELP}`)
    .action(async (file: string, options: GraphOptions) => {
      const severity = severityFromFlags(options.warn, options.error);
      const checked = await checkTopology(file, { plugins: options.plugin, severity });
      printDiagnostics(checked.diagnostics, checked.sources);
      if (!checked.ir || hasErrors(checked.diagnostics)) {
        process.exitCode = isUnreadable(checked.diagnostics) ? EXIT_USAGE : EXIT_FAILED;
        return;
      }
      const graph = buildTopologyGraph(checked.ir);
      const text = options.format === "dot" ? graphDot(graph) : await graphSvg(graph);
      process.exitCode = writeOutput(options.output, text) ? EXIT_OK : EXIT_USAGE;
    });

  pictureCommand(
    program,
    "layout",
    "draw each domain's, window's and cpu's address space, and who reaches each memory region",
  )
    .addHelpText("after", `\n${EXIT_HELP}`)
    .action(async (file: string, options: PictureOptions) => {
      const severity = severityFromFlags(options.warn, options.error);
      const checked = await checkTopology(file, { plugins: options.plugin, severity });
      if (!checked.ir || hasErrors(checked.diagnostics)) {
        printDiagnostics(checked.diagnostics, checked.sources);
        process.exitCode = isUnreadable(checked.diagnostics) ? EXIT_USAGE : EXIT_FAILED;
        return;
      }
      // The picture shows the lowered addresses (auto IOVAs, page sizes), so lower first.
      const lowered = lower(checked.ir, checked.registry);
      const diagnostics = [
        ...checked.diagnostics,
        ...applySeverityOverrides(lowered.diagnostics, checked.files, severity),
      ];
      printDiagnostics(diagnostics, checked.sources);
      if (!lowered.compiled || hasErrors(diagnostics)) {
        process.exitCode = EXIT_FAILED;
        return;
      }
      process.exitCode = writeOutput(options.output, layoutSvg(lowered.compiled))
        ? EXIT_OK
        : EXIT_USAGE;
    });
}
