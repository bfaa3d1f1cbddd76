/**
 * Reading the input of `vcm import-dt`: a .dtb blob (by its magic, whatever its name) or a .dts
 * source (compiled with dtc). Every failure is a diagnostic (VCM0030-0033), never a throw.
 */
import { D } from "../diagnostics/catalogue.js";
import { readFileSync, statSync } from "node:fs";
import { diagnosticOf } from "../checks/registry.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { fileSpan, type Span } from "../diagnostics/span.js";
import { runDtc } from "./dtc.js";
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
  const fail = (check: string, message: string, span: Span = fileSpan(path)): DeviceTreeInput => ({
    diagnostics: [diagnosticOf(check, span, message)],
  });
  let bytes: Uint8Array;
  try {
    const st = statSync(path);
    if (!st.isFile()) return fail(D.dtUnreadable.name, `'${path}' is not a regular file`);
    if (st.size > FDT_LIMITS.maxBytes) {
      return fail(
        D.dtUnreadable.name,
        `'${path}' is ${st.size} bytes; a device tree may be at most 64 MiB`,
      );
    }
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(D.dtUnreadable.name, `cannot read '${path}'${code ? ` (${code})` : ""}`);
  }
  const isBlob = bytes.length >= 4 && readU32(bytes, 0) === FDT_MAGIC;
  if (isBlob) {
    const r = readFdt(bytes);
    if (!r.ok) {
      return fail(
        D.fdtMalformed.name,
        `${r.problem.message} (at byte 0x${r.problem.offset.toString(16)})`,
      );
    }
    return { tree: r.tree, diagnostics: [], kind: "dtb" };
  }
  if (path.endsWith(".dtb") || path.endsWith(".dtbo") || bytes.includes(0)) {
    return fail(
      D.fdtMalformed.name,
      `'${path}' is not a flattened device tree: it does not start with the magic 0xd00dfeed`,
    );
  }
  const compiled = runDtc(path);
  if (!compiled.ok) {
    if (compiled.missing) return fail(D.dtcMissing.name, compiled.message);
    const span =
      compiled.line !== undefined
        ? pointSpan(path, compiled.line, compiled.column ?? 1)
        : fileSpan(path);
    const d = diagnosticOf(D.dtcFailed.name, span, compiled.message);
    // dtc does not expand C macros: Linux sources need the preprocessor first.
    if (/^\s*#(include|define)\b/m.test(Buffer.from(bytes).toString("latin1"))) {
      d.hint =
        "the source uses the C preprocessor: run `cpp -nostdinc -undef -x assembler-with-cpp` on it first, as Linux's build does";
    }
    return { diagnostics: [d] };
  }
  const r = readFdt(compiled.blob);
  if (!r.ok) return fail(D.fdtMalformed.name, `dtc's output: ${r.problem.message}`);
  return { tree: r.tree, diagnostics: [], kind: "dts" };
}
