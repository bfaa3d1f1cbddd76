/**
 * The check engine, in the style of dtc's checks.c. Checks run in dependency order (each
 * check's prerequisites first, otherwise by code). Each gets a status, passed / failed /
 * skipped, from what it found BEFORE severity overrides: how loudly a finding is reported
 * never changes which checks run (`-W no-invalid-param` does not let the checks that need good
 * parameters run on bad ones). A check whose prerequisite failed, was skipped or is disabled
 * is skipped, and a note says so; a check that throws becomes `internal-error`, never a crash.
 */
import { D, TEXT, formatMessage, makeDiagnostic, text } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { fileSpan, type Span } from "../diagnostics/span.js";
import type { IrTopology } from "../ir/types.js";
import type { Capabilities, ParamSchema } from "../plugin-api/types.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import type { SourceFile } from "../syntax/ast.js";
import {
  CHECK_COSTS,
  isCheck,
  prerequisiteName,
  type Check,
  type CheckContext,
  type CheckCost,
} from "./check.js";
import { forgetIndex } from "./impl/ir-index.js";
import { SeverityPolicy, emptySeverityOptions, type SeverityOptions } from "./severity.js";

export type CheckStatus = "passed" | "failed" | "skipped";

/** Why a check was skipped. */
export type SkipReason = "prerequisite-failed" | "prerequisite-skipped" | "disabled" | "cost";

export interface CheckOutcome {
  check: string;
  code: string;
  cost: CheckCost;
  status: CheckStatus;
  /** For a skipped check: why, and the prerequisite that caused it (if one did). */
  reason?: SkipReason;
  prerequisite?: string;
}

export interface RunChecksInput {
  ir: IrTopology;
  files: SourceFile[];
  plugins: PluginRegistry;
  checks: readonly Check[];
  /** Diagnostics of earlier phases as found (before severity overrides), for prerequisites. */
  prior?: readonly Diagnostic[];
  options?: SeverityOptions;
  /** The most expensive cost category to run (default: every check). */
  cost?: CheckCost;
  /** The overrides to apply (default: from `files` and `options`); shared to see which are used. */
  policy?: SeverityPolicy;
}

export interface RunChecksResult {
  /** What the checks reported, overrides applied, skip notes included. */
  diagnostics: Diagnostic[];
  /** One outcome per check, in the order they ran. */
  outcomes: CheckOutcome[];
}

/** The checks in dependency order: each after its prerequisites, otherwise by code. */
export function dependencyOrder(checks: readonly Check[]): Check[] {
  const byCode = [...checks].sort((a, b) => (a.entry.code < b.entry.code ? -1 : 1));
  const out: Check[] = [];
  const state = new Map<Check, "visiting" | "done">();
  const visit = (c: Check, path: readonly string[]) => {
    if (state.get(c) === "done") return;
    if (state.get(c) === "visiting")
      throw new Error(`checks need each other in a cycle: ${[...path, c.entry.name].join(" -> ")}`);
    state.set(c, "visiting");
    for (const p of c.needs) if (isCheck(p)) visit(p, [...path, c.entry.name]);
    state.set(c, "done");
    out.push(c);
  };
  for (const c of byCode) visit(c, []);
  return out;
}

/** A finding is anything but a note: a note informs, it does not fail a check. */
const isFinding = (d: Diagnostic) => d.severity !== "note";

export function runChecks(input: RunChecksInput): RunChecksResult {
  try {
    return runInOrder(input);
  } finally {
    // The checks' shared index is theirs: later phases (lowering) need not carry it.
    forgetIndex(input.ir);
  }
}

