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

export function validateParams(
  decl: MapperDecl,
  plugin: VcmPlugin | undefined,
  evaluator: Evaluator,
  report: (d: Diagnostic) => void,
): ValidatedParams {
  const params: Record<string, IrParamValue> = {};
  let ok = true;
  let pool: Identifier | undefined;
  const bad = (check: string, span: ParamEntry["span"], message: string, hint?: string) => {
    ok = false;
    report(diagnosticOf(check, span, message, hint ? { hint } : {}));
  };
  const seen = new Set<string>();
  for (const entry of decl.params) {
    const key = entry.key.name;
    if (seen.has(key)) {
      bad("invalid-param", entry.key.span, `parameter '${key}' is given twice`);
      continue;
    }
    seen.add(key);
    if (key === "pool") {
      const v = entry.values[0];
      const word = v ? wordOf(v) : undefined;
      if (entry.values.length !== 1 || word === undefined || !v)
        bad("invalid-param", entry.span, "`pool` takes one pool name");
      else pool = { name: word, span: v.span };
      continue;
    }
    if (!plugin) continue; // unknown format: reported once by the caller
    const spec = plugin.params[key];
    if (!spec) {
      const known = [...Object.keys(plugin.params), "pool"];
      bad(
        "unknown-param",
        entry.key.span,
        `'${plugin.name}' has no parameter '${key}' (it has: ${known.sort().join(", ")})`,
        didYouMean(key, known),
      );
      continue;
    }
    const value = convert(key, spec, entry, evaluator, (span, message, check) =>
      bad(check ?? "invalid-param", span, message),
    );
    if (value !== undefined) params[key] = value;
    else ok = false;
  }
  if (plugin) {
    for (const [key, spec] of Object.entries(plugin.params)) {
      if (key in params || seen.has(key)) continue;
      if (spec.default !== undefined) params[key] = spec.default;
      else if (spec.type === "flag") params[key] = false;
      else if (spec.required)
        bad(
          "invalid-param",
          decl.name.span,
          `'${plugin.name}' needs parameter '${key}' (${spec.description})`,
        );
    }
    if (ok && plugin.validate) {
      let problems: ReturnType<NonNullable<VcmPlugin["validate"]>> = [];
      try {
        problems = plugin.validate(params);
      } catch (error) {
        ok = false;
        report(
          diagnosticOf(
            "plugin-failed",
            decl.format.span,
            `plugin '${plugin.name}' failed validating parameters: ${error instanceof Error ? error.message : String(error)}`,
          ),
        );
      }
      for (const p of problems) {
        const at = p.key ? decl.params.find((e) => e.key.name === p.key)?.span : undefined;
        ok = false;
        report(diagnosticOf("plugin-param-problem", at ?? decl.format.span, p.message));
      }
    }
  }
  return { params, ok, ...(pool ? { pool } : {}) };
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
  bad: (span: ParamEntry["span"], message: string, check?: string) => void,
): IrParamValue | undefined {
  const vals = entry.values;
  const number = (v: ParamValue): bigint | undefined => {
    if (v.kind !== "expr") {
      bad(v.span, `'${key}' takes a number`);
      return undefined;
    }
    const r = evaluator.eval(v.expr);
    if (!r) return undefined;
    return inBounds(r.value, v.span) ? r.value : undefined;
  };
  const inBounds = (n: bigint, span: ParamEntry["span"]): boolean => {
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
  };
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
      return number(vals[0]!);
    }
    case "size-list": {
      if (vals.length === 0) {
        bad(entry.span, `'${key}' takes one or more sizes`);
        return undefined;
      }
      const out: bigint[] = [];
      for (const v of vals) {
        const n = number(v);
        if (n === undefined) return undefined;
        out.push(n);
      }
      return out;
    }
    case "word": {
      const w = vals.length === 1 ? wordOf(vals[0]!) : undefined;
      if (w === undefined) {
        bad(
          entry.span,
          `'${key}' takes one word${spec.values ? ` (${spec.values.join(", ")})` : ""}`,
        );
        return undefined;
      }
      if (spec.values && !spec.values.includes(w)) {
        bad(vals[0]!.span, `'${key}' cannot be '${w}' (allowed: ${spec.values.join(", ")})`);
        return undefined;
      }
      return w;
    }
    case "range": {
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
  }
}
