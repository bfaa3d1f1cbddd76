/**
 * `vcm run FILE` (prove every endpoint sees exactly the intended memory) and
 * `vcm explain FILE ENDPOINT ADDRESS...` (the walk trace of each address, in one process).
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Command, InvalidArgumentError } from "commander";
import { useColor } from "../diagnostics/printers/text.js";
import { printOutcome } from "./diagnostics-output.js";
import { collect, exitCodesHelp, UsageError } from "./exit.js";
import { runCommandJob } from "./isolated-job.js";
import type { ExplainJob, ProjectJob, RunJob } from "./jobs.js";
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

interface CommonOptions extends ProjectFlags {
  tables?: string;
  json?: boolean;
  warn: string[];
  error: string[];
  pluginTimeout: number;
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
  relocateTo?: { pool?: string; base: bigint };
}

/** `--relocate-to [POOL=]ADDR`. */
function relocationRequest(value: string): { pool?: string; base: bigint } {
  const eq = value.lastIndexOf("=");
  const base = addressOf(eq >= 0 ? value.slice(eq + 1) : value);
  if (typeof base === "string") throw new InvalidArgumentError(`[POOL=]ADDR: ${base}`);
  return eq >= 0 ? { pool: value.slice(0, eq), base } : { base };
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

/** The job fields every topology command shares; bad -W / -E / --root are usage errors here. */
function projectJob(options: CommonOptions): ProjectJob {
  severityFromFlags(options.warn, options.error);
  const project = projectOptions(options);
  return {
    plugins: options.plugin,
    warn: options.warn,
    error: options.error,
    cwd: process.cwd(),
    ...(project.root !== undefined ? { root: project.root } : {}),
    config: project.config !== false,
    color: useColor(process.stdout),
  };
}

function commonOptions(command: Command): Command {
  return command
    .option("--tables <dir>", "prove an existing `vcm compile` output instead of compiling afresh")
    .option("--json", "print a JSON report (docs/RUN-REPORT.md)")
    .option("--plugin <module>", "load a driver plugin (file path or package name)", collect, [])
    .addOption(rootOption())
    .addOption(noConfigOption())
    .option("-W, --warn <check>", "make a check a warning; -W no-NAME turns it off", collect, [])
    .option("-E, --error <check>", "make a check an error", collect, [])
    .addOption(pluginTimeoutOption());
}

/** `vcm run FILE`: compile (or load --tables) and prove, with a progress bar. */
async function runAction(file: string, options: RunOptions): Promise<void> {
  const job: RunJob = {
    kind: "run",
    file,
    ...projectJob(options),
    ...(options.tables !== undefined ? { tables: options.tables } : {}),
    json: options.json === true,
    scenario: options.scenario,
    scenarios: options.scenarios,
    endpoint: options.endpoint,
    maxFailures: options.maxFailures,
    jobs: options.jobs,
    ...(options.html !== undefined ? { html: options.html } : {}),
    ...(options.relocateTo !== undefined ? { relocateTo: options.relocateTo } : {}),
  };
  const bar = progressBar();
  printOutcome(
    await runCommandJob(job, {
      thirdParty: runsThirdPartyCode(job, [file]),
      timeoutMs: options.pluginTimeout,
      progress: (done, total, label) => bar.update(done, total, label),
    }).finally(() => bar.finish()),
  );
}

/** `vcm explain FILE ENDPOINT ADDRESS...`: the positional addresses and those of --addresses. */
async function explainAction(
  file: string,
  endpoint: string,
  positional: bigint[] | undefined,
  options: ExplainOptions,
): Promise<void> {
  let addresses = positional ?? [];
  if (options.addresses !== undefined) {
    try {
      addresses = [...addresses, ...readAddresses(options.addresses)];
    } catch (e) {
      throw new UsageError(e instanceof Error ? e.message : String(e));
    }
  }
  if (addresses.length === 0) {
    throw new UsageError("give at least one address, or --addresses FILE");
  }
  const job: ExplainJob = {
    kind: "explain",
    file,
    endpoint,
    addresses,
    ...projectJob(options),
    ...(options.tables !== undefined ? { tables: options.tables } : {}),
    json: options.json === true,
  };
  printOutcome(
    await runCommandJob(job, {
      thirdParty: runsThirdPartyCode(job, [file]),
      timeoutMs: options.pluginTimeout,
    }),
  );
}

function registerRun(program: Command): void {
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
    .option(
      "--relocate-to <[pool=]addr>",
      "prove the tables with POOL moved to ADDR as a boot image relocates them (relative table pointers plus the load address; docs/FIRMWARE.md); scenarios are not played",
      relocationRequest,
    )
    .addHelpText(
      "after",
      "\nEvery mapping of every endpoint is walked page by page; everything an endpoint can reach is\n" +
        "compared with what was declared; `expect` lines are evaluated; scenarios are played step by\n" +
        "step from the compiled state.\n" +
        "Failures print as `vcm check` prints diagnostics; text and --json reports go to stdout.\n" +
        "A topology with errors exits 1; an unknown scenario or endpoint, or --tables that cannot\n" +
        "be loaded, exits 2. Third-party plugins run in a watched worker (--plugin-timeout); the\n" +
        "proof then runs on that one thread, whatever --jobs says.\n" +
        exitCodesHelp(),
    )
    .action(runAction);
}

function registerExplain(program: Command): void {
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
        "1 also means an address faults.\n" +
        exitCodesHelp(),
    )
    .action(explainAction);
}

export function registerRunCommands(program: Command): void {
  registerRun(program);
  registerExplain(program);
}
