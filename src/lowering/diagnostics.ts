/** Turning plugin failures into lowering diagnostics, so a bad table never crashes the compiler. */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import { PoolExhaustedError } from "../plugin-api/pool-allocator.js";
import { MappingError } from "../plugin-api/types.js";
import { loweringCheck } from "./checks.js";
import { PluginContractError, PluginThrewError } from "./plugin-guard.js";

export function loweringDiagnostic(check: string, message: string, span?: Span): Diagnostic {
  const def = loweringCheck(check);
  const d: Diagnostic = { code: def.code, check: def.name, severity: def.severity, message };
  if (span) d.span = span;
  return d;
}

/** A diagnostic for an exception thrown by a plugin while doing `what` (e.g. "the mapping of frame[0] into disp_dom"). */
export function pluginFailure(error: unknown, what: string, span?: Span): Diagnostic {
  if (error instanceof PoolExhaustedError) {
    const pages = Math.ceil(error.requestedBytes / 4096);
    return loweringDiagnostic(
      "pool-exhausted",
      `pool '${error.pool}' is exhausted while ${what}: at least ${pages} more 4K page(s) ` +
        `are needed (${error.freeBytes} bytes were free)`,
      span,
    );
  }
  if (error instanceof MappingError) {
    return loweringDiagnostic(
      "mapping-refused",
      `the format refuses ${what} (${error.code}): ${error.message}`,
      span,
    );
  }
  if (error instanceof PluginContractError) {
    return loweringDiagnostic("plugin-returned-invalid", `${error.message} (while ${what})`, span);
  }
  if (error instanceof PluginThrewError) {
    return loweringDiagnostic("plugin-internal-error", `${error.message} (while ${what})`, span);
  }
  const message = error instanceof Error ? error.message : String(error);
  return loweringDiagnostic(
    "plugin-internal-error",
    `a plugin failed unexpectedly while ${what}: ${message}`,
    span,
  );
}

export function hex(value: bigint | number): string {
  return "0x" + value.toString(16);
}

/** `0x1000..0x3000`: [base, base + size). */
export function rangeText(base: bigint, size: bigint): string {
  return `${hex(base)}..${hex(base + size)}`;
}
