import { expect } from "vitest";
import type { Statement } from "../../src/syntax/ast.js";
import { parseSource } from "../../src/syntax/parse.js";

const SPAN_KEYS = new Set(["span", "pathSpan", "permsSpan", "specifierSpan"]);

/** A copy of an AST value without spans, for comparing shapes. */
export function strip<T>(value: T): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!SPAN_KEYS.has(k)) out[k] = strip(v);
    return out;
  }
  return value;
}

/** Parse text that must be valid; return its statements without spans. */
export function parseOk(text: string): unknown[] {
  const r = parseSource(text, "t.vcm");
  expect(r.diagnostics).toEqual([]);
  return r.ast.statements.map(strip) as unknown[];
}

/** Parse one valid statement; return it with spans. */
export function one(text: string): Statement {
  const r = parseSource(text, "t.vcm");
  expect(r.diagnostics).toEqual([]);
  expect(r.ast.statements).toHaveLength(1);
  return r.ast.statements[0]!;
}

export const num = (value: bigint, text: string) => ({ kind: "number", value, text });
export const id = (name: string) => ({ name });
