/**
 * `vcm run FILE` (prove every endpoint sees exactly the intended memory) and
 * `vcm explain FILE ENDPOINT ADDRESS...` (the walk trace of each address, in one process).
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Command, InvalidArgumentError } from "commander";
import { applySeverityOverrides, type SeverityOptions } from "../checks/severity.js";
import { loadCompiled, TablesLoadError } from "../compile/index.js";
import type { CompiledTopology } from "../lowering/compiled.js";
import { lower } from "../lowering/lower.js";
import { checkTopology, type CheckedTopology } from "../pipeline/check-topology.js";
import {
  Explainer,
  explainJsonLine,
  explainText,
  runExitCode,
  runReportJson,
  runReportText,
  verifyParallel,
} from "../runtime/index.js";
import { runReportHtml } from "../pictures/index.js";
import { writeOutput } from "./atomic-file.js";
import { severityFromFlags } from "./check-command.js";
import { hasErrors, isUnreadable, printDiagnostics } from "./diagnostics-output.js";
import { collect, EXIT_USAGE } from "./exit.js";
import { progressBar } from "./progress-bar.js";
import {
  noConfigOption,
  projectOptions,
  rootOption,
  type ProjectFlags,
} from "./project-options.js";

interface CommonOptions extends ProjectFlags {
  tables?: string;
  json?: boolean;
  warn: string[];
  error: string[];
}

interface ExplainOptions extends CommonOptions {
  addresses?: string;
}

interface RunOptions extends CommonOptions {
  scenario: string[];
  scenarios: boolean;
  endpoint: string[];
  maxFailures: number;
  jobs: number;
  html?: string;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("a positive integer");
  return n;
}

/** `--jobs`: a thread count, or `auto` for one per available CPU. */
function jobCount(value: string): number {
  return value === "auto" ? availableParallelism() : positiveInt(value);
}

/** An address as `vcm explain` takes it, or why it is not one. */
function addressOf(value: string): bigint | string {
  const text = value.replace(/_/g, "");
  if (!/^(0x[0-9a-f]+|0b[01]+|[0-9]+)$/i.test(text)) {
    return "an address such as 0x8000_0000 or 4096";
  }
  const n = BigInt(text);
  return n >= 1n << 64n ? "an address below 2^64" : n;
}

function parseAddress(value: string, previous: bigint[] = []): bigint[] {
  const n = addressOf(value);
  if (typeof n === "string") throw new InvalidArgumentError(n);
  return [...previous, n];
}

/**
 * The addresses of an `--addresses` file (`-`: standard input): whitespace-separated, `#` starts
 * a comment to the end of the line. Throws a message naming the line of a bad one.
 */
