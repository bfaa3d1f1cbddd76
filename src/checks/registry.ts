/**
 * The old lookups over the catalogue (src/diagnostics/catalogue.ts), kept while call sites move
 * to `diagnostic(D.x, span, args)`: `vcm check --list-checks`, severity overrides and the
 * older diagnostic helpers look names and codes up here.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import {
  catalogueEntries,
  entryNamed,
  findEntry,
  makeDiagnostic,
  type DiagnosticDetails,
} from "../diagnostics/catalogue.js";
import type { CheckDefinition } from "./definition.js";

export type { DiagnosticDetails } from "../diagnostics/catalogue.js";

/** Every check, sorted by code. */
export function listChecks(): CheckDefinition[] {
  return [...catalogueEntries()];
}

/** A check by kebab name or by code (`VCM0204`). */
export function findCheck(nameOrCode: string): CheckDefinition | undefined {
  return findEntry(nameOrCode);
}

/** A check that must exist: a typo in a check name is a bug in VCM. */
export function getCheck(name: string): CheckDefinition {
  return entryNamed(name);
}

/** A diagnostic of the named check, at its default severity (old style: a written message). */
export function diagnosticOf(
  name: string,
  span: Span | undefined,
  message: string,
  details: DiagnosticDetails = {},
): Diagnostic {
  return makeDiagnostic(entryNamed(name), span, message, details);
}
