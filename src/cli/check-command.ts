/** `vcm check`: lint topologies for editors and CI (text, JSON, SARIF). */
import { Command, Option } from "commander";
import { checkListing } from "../checks/listing.js";
import { useColor } from "../diagnostics/printers/text.js";
import { printOutcome } from "./diagnostics-output.js";
import { collect, EXIT_OK, exitCodesHelp, UsageError } from "./exit.js";
import { DEFAULT_PLUGIN_TIMEOUT_MS, runCommandJob } from "./isolated-job.js";
import type { CheckJob } from "./jobs.js";
import {
  noConfigOption,
  pluginTimeoutOption,
  projectOptions,
  rootOption,
  runsThirdPartyCode,
  type ProjectFlags,
} from "./project-options.js";
import { watchCheck } from "./check-watch.js";
import { severityFromFlags } from "./severity-flags.js";

export { severityFromFlags } from "./severity-flags.js";

interface CheckCommandOptions extends ProjectFlags {
  format: "text" | "json" | "sarif";
  warn: string[];
  error: string[];
  listChecks?: boolean;
  emitIr?: boolean;
  watch?: boolean;
  pluginTimeout: number;
}

/** Every diagnostic; a check on the IR also shows its cost and what it needs first. */
function printCheckList(format: CheckCommandOptions["format"]): void {
  const checks = checkListing();
  if (format === "json") {
    process.stdout.write(JSON.stringify(checks, null, 2) + "\n");
    return;
  }
  const nameWidth = Math.max(...checks.map((c) => c.name.length));
  // One write: a reader that closes the pipe early (`| head`) ends it once.
  process.stdout.write(
    checks
      .map((c) => {
        const needs = c.needs && c.needs.length > 0 ? `; needs ${c.needs.join(", ")}` : "";
        const engine = c.cost ? ` [${c.cost}${needs}]` : "";
        return `${c.code}  ${c.name.padEnd(nameWidth)}  ${c.severity.padEnd(7)}  ${c.description}${engine}
`;
      })
      .join(""),
  );
}

export function registerCheckCommand(program: Command): void {
  program
    .command("check")
    .description("check topologies: syntax, names and every named check")
    .argument("[files...]", ".vcm files to check")
    .addOption(
      new Option("-f, --format <format>", "output format (json and sarif go to stdout)")
        .choices(["text", "json", "sarif"])
        .default("text"),
    )
    .option("-W, --warn <check>", "make a check a warning; -W no-NAME turns it off", collect, [])
    .option("-E, --error <check>", "make a check an error", collect, [])
    .option("--list-checks", "list every check with its code, severity and description")
    .option("--emit-ir", "print the resolved IR as JSON (diagnostics go to stderr)")
    .option("--watch", "re-check when a file (or an import) changes; print only what changed")
    .option("--plugin <module>", "load a driver plugin (file path or package name)", collect, [])
    .addOption(rootOption())
    .addOption(noConfigOption())
    .addOption(pluginTimeoutOption())
    .addHelpText(
      "after",
      "\nText diagnostics go to stderr; --format json|sarif is the result, on stdout.\n" +
        "A file can change severities with a comment: // vcm: disable|warn|error CHECK-NAME\n" +
        exitCodesHelp(),
    )
    .action(async (files: string[], options: CheckCommandOptions) => {
      if (options.listChecks) {
        printCheckList(options.format);
        process.exitCode = EXIT_OK;
        return;
      }
      if (files.length === 0) throw new UsageError("check: name at least one .vcm file");
      if (options.emitIr && files.length !== 1) {
        throw new UsageError("check --emit-ir takes exactly one file");
      }
      const severity = severityFromFlags(options.warn, options.error); // a usage error here, not in a worker
      const project = projectOptions(options);
      if (options.watch) {
        if (options.format !== "text" || options.emitIr)
          throw new UsageError(
            "check --watch prints text; it takes neither --format nor --emit-ir",
          );
        process.exitCode = await watchCheck(files, { ...project, severity });
        return;
      }
      const job: CheckJob = {
        kind: "check",
        files,
        format: options.format,
        emitIr: options.emitIr === true,
        plugins: options.plugin,
        warn: options.warn,
        error: options.error,
        cwd: process.cwd(),
        ...(project.root !== undefined ? { root: project.root } : {}),
        config: project.config !== false,
        color: useColor(process.stderr),
      };
      printOutcome(
        await runCommandJob(job, {
          thirdParty: runsThirdPartyCode(job, files),
          timeoutMs: options.pluginTimeout ?? DEFAULT_PLUGIN_TIMEOUT_MS,
        }),
      );
    });
}
