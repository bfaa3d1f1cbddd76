/**
 * `vcm fmt [--check|--write] FILE...`: the formatter of `vcm/prettier` (`formatVcm`) on files.
 * Exit codes as Prettier's: 0 done (or already formatted), 1 `--check` found a file that would
 * change, 2 a syntax error, an unreadable file or bad usage. Every file is formatted in memory
 * before any is written, so one bad file means nothing is written; each write is atomic.
 */
import { readdirSync, statSync } from "node:fs";
import { join, sep } from "node:path";
import type { Command } from "commander";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { formatVcm, VcmFormatError } from "../format/index.js";
import { capDiagnostics } from "../semantics/limits.js";
import { displayNameOf } from "../workspace/loader.js";
import { readSource } from "../workspace/read-source.js";
import { writeOutput } from "./atomic-file.js";
import { printDiagnostics } from "./diagnostics-output.js";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, exitCodesHelp } from "./exit.js";

interface FmtOptions {
  check?: boolean;
  write?: boolean;
}

interface Formatted {
  path: string;
  name: string;
  before: string;
  after: string;
}

export function registerFmtCommand(program: Command): void {
  program
    .command("fmt")
    .description("format .vcm files (the rules: docs/FORMAT.md); prints the result by default")
    .argument("<files...>", "the .vcm files (a directory: every .vcm file below it)")
    .option("--check", "list the files that would change (exit 1 if any); write nothing")
    .option("--write", "rewrite the files that would change, in place (atomically)")
    .addHelpText(
      "after",
      "\nNothing is written if any file cannot be read or has a syntax error.\n" +
        "Here: 0 formatted, 1 --check found files to format, 2 syntax error, unreadable\n" +
        "input or usage." +
        exitCodesHelp(),
    )
    .action((files: string[], options: FmtOptions) => {
      if (options.check && options.write) throw new UsageError("use --check or --write, not both");
      process.exitCode = fmt(files, options);
    });
}

/** The files named, a directory standing for the `.vcm` files below it (not node_modules). */
function expand(paths: string[]): string[] {
  const out: string[] = [];
  for (const path of paths) {
    let isDirectory = false;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      // Missing or unreadable: readSource says why.
    }
    if (!isDirectory) {
      out.push(path);
      continue;
    }
    const below = readdirSync(path, { recursive: true, encoding: "utf8" })
      .filter(
        (f) =>
          f.endsWith(".vcm") &&
          !f.split(sep).some((p) => p === "node_modules" || p.startsWith(".")),
      )
      .sort();
    for (const f of below) out.push(join(path, f));
  }
  return out;
}

function fmt(paths: string[], options: FmtOptions): number {
  const files = expand(paths);
  const done: Formatted[] = [];
  const problems: Diagnostic[] = [];
  const sources = new Map<string, string>();
  for (const path of files) {
    const name = displayNameOf(path);
    const read = readSource(path, name);
    if (!read.ok) {
      problems.push(read.diagnostic);
      continue;
    }
    sources.set(name, read.text);
    try {
      done.push({ path, name, before: read.text, after: formatVcm(read.text, { file: name }) });
    } catch (e) {
      if (!(e instanceof VcmFormatError)) throw e;
      if (e.kind === "syntax") for (const d of e.diagnostics) problems.push(d);
      else process.stderr.write(`vcm: ${e.message}\n`);
      if (e.kind !== "syntax") return EXIT_USAGE;
    }
  }
  if (problems.length > 0) {
    // As `vcm check` prints them: at most MAX_DIAGNOSTICS_PER_FILE per file, then a count.
    printDiagnostics(capDiagnostics(problems), sources);
    process.stderr.write(
      `vcm: ${options.write ? "nothing was written" : "not formatted"}: ` +
        `${problems.length === 1 ? "1 problem" : `${problems.length} problems`}\n`,
    );
    return EXIT_USAGE;
  }
  if (options.check) {
    const changed = done.filter((f) => f.after !== f.before);
    for (const f of changed) process.stdout.write(`would reformat ${f.name}\n`);
    if (changed.length > 0) {
      process.stdout.write(
        `${changed.length} of ${done.length} file(s) would change; run 'vcm fmt --write'\n`,
      );
    }
    return changed.length > 0 ? EXIT_FAILED : EXIT_OK;
  }
  if (options.write) {
    for (const f of done) {
      if (f.after === f.before) continue;
      if (!writeOutput(f.path, f.after)) return EXIT_USAGE;
      process.stdout.write(`formatted ${f.name}\n`);
    }
    return EXIT_OK;
  }
  for (const f of done) process.stdout.write(f.after);
  return EXIT_OK;
}
