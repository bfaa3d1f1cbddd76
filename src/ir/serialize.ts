/**
 * IR -> JSON (see docs/IR.md): BigInts become hex strings ("0x8000_0000" style without
 * separators: "0x80000000"), spans become "file:line:col", and object keys are sorted so the
 * output is byte-for-byte stable across runs and machines.
 */
import type { Span } from "../diagnostics/span.js";
import { hex } from "../diagnostics/format.js";
import type { IrTopology } from "./types.js";

export function spanToString(span: Span): string {
  return `${span.file}:${span.line}:${span.column}`;
}

function isSpan(v: unknown): v is Span {
  if (typeof v !== "object" || v === null) return false;
  const s = v as Partial<Span>;
  return typeof s.file === "string" && typeof s.offset === "number" && typeof s.line === "number";
}

/** A JSON-ready copy: bigints as hex, spans as strings, keys sorted. */
export function irToPlain(value: unknown): unknown {
  if (typeof value === "bigint") return hex(value);
  if (Array.isArray(value)) return value.map(irToPlain);
  if (typeof value !== "object" || value === null) return value;
  if (isSpan(value)) return spanToString(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = irToPlain(v);
  }
  return out;
}

export function irToJson(ir: IrTopology): string {
  return JSON.stringify(irToPlain(ir), null, 2) + "\n";
}