function runInOrder(input: RunChecksInput): RunChecksResult {
  const { ir, files, plugins } = input;
  const policy = input.policy ?? new SeverityPolicy(files, input.options ?? emptySeverityOptions());
  const maxCost = CHECK_COSTS.indexOf(input.cost ?? "needs-lowering");
  // The first finding of each earlier-phase diagnostic, as found.
  const priorFinding = new Map<string, Diagnostic>();
  for (const d of input.prior ?? [])
    if (isFinding(d) && !priorFinding.has(d.check)) priorFinding.set(d.check, d);

  const capabilities = capabilityCache(ir, plugins);
  const rootSpan = fileSpan(files[0]?.file ?? "<input>");
  const outcomes = new Map<Check, CheckOutcome>();
  const firstFinding = new Map<Check, Diagnostic>();
  const out: Diagnostic[] = [];

  for (const check of dependencyOrder(input.checks)) {
    const outcome: CheckOutcome = {
      check: check.entry.name,
      code: check.entry.code,
      cost: check.cost,
      status: "skipped",
    };
    outcomes.set(check, outcome);
    const blocked = blockingPrerequisite(check, outcomes, priorFinding);
    if (CHECK_COSTS.indexOf(check.cost) > maxCost || blocked?.reason === "cost") {
      outcome.reason = "cost";
      continue;
    }
    if (policy.isDisabled(check.entry.name)) {
      outcome.reason = "disabled";
      continue;
    }
    if (blocked) {
      outcome.reason = blocked.reason;
      outcome.prerequisite = blocked.name;
      out.push(...policy.apply([skipNote(check, blocked, rootSpan)]));
      continue;
    }
    const mine = runOne(check, { ir, files, plugins, capabilities }, rootSpan);
    const finding = mine.find(isFinding);
    if (finding) firstFinding.set(check, finding);
    outcome.status = finding ? "failed" : "passed";
    // One check may find a diagnostic per statement: no argument spread (the stack is finite).
    for (const d of policy.apply(mine)) out.push(d);
  }
  return { diagnostics: out, outcomes: [...outcomes.values()] };

  function blockingPrerequisite(
    check: Check,
    done: Map<Check, CheckOutcome>,
    prior: Map<string, Diagnostic>,
  ): { name: string; reason: SkipReason; finding?: Span } | undefined {
    for (const p of check.needs) {
      const name = prerequisiteName(p);
      if (!isCheck(p)) {
        const d = prior.get(name);
        if (d) return { name, reason: "prerequisite-failed", finding: d.span ?? rootSpan };
        continue;
      }
      const o = done.get(p);
      if (!o || o.status === "passed") continue;
      if (o.status === "failed")
        return {
          name,
          reason: "prerequisite-failed",
          finding: firstFinding.get(p)?.span ?? rootSpan,
        };
      if (o.reason === "cost") return { name, reason: "cost" };
      return { name, reason: o.reason === "disabled" ? "disabled" : "prerequisite-skipped" };
    }
    return undefined;
  }
}

/** The note saying why `check` is skipped, at the prerequisite's finding (or the file). */
function skipNote(
  check: Check,
  blocked: { name: string; reason: SkipReason; finding?: Span },
  rootSpan: Span,
): Diagnostic {
  const why =
    blocked.reason === "prerequisite-failed"
      ? TEXT.prerequisiteFailed
      : blocked.reason === "disabled"
        ? TEXT.prerequisiteDisabled
        : TEXT.prerequisiteSkipped;
  const args = { check: check.entry.name, prerequisite: blocked.name };
  const note = makeDiagnostic(check.entry, blocked.finding ?? rootSpan, text(why, args));
  return { ...note, severity: "note" };
}

/** Runs one check; what it reports, at default severities, or one internal error. */
function runOne(check: Check, base: Omit<CheckContext, "report">, rootSpan: Span): Diagnostic[] {
  const mine: Diagnostic[] = [];
  const name = check.entry.name;
  const context: CheckContext = {
    ...base,
    capabilities:
      check.cost === "cheap"
        ? () => {
            throw new Error(`check '${name}' is declared cheap but asks a plugin for capabilities`);
          }
        : base.capabilities,
    report(message, span, ...rest) {
      if (message.entry !== check.entry)
        throw new Error(`check '${name}' reported a message of '${message.entry.name}'`);
      const [args, details] = rest;
      mine.push(
        makeDiagnostic(check.entry, span, formatMessage(message.template, args ?? {}), details),
      );
    },
  };
  try {
    check.run(context);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    mine.push(
      makeDiagnostic(D.internalError, rootSpan, text(D.internalError, { check: name, message })),
    );
  }
  return mine;
}

/** Plugin capabilities per mapper, asked once; only for parameters resolution completed. */
function capabilityCache(
  ir: IrTopology,
  plugins: PluginRegistry,
): (mapper: string) => Capabilities | undefined {
  // null: asked, none. Checks ask once per mapping, mostly for the mapper they asked last.
  const cache = new Map<string, Capabilities | null>();
  let lastName: string | undefined;
  let last: Capabilities | undefined;
  return (mapperName) => {
    if (mapperName === lastName) return last;
    const hit = cache.get(mapperName);
    if (hit !== undefined) {
      lastName = mapperName;
      return (last = hit ?? undefined);
    }
    let caps: Capabilities | undefined;
    const mapper = ir.mappers.find((m) => m.name === mapperName);
    const plugin = mapper ? plugins.get(mapper.format) : undefined;
    if (mapper && plugin && paramsComplete(plugin.params, mapper.params)) {
      try {
        caps = plugin.capabilities(mapper.params);
        if (!Array.isArray(caps?.pageSizes)) caps = undefined;
      } catch {
        caps = undefined;
      }
    }
    cache.set(mapperName, caps ?? null);
    lastName = mapperName;
    return (last = caps);
  };
}

/**
 * Whether resolution filled every parameter that has a default (a key written with a bad value
 * is left out): plugins are only asked for capabilities on complete parameters.
 */
function paramsComplete(schema: ParamSchema, params: Readonly<Record<string, unknown>>): boolean {
  for (const [key, spec] of Object.entries(schema))
    if ((spec.default !== undefined || spec.required || spec.type === "flag") && !(key in params))
      return false;
  return true;
}
