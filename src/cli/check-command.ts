/** `vcm check`: lint topologies for editors and CI (text, JSON, SARIF). */
import { Command, Option } from "commander";
import { checkListing } from "../checks/listing.js";
import { findCheck, listChecks } from "../checks/registry.js";
import type { SeverityOptions } from "../checks/severity.js";
import { DiagnosticCollector } from "../diagnostics/collector.js";
import { formatJson } from "../diagnostics/printers/json.js";
import { formatSarif } from "../diagnostics/printers/sarif.js";
import { formatText, useColor } from "../diagnostics/printers/text.js";
import { irToJson } from "../ir/serialize.js";
import { checkTopology } from "../pipeline/check-topology.js";
import { didYouMean } from "../semantics/suggest.js";
import { VCM_VERSION } from "../version.js";
import {
  noConfigOption,
  projectOptions,
  rootOption,
  type ProjectFlags,
} from "./project-options.js";
import {
  collect,
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  UNREADABLE_INPUT_CODES,
  UsageError,
} from "./exit.js";

interface CheckCommandOptions extends ProjectFlags {
  format: "text" | "json" | "sarif";
  warn: string[];
  error: string[];
  listChecks?: boolean;
  emitIr?: boolean;
}

/** `-W no-NAME`, `-W NAME`, `-E NAME` into severity options; unknown names are usage errors. */
export function severityFromFlags(
  warn: readonly string[],
  error: readonly string[],
): SeverityOptions {
  const options: SeverityOptions = { disable: new Set(), warn: new Set(), error: new Set() };
  /** `written` is the flag as the user typed it, e.g. `-W no-unused-declarations`. */
  const known = (name: string, written: string) => {
    if (findCheck(name)) return;
    const hint = didYouMean(
      name,
      listChecks().map((c) => c.name),
    );
    throw new UsageError(`${written}: no check is named '${name}'${hint ? ` (${hint})` : ""}`);
  };
  for (const w of warn) {
    if (w.startsWith("no-") && !findCheck(w)) {
      known(w.slice(3), `-W ${w}`);
      options.disable.add(w.slice(3));
    } else {
      known(w, `-W ${w}`);
      options.warn.add(w);
    }
  }
  for (const e of error) {
    known(e, `-E ${e}`);
    options.error.add(e);
  }
  return options;
}

/** Every diagnostic; a check on the IR also shows its cost and what it needs first. */
function printCheckList(format: CheckCommandOptions["format"]): void {
  const checks = checkListing();
  if (format === "json") {
    process.stdout.write(JSON.stringify(checks, null, 2) + "\n");
    return;
  }
  const nameWidth = Math.max(...checks.map((c) => c.name.length));
  for (const c of checks) {
    const needs = c.needs && c.needs.length > 0 ? `; needs ${c.needs.join(", ")}` : "";
    const engine = c.cost ? ` [${c.cost}${needs}]` : "";
    process.stdout.write(
      `${c.code}  ${c.name.padEnd(nameWidth)}  ${c.severity.padEnd(7)}  ${c.description}${engine}\n`,
    );
  }
}

export function registerCheckCommand(program: Command): void {
  program
    .command("check")
    .description("check topologies: syntax, names and every named check (exit 1 on errors)")
    .argument("[files...]", ".vcm files to check")
    .addOption(
      new Option("-f, --format <format>", "output format")
        .choices(["text", "json", "sarif"])
        .default("text"),
    )
    .option("-W, --warn <check>", "make a check a warning; -W no-NAME turns it off", collect, [])
    .option("-E, --error <check>", "make a check an error", collect, [])
    .option("--list-checks", "list every check with its code, severity and description")
    .option("--emit-ir", "print the resolved IR as JSON (diagnostics go to stderr)")
    .option("--plugin <module>", "load a driver plugin (file path or package name)", collect, [])
    .addOption(rootOption())
    .addOption(noConfigOption())
    .addHelpText(
      "after",
      "\nExit status: 0 clean, 1 errors, 2 usage or unreadable input.\n" +
        "A file can change severities with a comment: // vcm: disable|warn|error CHECK-NAME",
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
      const severity = severityFromFlags(options.warn, options.error);
      const project = projectOptions(options);
      const collector = new DiagnosticCollector();
      const sources = new Map<string, string>();
      let unreadable = false;
      for (const file of files) {
        const result = await checkTopology(file, { ...project, severity });
        collector.addAll(result.diagnostics);
        for (const [k, v] of result.sources) sources.set(k, v);
        if (result.diagnostics.some((d) => UNREADABLE_INPUT_CODES.has(d.code))) unreadable = true;
        if (options.emitIr && result.ir) process.stdout.write(irToJson(result.ir) + "\n");
      }
      const out = options.emitIr ? process.stderr : process.stdout;
      // Printers read the collector's stable order: by file, position, then code.
      const diagnostics = collector.sorted();
      if (options.format === "json") {
        out.write(formatJson(diagnostics, files, VCM_VERSION));
      } else if (options.format === "sarif") {
        out.write(formatSarif(diagnostics, listChecks(), VCM_VERSION));
      } else {
        out.write(formatText(diagnostics, { color: useColor(out), sources }));
      }
      process.exitCode = unreadable ? EXIT_USAGE : collector.hasErrors() ? EXIT_FAILED : EXIT_OK;
    });
}
