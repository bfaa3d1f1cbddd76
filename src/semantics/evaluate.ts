/**
 * Constant folding in 64-bit unsigned arithmetic. Overflow, underflow and division by zero are
 * diagnostics, and the expression then has no value (`undefined`), so one mistake is reported
 * once. A value remembers whether it is a physical address (it came from a memory or buffer).
 */
import { diagnosticOf } from "../checks/registry.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { BinaryExpr, Expr, NameRef, RangeExpr } from "../syntax/ast.js";

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
        const v = this.eval(e.operand);
        if (!v) return undefined;
        if (e.op === "~") return { value: U64_MAX ^ v.value, pa: v.pa };
        if (v.value === 0n) return v;
        return this.fail("arithmetic-overflow", e, `-${v.value} underflows: values are unsigned`);
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
          return this.fail("arithmetic-overflow", e, `${hex(a)} - ${hex(b)} underflows below 0`);
        break;
      case "*":
        v = a * b;
        break;
      case "/":
      case "%":
        if (b === 0n) return this.fail("division-by-zero", e, `division by zero`);
        v = e.op === "/" ? a / b : a % b;
        break;
      case "<<":
        if (b >= 64n && a !== 0n)
          return this.fail("arithmetic-overflow", e, `${hex(a)} << ${b} overflows 64 bits`);
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
      return this.fail("arithmetic-overflow", e, `${hex(a)} ${e.op} ${hex(b)} overflows 64 bits`);
    return { value: v, pa };
  }

  /** `A .. B` or `A .. +S` as base and size; an empty or inverted range is a diagnostic. */
  range(r: RangeExpr): RangeValue | undefined {
    const start = this.eval(r.start);
    const end = this.eval(r.end);
    if (!start || !end) return undefined;
    if (r.endIsSize) {
      if (end.value === 0n)
        return this.fail("empty-range", r, `the range ${hex(start.value)} .. +0 is empty`);
      if (start.value + end.value - 1n > U64_MAX)
        return this.fail("arithmetic-overflow", r, `the range ends past 2^64`);
      return { base: start.value, size: end.value, pa: start.pa };
    }
    if (end.value <= start.value)
      return this.fail(
        "empty-range",
        r,
        `the range ${hex(start.value)} .. ${hex(end.value)} is empty (the end is exclusive)`,
      );
    return { base: start.value, size: end.value - start.value, pa: start.pa || end.pa };
  }

  private fail(check: string, node: { span: Expr["span"] }, message: string): undefined {
    this.report(diagnosticOf(check, node.span, message));
    return undefined;
  }
}

export function hex(v: bigint): string {
  return "0x" + v.toString(16);
}

/** `4K`-style sizes for messages. */
export function formatSize(v: bigint): string {
  const units: [bigint, string][] = [
    [1n << 40n, "T"],
    [1n << 30n, "G"],
    [1n << 20n, "M"],
    [1n << 10n, "K"],
  ];
  for (const [u, s] of units) if (v >= u && v % u === 0n) return `${v / u}${s}`;
  return v.toString();
}

export function isPowerOfTwo(v: bigint): boolean {
  return v > 0n && (v & (v - 1n)) === 0n;
}

export function alignUp(v: bigint, align: bigint): bigint {
  if (align <= 1n) return v;
  return ((v + align - 1n) / align) * align;
}
