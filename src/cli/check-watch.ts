/**
 * `vcm check --watch FILE...`: check, then re-check whenever a file of the topology changes
 * (the files named, everything they import, and the project configuration), printing only what
 * changed: each new diagnostic in full (as `vcm check` prints it), each one gone as one
 * `fixed:` line, then a one-line summary. A diagnostic is the same one across edits when its
 * file, code, message and source line are, so a line moving down is not news.
 *
 * Directories are watched rather than files, since editors save by writing a new file and
 * renaming it over the old one. Changes are debounced; runs until interrupted (exit status: that
 * of the last check).
 */
import { watch, type FSWatcher } from "node:fs";
import { dirname, resolve as resolvePath } from "node:path";
import { DiagnosticCollector } from "../diagnostics/collector.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { formatDiagnostic, useColor, type TextPrintOptions } from "../diagnostics/printers/text.js";
import { checkTopology, type CheckTopologyOptions } from "../pipeline/check-topology.js";
import { EXIT_FAILED, EXIT_OK } from "./exit.js";

export const WATCH_DEBOUNCE_MS = 100;

interface Round {
  /** Identity -> diagnostic, over every file named. */
  found: Map<string, Diagnostic>;
  sources: Map<string, string>;
  /** Absolute paths of every file read (roots, imports, configuration). */
  watched: Set<string>;
}

function identity(d: Diagnostic, sources: ReadonlyMap<string, string>): string {
  const text = d.span ? sources.get(d.span.file) : undefined;
  let line = "";
  if (text !== undefined && d.span) {
    const start = text.lastIndexOf("\n", d.span.offset - 1) + 1;
    const end = text.indexOf("\n", d.span.offset);
    line = text.slice(start, end < 0 ? text.length : end).trim();
  }
  return `${d.span?.file ?? ""}\u0000${d.code}\u0000${d.message}\u0000${line}`;
}

async function checkAll(
  files: readonly string[],
  options: CheckTopologyOptions,
  cwd: string,
): Promise<Round> {
  const found = new Map<string, Diagnostic>();
  const sources = new Map<string, string>();
  const watched = new Set<string>();
  for (const file of files) {
    const result = await checkTopology(file, options);
    for (const [k, v] of result.sources) sources.set(k, v);
    for (const f of result.files) watched.add(resolvePath(cwd, f.file));
    watched.add(resolvePath(cwd, file));
    if (result.configFile) watched.add(result.configFile);
    for (const d of result.diagnostics) found.set(identity(d, result.sources), d);
  }
  return { found, sources, watched };
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;

function summary(round: Round): string {
  const all = [...round.found.values()];
  const errors = all.filter((d) => d.severity === "error").length;
  const warnings = all.filter((d) => d.severity === "warning").length;
  return `${plural(errors, "error")}, ${plural(warnings, "warning")}`;
}

/** What changed from `before` to `after`, as text; empty when nothing did. */
export function describeChanges(
  before: Round | undefined,
  after: Round,
  print: Omit<TextPrintOptions, "sources">,
): string {
  const options = { ...print, sources: after.sources };
  const collector = new DiagnosticCollector();
  collector.addAll([...after.found].filter(([k]) => !before?.found.has(k)).map(([, d]) => d));
  const added = collector.sorted();
  const gone = before
    ? [...before.found].filter(([k]) => !after.found.has(k)).map(([, d]) => d)
    : [];
  if (before && added.length === 0 && gone.length === 0) return "";
  const out: string[] = [];
  for (const d of gone) {
    const where = d.span ? `${d.span.file}:${d.span.line}:${d.span.column}: ` : "";
    out.push(`fixed: ${where}${d.severity}[${d.code}]: ${d.message} [${d.check}]`);
  }
  for (const d of added) out.push(formatDiagnostic(d, options));
  out.push(
    before
      ? `${plural(added.length, "new diagnostic")}, ${gone.length} fixed; now ${summary(after)}`
      : summary(after),
  );
  return out.join("\n\n") + "\n";
}

export async function watchCheck(
  files: readonly string[],
  options: CheckTopologyOptions,
  out: NodeJS.WriteStream = process.stdout,
): Promise<number> {
  const cwd = options.cwd ?? process.cwd();
  const print = { color: useColor(out) };
  let round = await checkAll(files, options, cwd);
  out.write(describeChanges(undefined, round, print));

  const watchers = new Map<string, FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;

  const rewatch = () => {
    const dirs = new Set([...round.watched].map((p) => dirname(p)));
    for (const [dir, w] of watchers)
      if (!dirs.has(dir)) {
        w.close();
        watchers.delete(dir);
      }
    for (const dir of dirs) {
      if (watchers.has(dir)) continue;
      try {
        const w = watch(dir, (_event, name) => {
          if (name && !round.watched.has(resolvePath(dir, name.toString()))) return;
          if (timer) clearTimeout(timer);
          timer = setTimeout(recheck, WATCH_DEBOUNCE_MS);
        });
        w.on("error", () => {});
        watchers.set(dir, w);
      } catch {
        // A directory that went away: the next check reports the missing file.
      }
    }
  };

  const recheck = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const next = await checkAll(files, options, cwd);
        const text = describeChanges(round, next, print);
        round = next;
        if (text) out.write(text);
        rewatch();
      } while (again);
    } finally {
      running = false;
    }
  };

  // Watch first, then say so: a change right after the message is seen.
  rewatch();
  out.write(`watching ${plural(round.watched.size, "file")} for changes (Ctrl-C to stop)\n`);
  const failed = () =>
    [...round.found.values()].some((d) => d.severity === "error") ? EXIT_FAILED : EXIT_OK;
  return new Promise<number>((resolve) => {
    const stop = () => {
      if (timer) clearTimeout(timer);
      for (const w of watchers.values()) w.close();
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(failed());
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
