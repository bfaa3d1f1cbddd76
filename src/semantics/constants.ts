/**
 * Pass 2, evaluating constants, and the value a name has inside any expression: a const's value,
 * a memory region's or buffer's first physical address, a reservation's first device address.
 * Constants are folded on first use (a const may name one declared after it) and a const that
 * depends on itself is reported once.
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import { hex } from "../diagnostics/format.js";
import type { Expr, NameRef } from "../syntax/ast.js";
import type { ResolveContext } from "./context.js";
import type { Value } from "./evaluate.js";

export class ConstantTable {
  /** null: failed (reported), so it is not evaluated again. */
  private readonly values = new Map<string, Value | null>();
  private readonly inProgress = new Set<string>();
  private prefetching = false;

  constructor(private readonly ctx: ResolveContext) {}

  /** The value of const `name`, evaluated now if it was not yet. */
  value(name: string): Value | undefined {
    const known = this.values.get(name);
    if (known !== undefined) return known ?? undefined;
    const decl = this.ctx.names.get(name);
    if (!decl || decl.kind !== "const") return undefined;
    if (!this.prefetching) this.dependenciesFirst(name);
    if (this.inProgress.has(name)) {
      this.values.set(name, null);
      return this.ctx.report(
        diagnostic(D.invalidValue.messages.constCycle, decl.node.name.span, { name }),
      );
    }
    this.inProgress.add(name);
    const v = this.ctx.evaluator.eval(decl.node.value);
    this.inProgress.delete(name);
    if (this.values.get(name) === null) return undefined;
    this.values.set(name, v ?? null);
    if (v) this.ctx.ir.consts[name] = v.value;
    return v;
  }

  /**
   * Evaluate the consts `name` uses, deepest first, with an explicit stack: a chain
   * `const c0 = c1; const c1 = c2; ...` of 50,000 recursed until the stack overflowed (issue 17).
   * A const met again on the stack is a cycle, reported there as the recursive evaluation would;
   * afterwards evaluating `name` recurses one level only.
   */
  private dependenciesFirst(name: string): void {
    this.prefetching = true;
    try {
      const onStack = new Set<string>([name]);
      const stack = [{ name, deps: this.dependencies(name), next: 0 }];
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        const dep = top.deps[top.next++];
        if (dep === undefined) {
          stack.pop();
          onStack.delete(top.name);
          if (stack.length > 0) this.value(top.name);
          continue;
        }
        if (this.values.has(dep)) continue;
        if (onStack.has(dep)) {
          const decl = this.ctx.names.get(dep)!;
          this.values.set(dep, null);
          this.ctx.report(
            diagnostic(D.invalidValue.messages.constCycle, decl.node.name.span, { name: dep }),
          );
          continue;
        }
        onStack.add(dep);
        stack.push({ name: dep, deps: this.dependencies(dep), next: 0 });
      }
    } finally {
      this.prefetching = false;
    }
  }

  /** The consts named in const `name`'s expression (an explicit stack: chains are long). */
  private dependencies(name: string): string[] {
    const decl = this.ctx.names.get(name);
    if (!decl || decl.kind !== "const") return [];
    const out: string[] = [];
    const exprs: Expr[] = [decl.node.value];
    for (let e = exprs.pop(); e !== undefined; e = exprs.pop()) {
      if (e.kind === "name") {
        if (this.ctx.names.get(e.name)?.kind === "const") out.push(e.name);
        if (e.index) exprs.push(e.index);
      } else if (e.kind === "unary") exprs.push(e.operand);
      else if (e.kind === "binary") exprs.push(e.right, e.left);
    }
    return out;
  }

  /** What a name written in an expression stands for (the evaluator's lookup). */
  valueOf(ref: NameRef): Value | undefined {
    const { ctx } = this;
    const decl = ctx.names.bind({ name: ref.name, span: ref.span }, [
      "const",
      "memory",
      "buffer",
      "reservation",
    ]);
    if (!decl) return undefined;
    if (decl.kind === "reservation") {
      // A reservation's name is its first device address (an IOVA or VA, not a PA).
      const r = ctx.symbols.reservations.get(ref.name);
      if (r) return { value: r.range.base, pa: false };
      return ctx.report(
        diagnostic(D.invalidValue.messages.reservationAddress, ref.span, { name: ref.name }),
      );
    }
    if (decl.kind !== "buffer" && ref.index)
      return ctx.report(diagnostic(D.invalidIndex, ref.index.span, { name: ref.name }));
    if (decl.kind === "const") return this.value(ref.name);
    if (decl.kind === "memory") {
      const m = ctx.symbols.memories.get(ref.name);
      return m ? { value: m.range.base, pa: true } : undefined;
    }
    const elems = ctx.buffers.elements(decl, ref.span);
    if (!elems) return undefined;
    let index = 0;
    if (ref.index) {
      const i = arrayIndex(ctx, ref.index, elems.length, ref.name);
      if (i === undefined) return undefined;
      index = i;
    } else if (decl.node.count)
      return ctx.report(
        diagnostic(D.invalidIndex.messages.needsIndex, ref.span, { name: ref.name }),
      );
    const first = elems[index]!.chunks[0];
    return first ? { value: first.pa, pa: true } : undefined;
  }
}

/** The value of an optional expression, without its address space. */
export function num(ctx: ResolveContext, e: Expr | undefined): bigint | undefined {
  if (!e) return undefined;
  // A literal (most sizes and counts) needs no evaluation, nor a Value made for it.
  if (e.kind === "number") return e.value;
  return ctx.evaluator.eval(e)?.value;
}

/** An index into an array of `count` elements named `name`. */
export function arrayIndex(
  ctx: ResolveContext,
  e: Expr,
  count: number,
  name: string,
): number | undefined {
  const v = ctx.evaluator.eval(e);
  if (!v) return undefined;
  if (v.value >= BigInt(count))
    return ctx.report(
      diagnostic(D.invalidIndex.messages.outOfBounds, e.span, { index: v.value, name, count }),
    );
  return Number(v.value);
}

/** A value that must be a device-side address (IOVA, VA, bus), not a PA. */
export function deviceAddress(ctx: ResolveContext, e: Expr, what: string): bigint | undefined {
  const v = ctx.evaluator.eval(e);
  if (!v) return undefined;
  if (v.pa)
    return ctx.report(diagnostic(D.addressSpaceMismatch, e.span, { what, address: hex(v.value) }));
  return v.value;
}
