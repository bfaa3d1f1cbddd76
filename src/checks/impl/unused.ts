/** Declarations nothing refers to: consts, buffers, pools, domains and mappers. */
import type { Span } from "../../diagnostics/span.js";
import type { SourceFile, Statement } from "../../syntax/ast.js";
import type { CheckImplementation } from "../runner.js";

type Kind = "const" | "buffer" | "pool" | "domain" | "mapper";

/** `v.name` if `v` is an identifier. (Not a closure inside collectRefs: one per node visited.) */
function identName(v: unknown): string | undefined {
  return typeof v === "object" && v !== null && typeof (v as { name?: unknown }).name === "string"
    ? (v as { name: string }).name
    : undefined;
}

/** Every name an AST subtree refers to through expressions or memory references. */
function collectRefs(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) collectRefs(n, into);
    return;
  }
  if (typeof node !== "object" || node === null) return;
  const o = node as Record<string, unknown>;
  if (o["kind"] === "name" && typeof o["name"] === "string") into.add(o["name"]);
  if (o["kind"] === "buffer-ref") into.add(identName(o["name"]) ?? "");
  if (o["kind"] === "slice") into.add(identName(o["target"]) ?? "");
  if (o["kind"] === "word" && typeof o["word"] === "string") into.add(o["word"]);
  // for-in, not Object.entries: no per-node array allocation on 100k-statement inputs.
  for (const k in o) {
    if (k.endsWith("pan")) continue; // span, permsSpan, pathSpan: positions, never names
    const v = o[k];
    if (typeof v === "object" && v !== null) collectRefs(v, into);
  }
}

function statementRefs(s: Statement, into: Set<string>): void {
  switch (s.kind) {
    case "endpoint":
      if (s.mapper) into.add(s.mapper.name);
      break;
    case "domain":
    case "container":
      into.add(s.mapper.name);
      break;
    case "map":
      into.add(s.target.name.name);
      break;
    case "scenario":
      for (const step of s.steps) {
        if (step.kind === "map" || step.kind === "unmap") into.add(step.target.name.name);
        if (step.kind === "attach") into.add(step.domain.name);
      }
      break;
  }
  collectRefs(s, into);
}

export const unusedDeclaration: CheckImplementation = {
  check: "unused-declaration",
  run({ ir, files, report }) {
    const used = new Set<string>();
    for (const f of files as SourceFile[]) for (const s of f.statements) statementRefs(s, used);
    for (const m of ir.mappers) if (m.pool) used.add(m.pool);
    for (const d of ir.domains) if (d.attached.length > 0) used.add(d.name);
    const declared: { kind: Kind; name: string; span: Span }[] = [];
    for (const f of files)
      for (const s of f.statements) {
        if (
          s.kind === "const" ||
          s.kind === "buffer" ||
          s.kind === "pool" ||
          s.kind === "domain" ||
          s.kind === "mapper"
        )
          declared.push({ kind: s.kind, name: s.name.name, span: s.name.span });
      }
    for (const d of declared)
      if (!used.has(d.name)) report(d.span, `${d.kind} '${d.name}' is never used`);
  },
};
