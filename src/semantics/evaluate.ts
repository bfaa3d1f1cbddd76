/**
 * Constant folding in 64-bit unsigned arithmetic. Overflow, underflow and division by zero are
 * diagnostics, and the expression then has no value (`undefined`), so one mistake is reported
 * once. A value remembers whether it is a physical address (it came from a memory or buffer).
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { formatSize as sharedFormatSize, hex } from "../diagnostics/format.js";
import type { BinaryExpr, Expr, NameRef, RangeExpr, UnaryExpr } from "../syntax/ast.js";

export const U64_MAX = (1n << 64n) - 1n;

export interface Value {
  value: bigint;
  /** true when the value is (derived from) a physical address. */
  pa: boolean;
}

export interface RangeValue {
  base: bigint;
  size: bigint;
  pa: boolean;
}

export class Evaluator {
  constructor(
    private readonly report: (d: Diagnostic) => void,
    private readonly lookup: (ref: NameRef) => Value | undefined,
  ) {}

  eval(e: Expr): Value | undefined {
    switch (e.kind) {
      case "number":
        return { value: e.value, pa: false };
      case "name":
        return this.lookup(e);
      case "unary": {
        // `~~~~1` is a spine of unary operators as deep as the statement is long (the parser
        // builds it without recursing): walk it with a loop, innermost operator first.
        const spine: UnaryExpr[] = [];
        let operand: Expr = e;
        while (operand.kind === "unary") {
          spine.push(operand);
          operand = operand.operand;
        }
        let v = this.eval(operand);
        for (let i = spine.length - 1; i >= 0 && v; i--) v = this.unary(spine[i]!, v);
        return v;
      }
      case "binary": {
        // A long left-associative chain (`1 + 1 + ... + 1`) is a left spine as deep as the
        // statement is long: walk it with a loop, so recursion depth follows only precedence
        // levels and parentheses (bounded by VCM0004), never the input's length.
        const spine: BinaryExpr[] = [];
        let leftmost: Expr = e;
        while (leftmost.kind === "binary") {
          spine.push(leftmost);
          leftmost = leftmost.left;
        }
        let acc = this.eval(leftmost);
        for (let i = spine.length - 1; i >= 0; i--) {
          const node = spine[i]!;
          const r = this.eval(node.right);
          acc = acc && r ? this.binary(node, acc, r) : undefined;
        }
        return acc;
      }
    }
  }

  /** `~v` or `-v` (only `-0` is unsigned). */
  private unary(e: UnaryExpr, v: Value): Value | undefined {
    if (e.op === "~") return { value: U64_MAX ^ v.value, pa: v.pa };
    if (v.value === 0n) return v;
    return this.fail(
      diagnostic(D.arithmeticOverflow.messages.negation, e.span, { value: v.value }),
    );
  }

  /** One operator applied to its evaluated operands, with 64-bit overflow as a diagnostic. */
  private binary(e: BinaryExpr, l: Value, r: Value): Value | undefined {
    // pa - pa is a distance; any other mix with a pa stays a pa.
    const pa = e.op === "-" && l.pa && r.pa ? false : l.pa || r.pa;
    const a = l.value;
    const b = r.value;
    let v: bigint;
    switch (e.op) {
      case "+":
        v = a + b;
        break;
      case "-":
        v = a - b;
        if (v < 0n)
          return this.fail(
            diagnostic(D.arithmeticOverflow.messages.subtraction, e.span, { a: hex(a), b: hex(b) }),
          );
        break;
      case "*":
        v = a * b;
        break;
      case "/":
      case "%":
        if (b === 0n) return this.fail(diagnostic(D.divisionByZero, e.span));
        v = e.op === "/" ? a / b : a % b;
        break;
      case "<<":
        if (b >= 64n && a !== 0n)
          return this.fail(
            diagnostic(D.arithmeticOverflow.messages.shift, e.span, { a: hex(a), b }),
          );
        v = a << (b >= 64n ? 0n : b);
        break;
      case ">>":
        v = b >= 64n ? 0n : a >> b;
        break;
      case "&":
        v = a & b;
        break;
      case "|":
        v = a | b;
        break;
    }
    if (v > U64_MAX)
      return this.fail(
        diagnostic(D.arithmeticOverflow, e.span, { a: hex(a), op: e.op, b: hex(b) }),
      );
    return { value: v, pa };
  }

  /** `A .. B` or `A .. +S` as base and size; an empty or inverted range is a diagnostic. */
  range(r: RangeExpr): RangeValue | undefined {
    const start = this.eval(r.start);
    const end = this.eval(r.end);
    if (!start || !end) return undefined;
    if (r.endIsSize) {
      if (end.value === 0n)
        return this.fail(diagnostic(D.emptyRange, r.span, { start: hex(start.value) }));
      if (start.value + end.value - 1n > U64_MAX)
        return this.fail(diagnostic(D.arithmeticOverflow.messages.rangeEnd, r.span));
      return { base: start.value, size: end.value, pa: start.pa };
    }
    if (end.value <= start.value)
      return this.fail(
        diagnostic(D.emptyRange.messages.exclusive, r.span, {
          start: hex(start.value),
          end: hex(end.value),
        }),
      );
    return { base: start.value, size: end.value - start.value, pa: start.pa || end.pa };
  }

  private fail(d: Diagnostic): undefined {
    this.report(d);
    return undefined;
  }
}

/** Kept for the layers that still import them from here; the one implementation is format.ts. */
export { hex };

/** `4K`-style sizes (format.ts), with one argument, so `sizes.map(formatSize)` stays right. */
export function formatSize(v: bigint): string {
  return sharedFormatSize(v);
}

export function isPowerOfTwo(v: bigint): boolean {
  return v > 0n && (v & (v - 1n)) === 0n;
}

export function alignUp(v: bigint, align: bigint): bigint {
  if (align <= 1n) return v;
  const mask = align - 1n;
  // Alignments are powers of two where it is hot (placement): a mask, not a BigInt division.
  if ((align & mask) === 0n) return (v + mask) & ~mask;
  return ((v + mask) / align) * align;
}
