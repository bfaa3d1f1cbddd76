/**
 * Every CheckDefinition VCM knows, from every layer, in one place: `vcm check --list-checks`,
 * severity overrides and the diagnostic helpers all look names and codes up here.
 */
import type { Diagnostic, RelatedInformation } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import { syntaxChecks } from "../syntax/checks.js";
import { loweringChecks } from "../lowering/checks.js";
import { runChecks as runtimeChecks } from "../runtime/checks.js";
import { tablesLoadChecks } from "../compile/tables-checks.js";
import { loaderChecks, pluginLoadChecks } from "../workspace/checks.js";
import { namedChecks } from "./check-definitions.js";
import type { CheckDefinition } from "./definition.js";
import { resolveChecks } from "./resolve-checks.js";

const ALL: CheckDefinition[] = [
  ...syntaxChecks,
  ...loaderChecks,
  ...pluginLoadChecks,
  ...resolveChecks,
  ...namedChecks,
  ...loweringChecks,
  ...runtimeChecks,
  ...tablesLoadChecks,
];

const byName = new Map<string, CheckDefinition>();
const byCode = new Map<string, CheckDefinition>();
for (const def of ALL) {
  if (byName.has(def.name)) throw new Error(`two checks are named '${def.name}'`);
  if (byCode.has(def.code)) throw new Error(`two checks have code ${def.code}`);
  byName.set(def.name, def);
  byCode.set(def.code, def);
}

/** Every check, sorted by code. */
export function listChecks(): CheckDefinition[] {
  return [...ALL].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

/** A check by kebab name or by code (`VCM0204`). */
export function findCheck(nameOrCode: string): CheckDefinition | undefined {
  return byName.get(nameOrCode) ?? byCode.get(nameOrCode.toUpperCase());
}

/** A check that must exist: a typo in a check name is a bug in VCM itself. */
export function getCheck(name: string): CheckDefinition {
  const def = byName.get(name);
  if (!def) throw new Error(`no check is named '${name}'`);
  return def;
}

export interface DiagnosticDetails {
  hint?: string;
  related?: RelatedInformation[];
}

/** A diagnostic of the named check, at its default severity. */
export function diagnosticOf(
  name: string,
  span: Span | undefined,
  message: string,
  details: DiagnosticDetails = {},
): Diagnostic {
  const def = getCheck(name);
  const d: Diagnostic = { code: def.code, check: def.name, severity: def.severity, message };
  if (span) d.span = span;
  if (details.hint) d.hint = details.hint;
  if (details.related && details.related.length > 0) d.related = details.related;
  return d;
}
