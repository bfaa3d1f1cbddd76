/**
 * Validates a mapper's parameter block against its plugin's schema (types, allowed values,
 * bounds, required keys), fills in defaults, then asks the plugin's own `validate`. The key
 * `pool` belongs to the core and is returned separately.
 */
import { diagnosticOf } from "../checks/registry.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { IrParamValue } from "../ir/types.js";
import type { ParamSpec, VcmPlugin } from "../plugin-api/types.js";
import type { Identifier, MapperDecl, ParamEntry, ParamValue } from "../syntax/ast.js";
import { formatSize, hex, type Evaluator } from "./evaluate.js";
import { didYouMean } from "./suggest.js";

export interface ValidatedParams {
  params: Record<string, IrParamValue>;
  /** `pool NAME`, if written. */
  pool?: Identifier;
  /** false when a diagnostic was reported (the params are then partial). */
  ok: boolean;
}

/** Where one validation's diagnostics go; `ok` turns false with the first. */
class ParamProblems {
  ok = true;

  constructor(private readonly report: (d: Diagnostic) => void) {}

  bad(check: string, span: ParamEntry["span"], message: string, hint?: string): void {
    this.ok = false;
    this.report(diagnosticOf(check, span, message, hint ? { hint } : {}));
  }
}

type Bad = (span: ParamEntry["span"], message: string, check?: string) => void;

export function validateParams(
  decl: MapperDecl,
  plugin: VcmPlugin | undefined,
  evaluator: Evaluator,
  report: (d: Diagnostic) => void,
): ValidatedParams {
  const params: Record<string, IrParamValue> = {};
  const problems = new ParamProblems(report);
  let pool: Identifier | undefined;
  const seen = new Set<string>();
  for (const entry of decl.params) {
    const key = entry.key.name;
    if (seen.has(key)) {
      problems.bad("invalid-param", entry.key.span, `parameter '${key}' is given twice`);
      continue;
    }
    seen.add(key);
    if (key === "pool") {
      const v = entry.values[0];
      const word = v ? wordOf(v) : undefined;
      if (entry.values.length !== 1 || word === undefined || !v)
        problems.bad("invalid-param", entry.span, "`pool` takes one pool name");
      else pool = { name: word, span: v.span };
      continue;
    }
    if (!plugin) continue; // unknown format: reported once by the caller
    const spec = plugin.params[key];
    if (!spec) {
      const known = [...Object.keys(plugin.params), "pool"];
      problems.bad(
        "unknown-param",
        entry.key.span,
        `'${plugin.name}' has no parameter '${key}' (it has: ${known.sort().join(", ")})`,
        didYouMean(key, known),
      );
      continue;
    }
    const value = convert(key, spec, entry, evaluator, (span, message, check) =>
      problems.bad(check ?? "invalid-param", span, message),
    );
    if (value !== undefined) params[key] = value;
    else problems.ok = false;
  }
  if (plugin) {
    fillDefaults(decl, plugin, params, seen, problems);
    if (problems.ok && plugin.validate) pluginValidate(decl, plugin, params, problems);
  }
  return { params, ok: problems.ok, ...(pool ? { pool } : {}) };
}

/** Defaults for the keys not written; a required key with no default is reported. */
function fillDefaults(
  decl: MapperDecl,
  plugin: VcmPlugin,
  params: Record<string, IrParamValue>,
  seen: ReadonlySet<string>,
  problems: ParamProblems,
): void {
  for (const [key, spec] of Object.entries(plugin.params)) {
    if (key in params || seen.has(key)) continue;
    if (spec.default !== undefined) params[key] = spec.default;
    else if (spec.type === "flag") params[key] = false;
    else if (spec.required)
      problems.bad(
        "invalid-param",
        decl.name.span,
        `'${plugin.name}' needs parameter '${key}' (${spec.description})`,
      );
  }
}

