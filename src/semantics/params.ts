/**
 * Validates a mapper's parameter block against its plugin's schema (types, allowed values,
 * bounds, required keys), fills in defaults, then asks the plugin's own `validate`. The key
 * `pool` belongs to the core and is returned separately.
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { formatSize, hex } from "../diagnostics/format.js";
import type { IrParamValue } from "../ir/types.js";
import type { ParamSpec, VcmPlugin } from "../plugin-api/types.js";
import type { Identifier, MapperDecl, ParamEntry, ParamValue } from "../syntax/ast.js";
import type { Evaluator } from "./evaluate.js";
import { didYouMean } from "../diagnostics/suggest.js";

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

  readonly add = (d: Diagnostic): void => {
    this.ok = false;
    this.report(d);
  };
}

type Bad = (d: Diagnostic) => void;

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
      problems.add(diagnostic(D.invalidParam.messages.givenTwice, entry.key.span, { key }));
      continue;
    }
    seen.add(key);
    if (key === "pool") {
      const v = entry.values[0];
      const word = v ? wordOf(v) : undefined;
      if (entry.values.length !== 1 || word === undefined || !v)
        problems.add(diagnostic(D.invalidParam.messages.pool, entry.span));
      else pool = { name: word, span: v.span };
      continue;
    }
    if (!plugin) continue; // unknown format: reported once by the caller
    const spec = plugin.params[key];
    if (!spec) {
      const known = [...Object.keys(plugin.params), "pool"];
      const hint = didYouMean(key, known);
      problems.add(
        diagnostic(
          D.unknownParam,
          entry.key.span,
          { plugin: plugin.name, key, known: known.sort().join(", ") },
          hint ? { hint } : {},
        ),
      );
      continue;
    }
    const value = convert(key, spec, entry, evaluator, problems.add);
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
      problems.add(
        diagnostic(D.invalidParam.messages.required, decl.name.span, {
          plugin: plugin.name,
          key,
          description: spec.description,
        }),
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
    problems.add(
      diagnostic(D.pluginFailed, decl.format.span, {
        plugin: plugin.name,
        error: error instanceof Error ? error.message : String(error),
      }),
    );
  }
  for (const p of found) {
    const at = p.key ? decl.params.find((e) => e.key.name === p.key)?.span : undefined;
    problems.add(
      diagnostic(D.pluginParamProblem, at ?? decl.format.span, {
        format: plugin.name,
        problem: p.message,
      }),
    );
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
        bad(diagnostic(D.invalidParam.messages.flag, entry.span, { key }));
        return undefined;
      }
      return true;
    case "int":
    case "size": {
      if (vals.length !== 1) {
        bad(
          diagnostic(D.invalidParam.messages.one, entry.span, {
            key,
            what: spec.type === "int" ? "number" : "size",
          }),
        );
        return undefined;
      }
      return paramNumber(key, spec, vals[0]!, evaluator, bad);
    }
    case "size-list": {
      if (vals.length === 0) {
        bad(diagnostic(D.invalidParam.messages.sizes, entry.span, { key }));
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
    bad(diagnostic(D.invalidParam.messages.number, v.span, { key }));
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
      diagnostic(D.invalidParam, span, {
        key,
        value: show(n),
        allowed: spec.values.map((x) => (typeof x === "bigint" ? show(x) : x)).join(", "),
      }),
    );
    return false;
  }
  if (spec.min !== undefined && n < spec.min) {
    bad(
      diagnostic(D.invalidParam.messages.atLeast, span, {
        key,
        min: show(spec.min),
        value: show(n),
      }),
    );
    return false;
  }
  if (spec.max !== undefined && n > spec.max) {
    bad(
      diagnostic(D.invalidParam.messages.atMost, span, {
        key,
        max: show(spec.max),
        value: show(n),
      }),
    );
    return false;
  }
  return true;
}

function paramWord(key: string, spec: ParamSpec, entry: ParamEntry, bad: Bad): string | undefined {
  const vals = entry.values;
  const w = vals.length === 1 ? wordOf(vals[0]!) : undefined;
  if (w === undefined) {
    bad(
      spec.values
        ? diagnostic(D.invalidParam.messages.wordOf, entry.span, {
            key,
            allowed: spec.values.join(", "),
          })
        : diagnostic(D.invalidParam.messages.word, entry.span, { key }),
    );
    return undefined;
  }
  if (spec.values && !spec.values.includes(w)) {
    bad(
      diagnostic(D.invalidParam.messages.wordNotAllowed, vals[0]!.span, {
        key,
        value: w,
        allowed: spec.values.join(", "),
      }),
    );
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
    bad(diagnostic(D.invalidParam.messages.range, entry.span, { key }));
    return undefined;
  }
  const r = evaluator.range(v.range);
  if (!r) return undefined;
  if (r.pa) {
    bad(
      diagnostic(D.addressSpaceMismatch.messages.paramRange, v.span, {
        key,
        address: hex(r.base),
      }),
    );
    return undefined;
  }
  return { base: r.base, size: r.size, space: "iova" };
}
