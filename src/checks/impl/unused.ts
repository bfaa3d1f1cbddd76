/** Declarations nothing refers to: consts, buffers, pools, domains and mappers. */
import type {
  ContainerItem,
  ExpectDecl,
  Expr,
  MapDecl,
  MemoryRef,
  ParamEntry,
  RangeExpr,
  ScenarioStep,
  SourceFile,
  Statement,
} from "../../syntax/ast.js";
import { D } from "../../diagnostics/catalogue.js";
import { defineCheck } from "../check.js";

/*
 * Names an AST subtree refers to through expressions or memory references, walked by node
 * type (a generic walk over every property of every node was this check's whole cost on big
 * inputs). Identifiers that only name a declaration, endpoint or region are not references.
 */

/** Names an expression uses; an explicit stack, as a `1 + 1 + ...` chain is as deep as long. */
function exprRefs(root: Expr, into: Set<string>): void {
  // Most expressions are a number or a plain name (`size 64K`): no stack for those.
  if (root.kind === "number") return;
  if (root.kind === "name" && !root.index) {
    into.add(root.name);
    return;
  }
  const stack: Expr[] = [root];
  for (let e = stack.pop(); e !== undefined; e = stack.pop()) {
    switch (e.kind) {
      case "number":
        break;
      case "name":
        into.add(e.name);
        if (e.index) stack.push(e.index);
        break;
      case "unary":
        stack.push(e.operand);
        break;
      case "binary":
        stack.push(e.right, e.left);
        break;
    }
  }
}

function rangeRefs(r: RangeExpr, into: Set<string>): void {
  exprRefs(r.start, into);
  exprRefs(r.end, into);
}

function memoryRefRefs(r: MemoryRef, into: Set<string>): void {
  if (r.kind === "slice") {
    into.add(r.target.name);
    rangeRefs(r.range, into);
  } else {
    into.add(r.name.name);
    if (r.index !== undefined && r.index !== "*") exprRefs(r.index, into);
  }
}

function optionalExprRefs(e: Expr | undefined, into: Set<string>): void {
  if (e) exprRefs(e, into);
}

function paramRefs(params: readonly ParamEntry[], into: Set<string>): void {
  for (const p of params)
    for (const v of p.values) {
      if (v.kind === "expr") exprRefs(v.expr, into);
      else if (v.kind === "word") into.add(v.word);
      else rangeRefs(v.range, into);
    }
}

function mapRefs(s: MapDecl, into: Set<string>): void {
  into.add(s.target.name.name);
  memoryRefRefs(s.source, into);
  if (s.at !== "auto") exprRefs(s.at, into);
  optionalExprRefs(s.pages, into);
}

function expectRefs(s: ExpectDecl, into: Set<string>): void {
  if (s.expectation === "faults") exprRefs(s.at, into);
  else {
    memoryRefRefs(s.object, into);
    if (s.expectation === "sees") exprRefs(s.at, into);
  }
}

function containerItemRefs(item: ContainerItem, into: Set<string>): void {
  switch (item.kind) {
    case "groups":
      for (const g of item.groups) exprRefs(g, into);
      return;
    case "locked-limit":
    case "host-page":
    case "backing-page":
      exprRefs(item.value, into);
      return;
    case "register":
      memoryRefRefs(item.source, into);
      return;
    case "window":
      optionalExprRefs(item.at, into);
      exprRefs(item.size, into);
      exprRefs(item.page, into);
      optionalExprRefs(item.levels, into);
      return;
  }
}

function stepRefs(step: ScenarioStep, into: Set<string>): void {
  switch (step.kind) {
    case "map":
      mapRefs(step, into);
      return;
    case "expect":
      expectRefs(step, into);
      return;
    case "unmap":
      into.add(step.target.name.name);
      memoryRefRefs(step.source, into);
      return;
    case "migrate":
      memoryRefRefs(step.buffer, into);
      return;
    case "revoke":
      if (step.dummy) memoryRefRefs(step.dummy, into);
      return;
    case "register":
    case "unregister":
      memoryRefRefs(step.source, into);
      return;
    case "attach":
      into.add(step.domain.name);
      return;
    case "detach":
    case "power-off":
    case "restore":
      return;
  }
}

/** Every name statement `s` refers to (exported for the test that checks it against a generic walk). */
export function statementRefs(s: Statement, into: Set<string>): void {
  switch (s.kind) {
    case "topology":
    case "import":
    case "use":
      return;
    case "const":
      exprRefs(s.value, into);
      return;
    case "memory":
      rangeRefs(s.range, into);
      if (s.guest) into.add(s.guest.name);
      if (s.backing) memoryRefRefs(s.backing, into);
      return;
    case "pool":
      memoryRefRefs(s.source, into);
      return;
    case "mapper":
      paramRefs(s.params, into);
      return;
    case "endpoint":
      if (s.mapper) into.add(s.mapper.name);
      optionalExprRefs(s.stream, into);
      optionalExprRefs(s.group, into);
      optionalExprRefs(s.dmaMask, into);
      optionalExprRefs(s.offset, into);
      return;
    case "domain":
      into.add(s.mapper.name);
      for (const item of s.items)
        if (item.kind === "aperture" || item.kind === "reserve") rangeRefs(item.range, into);
        else if (item.kind === "stage") exprRefs(item.stage, into);
        else if (item.kind === "nested") into.add(item.parent.name);
        else if (item.kind === "tables") into.add(item.pool.name);
      return;
    case "buffer":
      optionalExprRefs(s.count, into);
      optionalExprRefs(s.size, into);
      optionalExprRefs(s.align, into);
      optionalExprRefs(s.at, into);
      for (const c of s.chunks ?? []) memoryRefRefs(c, into);
      return;
    case "map":
      mapRefs(s, into);
      return;
    case "container":
      into.add(s.mapper.name);
      for (const item of s.items) containerItemRefs(item, into);
      return;
    case "reservation":
      into.add(s.target.name.name);
      optionalExprRefs(s.size, into);
      optionalExprRefs(s.align, into);
      optionalExprRefs(s.at, into);
      return;
    case "expect":
      expectRefs(s, into);
      return;
    case "scenario":
      for (const step of s.steps) stepRefs(step, into);
      return;
  }
}

export const unusedDeclaration = defineCheck(D.unusedDeclaration, {
  run({ ir, files, report }) {
    const used = new Set<string>();
    // Indexed loops: this runs once per check, mostly before it is optimised, where `for of`
    // makes an iterator result per statement.
    for (const f of files as SourceFile[])
      for (let i = 0; i < f.statements.length; i++) statementRefs(f.statements[i]!, used);
    for (const m of ir.mappers) if (m.pool) used.add(m.pool);
    for (const d of ir.domains) if (d.attached.length > 0) used.add(d.name);
    // A second pass over the statements rather than a list of every declaration (garbage).
    for (const f of files)
      for (let i = 0; i < f.statements.length; i++) {
        const s = f.statements[i]!;
        if (
          (s.kind === "const" ||
            s.kind === "buffer" ||
            s.kind === "pool" ||
            s.kind === "domain" ||
            s.kind === "mapper") &&
          !used.has(s.name.name)
        )
          report(D.unusedDeclaration, s.name.span, { kind: s.kind, name: s.name.name });
      }
  },
});