/** The plugin's own `validate`, its problems placed at the entry they name. */
function pluginValidate(
  decl: MapperDecl,
  plugin: VcmPlugin,
  params: Record<string, IrParamValue>,
  problems: ParamProblems,
): void {
  let found: ReturnType<NonNullable<VcmPlugin["validate"]>> = [];
  try {
    found = plugin.validate!(params);
  } catch (error) {
    problems.bad(
      "plugin-failed",
      decl.format.span,
      `plugin '${plugin.name}' failed validating parameters: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  for (const p of found) {
    const at = p.key ? decl.params.find((e) => e.key.name === p.key)?.span : undefined;
    problems.bad("plugin-param-problem", at ?? decl.format.span, p.message);
  }
}

function wordOf(v: ParamValue): string | undefined {
  if (v.kind === "word") return v.word;
  if (v.kind === "expr" && v.expr.kind === "name" && !v.expr.index) return v.expr.name;
  return undefined;
}

function convert(
  key: string,
  spec: ParamSpec,
  entry: ParamEntry,
  evaluator: Evaluator,
  bad: Bad,
): IrParamValue | undefined {
  const vals = entry.values;
  switch (spec.type) {
    case "flag":
      if (vals.length !== 0) {
        bad(entry.span, `'${key}' is a flag and takes no value`);
        return undefined;
      }
      return true;
    case "int":
    case "size": {
      if (vals.length !== 1) {
        bad(entry.span, `'${key}' takes one ${spec.type === "int" ? "number" : "size"}`);
        return undefined;
      }
      return paramNumber(key, spec, vals[0]!, evaluator, bad);
    }
    case "size-list": {
      if (vals.length === 0) {
        bad(entry.span, `'${key}' takes one or more sizes`);
        return undefined;
      }
      const out: bigint[] = [];
      for (const v of vals) {
        const n = paramNumber(key, spec, v, evaluator, bad);
        if (n === undefined) return undefined;
        out.push(n);
      }
      return out;
    }
    case "word":
      return paramWord(key, spec, entry, bad);
    case "range":
      return paramRange(key, entry, evaluator, bad);
  }
}

function paramNumber(
  key: string,
  spec: ParamSpec,
  v: ParamValue,
  evaluator: Evaluator,
  bad: Bad,
): bigint | undefined {
  if (v.kind !== "expr") {
    bad(v.span, `'${key}' takes a number`);
    return undefined;
  }
  const r = evaluator.eval(v.expr);
  if (!r) return undefined;
  return inBounds(key, spec, r.value, v.span, bad) ? r.value : undefined;
}

function inBounds(
  key: string,
  spec: ParamSpec,
  n: bigint,
  span: ParamEntry["span"],
  bad: Bad,
): boolean {
  const show = spec.type === "int" ? (x: bigint) => x.toString() : formatSize;
  if (spec.values && !spec.values.includes(n)) {
    bad(
      span,
      `'${key}' cannot be ${show(n)} (allowed: ${spec.values.map((x) => (typeof x === "bigint" ? show(x) : x)).join(", ")})`,
    );
    return false;
  }
  if (spec.min !== undefined && n < spec.min) {
    bad(span, `'${key}' must be at least ${show(spec.min)}, not ${show(n)}`);
    return false;
  }
  if (spec.max !== undefined && n > spec.max) {
    bad(span, `'${key}' must be at most ${show(spec.max)}, not ${show(n)}`);
    return false;
  }
  return true;
}

function paramWord(key: string, spec: ParamSpec, entry: ParamEntry, bad: Bad): string | undefined {
  const vals = entry.values;
  const w = vals.length === 1 ? wordOf(vals[0]!) : undefined;
  if (w === undefined) {
    bad(entry.span, `'${key}' takes one word${spec.values ? ` (${spec.values.join(", ")})` : ""}`);
    return undefined;
  }
  if (spec.values && !spec.values.includes(w)) {
    bad(vals[0]!.span, `'${key}' cannot be '${w}' (allowed: ${spec.values.join(", ")})`);
    return undefined;
  }
  return w;
}

function paramRange(
  key: string,
  entry: ParamEntry,
  evaluator: Evaluator,
  bad: Bad,
): IrParamValue | undefined {
  const vals = entry.values;
  const v = vals[0];
  if (vals.length !== 1 || !v || v.kind !== "range") {
    bad(entry.span, `'${key}' takes one range (A .. B or A .. +SIZE)`);
    return undefined;
  }
  const r = evaluator.range(v.range);
  if (!r) return undefined;
  if (r.pa) {
    bad(
      v.span,
      `'${key}' is a device address range, but ${hex(r.base)} is a physical address here`,
      "address-space-mismatch",
    );
    return undefined;
  }
  return { base: r.base, size: r.size, space: "iova" };
}
