/**
 * Compiling a .dts source with the device-tree compiler (`dtc`, Debian's device-tree-compiler)
 * into a blob, with `-@` so labels survive as `__symbols__` (the importer names nodes after
 * them). dtc does not run the C preprocessor: a source with `#include` must be preprocessed
 * first (as Linux's scripts/Makefile.lib does: `cpp -nostdinc -undef -x assembler-with-cpp`).
 */
import { spawnSync } from "node:child_process";
import { FDT_LIMITS } from "./fdt-format.js";

export type DtcResult =
  | { ok: true; blob: Uint8Array }
  | { ok: false; problem: "missing" }
  | { ok: false; problem: "could-not-run"; why: string }
  | { ok: false; problem: "refused"; dtcError: string; line?: number; column?: number };

/** The `dtc` to run (VCM_DTC overrides it: tests point it at a missing program). */
export function dtcProgram(): string {
  return process.env.VCM_DTC ?? "dtc";
}

/** Whether `dtc` can be run at all. */
export function dtcAvailable(): boolean {
  const r = spawnSync(dtcProgram(), ["--version"], { encoding: "utf8", timeout: 10_000 });
  return !r.error && r.status === 0;
}

const DTC_TIMEOUT_MS = 60_000;

/**
 * `dtc -I dts -O dtb` of `path`, from its own directory (so `/include/` resolves there).
 * `extraArgs` are given before the input (e.g. `-@` for labels).
 */
export function runDtc(path: string, extraArgs: readonly string[] = ["-@"]): DtcResult {
  // A path starting with `-` would be read as an option.
  const input = path.startsWith("-") ? `./${path}` : path;
  const r = spawnSync(
    dtcProgram(),
    ["-q", ...extraArgs, "-I", "dts", "-O", "dtb", "-o", "-", input],
    {
      timeout: DTC_TIMEOUT_MS,
      maxBuffer: FDT_LIMITS.maxBytes,
    },
  );
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      return { ok: false, problem: "missing" };
    }
    return { ok: false, problem: "could-not-run", why: r.error.message };
  }
  const stderr = r.stderr.toString("utf8").trim();
  if (r.status !== 0) {
    // dtc reports `Error: FILE:LINE.COL-END message`; keep the first error's place.
    const m = /Error: [^\n]*?:(\d+)\.(\d+)(?:-[\d.]+)? ([^\n]*)/.exec(stderr);
    const first = stderr.split("\n").find((l) => l.trim() !== "") ?? `dtc exited with ${r.status}`;
    return m
      ? {
          ok: false,
          problem: "refused",
          dtcError: m[3]!,
          line: Number(m[1]),
          column: Number(m[2]),
        }
      : { ok: false, problem: "refused", dtcError: first };
  }
  return { ok: true, blob: new Uint8Array(r.stdout) };
}