function readAddresses(source: string): bigint[] {
  const name = source === "-" ? "<stdin>" : source;
  let text: string;
  try {
    text = readFileSync(source === "-" ? 0 : source, "utf8");
  } catch (e) {
    throw new Error(`cannot read '${name}': ${e instanceof Error ? e.message : String(e)}`);
  }
  const out: bigint[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const code = lines[i]!.replace(/#.*/, "");
    for (const word of code.split(/\s+/)) {
      if (word === "") continue;
      const n = addressOf(word);
      if (typeof n === "string") throw new Error(`${name}:${i + 1}: '${word}' is not ${n}`);
      out.push(n);
    }
  }
  return out;
}

/**
 * Check the topology, then compile it afresh or load `--tables DIR`. Returns undefined (after
 * printing why and setting the exit code 2) when the input is not usable.
 */
async function prepare(
  file: string,
  options: CommonOptions,
  phase: (label: string) => void = () => {},
): Promise<{ checked: CheckedTopology; compiled: CompiledTopology } | undefined> {
  phase("checking");
  const severity: SeverityOptions = severityFromFlags(options.warn, options.error);
  const checked = await checkTopology(file, { ...projectOptions(options), severity });
  // Diagnostics always go to stderr: stdout is the report (text or JSON).
  const out = process.stderr;
  if (!checked.ir || hasErrors(checked.diagnostics)) {
    printDiagnostics(checked.diagnostics, checked.sources, out);
    process.stderr.write(
      isUnreadable(checked.diagnostics)
        ? ""
        : "vcm: the topology has errors; fix them before it can be proved\n",
    );
    process.exitCode = EXIT_USAGE;
    return undefined;
  }
  if (options.tables) {
    printDiagnostics(checked.diagnostics, checked.sources, out);
    try {
      return { checked, compiled: loadCompiled(options.tables, checked.ir, checked.registry) };
    } catch (e) {
      if (e instanceof TablesLoadError) {
        // Located diagnostics (manifest.json:line:col); no code frame: not a topology source.
        printDiagnostics(e.diagnostics, new Map(), out);
        process.stderr.write(`vcm: cannot load tables from '${options.tables}'\n`);
        process.exitCode = EXIT_USAGE;
        return undefined;
      }
      const why = e instanceof Error ? e.message : String(e);
      process.stderr.write(`vcm: cannot load tables from '${options.tables}': ${why}\n`);
      process.exitCode = EXIT_USAGE;
      return undefined;
    }
  }
  phase("building tables");
  const lowered = lower(checked.ir, checked.registry);
  const diagnostics = [
    ...checked.diagnostics,
    ...applySeverityOverrides(lowered.diagnostics, checked.files, severity),
  ];
  printDiagnostics(diagnostics, checked.sources, out);
  if (!lowered.compiled || hasErrors(diagnostics)) {
    process.stderr.write("vcm: the topology cannot be lowered to page tables\n");
    process.exitCode = EXIT_USAGE;
    return undefined;
  }
  return { checked, compiled: lowered.compiled };
}

function commonOptions(command: Command): Command {
  return command
    .option("--tables <dir>", "prove an existing `vcm compile` output instead of compiling afresh")
    .option("--json", "print a JSON report (docs/RUN-REPORT.md)")
    .option("--plugin <module>", "load a driver plugin (file path or package name)", collect, [])
    .addOption(rootOption())
    .addOption(noConfigOption())
    .option("-W, --warn <check>", "make a check a warning; -W no-NAME turns it off", collect, [])
    .option("-E, --error <check>", "make a check an error", collect, []);
}

export function registerRunCommands(program: Command): void {
  commonOptions(
    program
      .command("run")
      .description("prove every endpoint sees exactly the intended memory, from the table bytes")
      .argument("<file>", "the .vcm topology"),
  )
    .option("--scenario <name>", "play only this scenario (repeatable)", collect, [])
    .option("--no-scenarios", "prove the compiled state only, play no scenario")
    .option("--endpoint <name>", "prove only this endpoint (repeatable)", collect, [])
    .option("--max-failures <n>", "failures listed in detail (all are counted)", positiveInt, 200)
    .option(
      "-j, --jobs <n>",
      "prove endpoints on N worker threads (`auto`: one per CPU; small topologies stay on one)",
      jobCount,
      1,
    )
    .option("--html <file>", "also write a self-contained HTML report (pictures, failures, search)")
    .addHelpText(
      "after",
      "\nEvery mapping of every endpoint is walked page by page; everything an endpoint can reach is\n" +
        "compared with what was declared; `expect` lines are evaluated; scenarios are played step by\n" +
        "step from the compiled state.\n" +
        "Exit status: 0 all proved, 1 a proof failed, 2 bad input (or a topology with errors).",
    )
    .action(async (file: string, options: RunOptions) => {
      const bar = progressBar();
      const prepared = await prepare(file, options, (label) => bar.update(0, 0, label));
      if (!prepared) {
        bar.finish();
        return;
      }
      const { checked, compiled } = prepared;
      const known = new Set(checked.ir!.scenarios.map((s) => s.name));
      for (const s of options.scenario) {
        if (!known.has(s)) {
          bar.finish();
          process.stderr.write(`vcm: no scenario named '${s}'\n`);
          process.exitCode = EXIT_USAGE;
          return;
        }
      }
      const endpoints = new Set(checked.ir!.endpoints.map((e) => e.name));
      for (const e of options.endpoint) {
        if (!endpoints.has(e)) {
          bar.finish();
          process.stderr.write(`vcm: no endpoint named '${e}'\n`);
          process.exitCode = EXIT_USAGE;
          return;
        }
      }
      const report = await verifyParallel(compiled, checked.ir!, checked.registry, {
        jobs: options.jobs,
        progress: (done, total, label) => bar.update(done, total, label),
        scenarios: options.scenarios,
        maxFailures: options.maxFailures,
        ...(options.scenario.length > 0 ? { scenarioNames: options.scenario } : {}),
        ...(options.endpoint.length > 0 ? { endpoints: options.endpoint } : {}),
      });
      bar.finish();
      process.stdout.write(options.json ? runReportJson(report) : runReportText(report));
      if (options.html && !writeOutput(options.html, await runReportHtml(report, compiled))) {
        process.exitCode = EXIT_USAGE;
        return;
      }
      process.exitCode = runExitCode(report);
    });

  commonOptions(
    program
      .command("explain")
      .description("print the walk trace of one address for one endpoint (descriptors per level)")
      .argument("<file>", "the .vcm topology")
      .argument("<endpoint>", "a cpu, device or dma engine")
      .argument(
        "[address...]",
        "addresses the endpoint uses (IOVA, VA or bus address)",
        parseAddress,
      ),
  )
    .option(
      "--addresses <file>",
      "read more addresses from FILE (`-`: standard input), whitespace-separated, `#` comments",
    )
    .addHelpText(
      "after",
      "\nEvery address is answered by one process: the topology is checked and lowered (or\n" +
        "--tables loaded) once. --json prints one JSON object per line, one line per address.\n" +
        "Exit status: 0 every address translates, 1 one faults, 2 bad input.",
    )
    .action(
      async (
        file: string,
        endpoint: string,
        positional: bigint[] | undefined,
        options: ExplainOptions,
      ) => {
        let addresses = positional ?? [];
        if (options.addresses !== undefined) {
          try {
            addresses = [...addresses, ...readAddresses(options.addresses)];
          } catch (e) {
            process.stderr.write(`vcm: ${e instanceof Error ? e.message : String(e)}\n`);
            process.exitCode = EXIT_USAGE;
            return;
          }
        }
        if (addresses.length === 0) {
          process.stderr.write("vcm: give at least one address, or --addresses FILE\n");
          process.exitCode = EXIT_USAGE;
          return;
        }
        const prepared = await prepare(file, options);
        if (!prepared) return;
        if (!prepared.checked.ir!.endpoints.some((e) => e.name === endpoint)) {
          process.stderr.write(`vcm: no endpoint named '${endpoint}'\n`);
          process.exitCode = EXIT_USAGE;
          return;
        }
        const explainer = new Explainer(prepared.compiled);
        const out: string[] = [];
        let faults = 0;
        for (const address of addresses) {
          const result = explainer.explain(endpoint, address);
          if (!result.outcome.ok) faults++;
          out.push(options.json ? explainJsonLine(result) : explainText(result));
        }
        process.stdout.write(out.join(options.json ? "" : "\n"));
        process.exitCode = faults === 0 ? 0 : 1;
      },
    );
}
