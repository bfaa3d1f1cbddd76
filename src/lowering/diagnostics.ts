/** Turning plugin failures into lowering diagnostics, so a bad table never crashes the compiler. */
import { D, diagnostic, makeDiagnostic } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { hex } from "../diagnostics/format.js";
import type { Span } from "../diagnostics/span.js";
import { isPoolExhaustedError } from "../plugin-api/pool-allocator.js";
import { isMappingError } from "../plugin-api/types.js";
import { loweringCheck } from "./checks.js";
import { PluginContractError, PluginThrewError } from "./plugin-guard.js";

/**
 * A lowering diagnostic with a message written elsewhere (the compile worker's watchdog in
 * src/cli/); the lowering's own call sites use `diagnostic(D.x, ...)`.
 */
export function loweringDiagnostic(check: string, message: string, span?: Span): Diagnostic {
  return makeDiagnostic(loweringCheck(check), span, message);
}

/** A diagnostic for an exception thrown by a plugin while doing `what` (e.g. "the mapping of frame[0] into disp_dom"). */
export function pluginFailure(error: unknown, what: string, span?: Span): Diagnostic {
  if (isPoolExhaustedError(error)) {
    const pages = Math.ceil(error.requestedBytes / 4096);
    return diagnostic(D.poolExhausted, span, {
      pool: error.pool,
      what,
      pages,
      free: error.freeBytes,
    });
  }
  if (isMappingError(error))
    return diagnostic(D.mappingRefused, span, { what, reason: error.code, detail: error.message });
  if (error instanceof PluginContractError)
    return diagnostic(D.pluginReturnedInvalid, span, { problem: error.message, what });
  if (error instanceof PluginThrewError)
    return diagnostic(D.pluginInternalError, span, { problem: error.message, what });
  const problem = error instanceof Error ? error.message : String(error);
  return diagnostic(D.pluginInternalError.messages.unexpected, span, { what, problem });
}

/** `0x1000..0x3000`: [base, base + size). */
export function rangeText(base: bigint, size: bigint): string {
  return `${hex(base)}..${hex(base + size)}`;
}
