/**
 * `vcm graph FILE -o topo.svg` (the mapping graph, `--format dot` for Graphviz) and
 * `vcm layout FILE -o layout.svg` (address-space bars and the physical map).
 */
import { Command, Option } from "commander";
import { checkTopology } from "../pipeline/check-topology.js";
import { compileTopology } from "../pipeline/compile-topology.js";
import { buildTopologyGraph, graphDot, graphSvg, layoutSvg } from "../pictures/index.js";
import { writeOutput } from "./atomic-file.js";
import { hasErrors, printDiagnostics } from "./diagnostics-output.js";
import { collect, EXIT_FAILED, EXIT_OK, EXIT_USAGE, exitCodeOf, exitCodesHelp } from "./exit.js";
import {
  noConfigOption,
  projectOptions,
  rootOption,
  type ProjectFlags,
} from "./project-options.js";
import { severityFromFlags } from "./severity-flags.js";

interface PictureOptions extends ProjectFlags {
  output: string;
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
    .addOption(rootOption())
    .addOption(noConfigOption())
    .option("-W, --warn <check>", "make a check a warning; -W no-NAME turns it off", collect, [])
    .option("-E, --error <check>", "make a check an error", collect, []);
}

const EXIT_HELP =
  "Nothing is written when the topology has errors; an earlier file is then left as it was.\n" +
  "A file that cannot be written exits 2.\n" +
  exitCodesHelp();

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
      const checked = await checkTopology(file, { ...projectOptions(options), severity });
      printDiagnostics(checked.diagnostics, checked.sources);
      if (!checked.ir || hasErrors(checked.diagnostics)) {
        process.exitCode = exitCodeOf(checked.diagnostics);
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
      // The picture shows the lowered addresses (auto IOVAs, page sizes): compiled in memory.
      const compilation = await compileTopology(file, { ...projectOptions(options), severity });
      printDiagnostics(compilation.diagnostics, compilation.checked.sources);
      if (!compilation.ok || !compilation.compiled) {
        process.exitCode = exitCodeOf(compilation.diagnostics) || EXIT_FAILED;
        return;
      }
      process.exitCode = writeOutput(options.output, layoutSvg(compilation.compiled))
        ? EXIT_OK
        : EXIT_USAGE;
    });
}
