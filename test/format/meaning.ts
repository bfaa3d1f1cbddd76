/**
 * What "formatting never changes meaning" compares: the resolver's IR (and its diagnostic
 * codes) with every source span left out, since only positions may move.
 */
import { builtinRegistry } from "../../src/plugin-host/builtins.js";
import { resolve } from "../../src/semantics/resolve.js";
import { parseSource } from "../../src/syntax/parse.js";

function isSpan(v: object): boolean {
  const s = v as { offset?: unknown; endOffset?: unknown };
  return typeof s.offset === "number" && typeof s.endOffset === "number";
}

/** A JSON-ready copy without spans: bigints as hex, keys sorted. */
export function withoutSpans(value: unknown): unknown {
  if (typeof value === "bigint") return "0x" + value.toString(16);
  if (Array.isArray(value)) return value.map(withoutSpans);
  if (value instanceof Map) return [...value.entries()].map(withoutSpans);
  if (value instanceof Set) return [...value].map(withoutSpans);
  if (typeof value !== "object" || value === null) return value;
  if (isSpan(value)) return "<span>";
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = withoutSpans(v);
  }
  return out;
}

/**
 * The meaning of the files in `sources` (file name -> text), resolved together as a topology
 * and its imports: the IR and the diagnostic codes, spans left out.
 */
export function meaningOf(sources: Map<string, string>): string {
  const files = [...sources].map(([file, text]) => parseSource(text, file).ast);
  const r = resolve(files, builtinRegistry());
  return JSON.stringify(withoutSpans({ ir: r.ir, codes: r.diagnostics.map((d) => d.code) }));
}
