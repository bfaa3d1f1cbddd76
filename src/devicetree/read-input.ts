/**
 * Reading the input of `vcm import-dt`: a .dtb blob (by its magic, whatever its name) or a .dts
 * source (compiled with dtc). Every failure is a diagnostic (VCM0030-0033), never a throw.
 */
import { readFileSync, statSync } from "node:fs";
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { fileSpan, type Span } from "../diagnostics/span.js";
import { hex } from "../diagnostics/format.js";
import { runDtc, type DtcResult } from "./dtc.js";
import { FDT_LIMITS, FDT_MAGIC } from "./fdt-format.js";
import { readFdt } from "./fdt-reader.js";
import { readU32, type DeviceTree } from "./tree.js";

export interface DeviceTreeInput {
  tree?: DeviceTree;
  diagnostics: Diagnostic[];
  /** "dtb" or "dts" (compiled), when the file could be read. */
  kind?: "dtb" | "dts";
}

function pointSpan(file: string, line: number, column: number): Span {
  return { file, offset: 0, endOffset: 0, line, column, endLine: line, endColumn: column + 1 };
}

export function readDeviceTreeFile(path: string): DeviceTreeInput {
  const fail = (d: Diagnostic): DeviceTreeInput => ({ diagnostics: [d] });
  const at = fileSpan(path);
  let bytes: Uint8Array;
  try {
    const st = statSync(path);
    if (!st.isFile()) return fail(diagnostic(D.dtUnreadable.messages.notFile, at, { path }));
    if (st.size > FDT_LIMITS.maxBytes) {
      return fail(diagnostic(D.dtUnreadable.messages.tooLarge, at, { path, bytes: st.size }));
    }
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    const errno = (e as NodeJS.ErrnoException).code;
    return fail(
      errno
        ? diagnostic(D.dtUnreadable, at, { path, errno })
        : diagnostic(D.dtUnreadable.messages.noErrno, at, { path }),
    );
  }
  const isBlob = bytes.length >= 4 && readU32(bytes, 0) === FDT_MAGIC;
  if (isBlob) {
    const r = readFdt(bytes);
    if (!r.ok) {
      const { message: problem, offset } = r.problem;
      return fail(diagnostic(D.fdtMalformed, at, { problem, offset: hex(offset) }));
    }
    return { tree: r.tree, diagnostics: [], kind: "dtb" };
  }
  if (path.endsWith(".dtb") || path.endsWith(".dtbo") || bytes.includes(0)) {
    return fail(diagnostic(D.fdtMalformed.messages.noMagic, at, { path }));
  }
  const compiled = runDtc(path);
  if (!compiled.ok) return fail(dtcDiagnostic(compiled, path, bytes));
  const r = readFdt(compiled.blob);
  if (!r.ok) {
    return fail(diagnostic(D.fdtMalformed.messages.dtcOutput, at, { problem: r.problem.message }));
  }
  return { tree: r.tree, diagnostics: [], kind: "dts" };
}

/** Why `dtc` gave no blob: not installed, could not run, or refused the source (at its place). */
function dtcDiagnostic(
  failed: Exclude<DtcResult, { ok: true }>,
  path: string,
  bytes: Uint8Array,
): Diagnostic {
  if (failed.problem === "missing") return diagnostic(D.dtcMissing, fileSpan(path));
  if (failed.problem === "could-not-run") {
    return diagnostic(D.dtcFailed.messages.couldNotRun, fileSpan(path), { why: failed.why });
  }
  const span =
    failed.line !== undefined ? pointSpan(path, failed.line, failed.column ?? 1) : fileSpan(path);
  const d = diagnostic(D.dtcFailed, span, { dtcError: failed.dtcError });
  // dtc does not expand C macros: Linux sources need the preprocessor first.
  if (/^\s*#(include|define)\b/m.test(Buffer.from(bytes).toString("latin1"))) {
    d.hint =
      "the source uses the C preprocessor: run `cpp -nostdinc -undef -x assembler-with-cpp` on it first, as Linux's build does";
  }
  return d;
}
