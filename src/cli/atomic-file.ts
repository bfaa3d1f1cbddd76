/**
 * Write one output file atomically: into a temporary sibling first, then renamed over the target,
 * so a failure never leaves a half-written picture or report (an earlier file stays as it was).
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export function writeFileAtomic(path: string, text: string): void {
  const parent = dirname(path);
  mkdirSync(parent, { recursive: true });
  const temp = join(parent, `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(temp, text);
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}

/** Write `text` to `path`, or print why not (exit code 2). Returns whether it was written. */
export function writeOutput(path: string, text: string): boolean {
  try {
    writeFileAtomic(path, text);
    return true;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    process.stderr.write(`vcm: error: cannot write '${path}': ${why}\n`);
    return false;
  }
}
