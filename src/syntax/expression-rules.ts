/**
 * Rules for what statements are made of: names, memory references (`buf`, `frame[3]`,
 * `ddr[A .. +S]`), targets (`dom`, `c0.ddw`), ranges and expressions. Expressions are flat
 * loops folded by precedence, never recursion per operator, so long input cannot exhaust the
 * stack (nesting is bounded by VCM0004 before parsing).
 */
import type { IToken, OrMethodOpts } from "chevrotain";
import type {
  BinaryOperator,
  BufferRef,
  Expr,
  Identifier,
  MemoryRef,
  RangeExpr,
  TargetRef,
} from "./ast.js";
import type { LineTable, Span } from "../diagnostics/span.js";
import { D, diagnostic } from "../diagnostics/catalogue.js";
import { parseNumber } from "./numbers.js";
import { NO_RESYNC } from "./parser-base.js";
import { ScenarioRules } from "./scenario-rules.js";
import { spanToSpan, spanToToken, tokenToSpan } from "./spans.js";
import * as T from "./tokens.js";

/** C-like binding strength: * / % > + - > << >> > & > |. */
const PRECEDENCE: Record<BinaryOperator, number> = {
  "*": 5,
  "/": 5,
  "%": 5,
  "+": 4,
  "-": 4,
  "<<": 3,
  ">>": 3,
  "&": 2,
  "|": 1,
};

export abstract class ExpressionRules extends ScenarioRules {
  ident = this.RULE(
    "ident",
    (): Identifier => {
      const t = this.CONSUME(T.Name);
      return this.RECORDING_PHASE
        ? (undefined as never)
        : { name: this.image(t), span: this.sp(t) };
    },
    NO_RESYNC,
  );

  /** `name`, `name[*]`, `name[EXPR]` (a buffer) or `name[A .. B]` (a slice). */
  memoryRef = this.RULE(
    "memoryRef",
    (): MemoryRef => {
      const name = this.SUBRULE(this.ident);
      let index: Expr | "*" | undefined;
      let range: RangeExpr | undefined;
      this.OPTION(() => {
        this.CONSUME(T.LBracket);
        this.OR([
          {
            ALT: () => {
              this.CONSUME(T.Star);
              index = "*";
            },
          },
          {
            ALT: () => {
              const start = this.SUBRULE(this.expr);
              let end: Expr | undefined;
              let endIsSize = false;
              this.OPTION2(() => {
                this.CONSUME(T.DotDot);
                this.OPTION3(() => {
                  this.CONSUME(T.Plus);
                  endIsSize = true;
                });
                end = this.SUBRULE2(this.expr);
              });
              if (!this.RECORDING_PHASE) {
                if (end) {
                  range = {
                    kind: "range",
                    start,
                    end,
                    endIsSize,
                    span: spanToToken(this.lines, start.span, this.LA(0)),
                  };
                } else index = start;
              }
            },
          },
        ]);
        this.CONSUME(T.RBracket);
      });
      if (this.RECORDING_PHASE) return undefined as never;
      {
        const span = this.spanFromName(name);
        if (range) return { kind: "slice", target: name, range, span };
        const ref: BufferRef = { kind: "buffer-ref", name, span };
        if (index !== undefined) ref.index = index;
        return ref;
      }
    },
    NO_RESYNC,
  );

  /** `dom`, `a53` or `c0.ddw` (a container's window). */
  targetRef = this.RULE(
    "targetRef",
    (): TargetRef => {
      const name = this.SUBRULE(this.ident);
      let member: Identifier | undefined;
      this.OPTION(() => {
        this.CONSUME(T.Dot);
        member = this.SUBRULE2(this.ident);
      });
      if (this.RECORDING_PHASE) return undefined as never;
      {
        const ref: TargetRef = { name, span: this.spanFromName(name) };
        if (member) ref.member = member;
        return ref;
      }
    },
    NO_RESYNC,
  );

  /** `A .. B` (end exclusive) or `A .. +SIZE`. */
  range = this.RULE(
    "range",
    (): RangeExpr => {
      const start = this.SUBRULE(this.expr);
      this.CONSUME(T.DotDot);
      let endIsSize = false;
      this.OPTION(() => {
        this.CONSUME(T.Plus);
        endIsSize = true;
      });
      const end = this.SUBRULE2(this.expr);
      return this.RECORDING_PHASE
        ? (undefined as never)
        : {
            kind: "range",
            start,
            end,
            endIsSize,
            span: spanToToken(this.lines, start.span, this.LA(0)),
          };
    },
    NO_RESYNC,
  );

  /** Operands and binary operators in one flat loop, folded by precedence (left-associative). */
  expr = this.RULE(
    "expr",
    (): Expr => {
      const first = this.SUBRULE(this.operand);
      let operands: Expr[] | undefined;
      let ops: IToken[] | undefined;
      this.MANY(() => {
        const op = this.CONSUME(T.BinaryOp);
        const rhs = this.SUBRULE2(this.operand);
        if (!this.RECORDING_PHASE) {
          (ops ??= []).push(op);
          (operands ??= [first]).push(rhs);
        }
      });
      return this.RECORDING_PHASE
        ? (undefined as never)
        : ops && operands
          ? foldBinary(this.lines, operands, ops)
          : first;
    },
    NO_RESYNC,
  );

  /** Prefix `-` and `~`, iterated (not recursive) so a long chain cannot exhaust the stack. */
  operand = this.RULE(
    "operand",
    (): Expr => {
      let prefix: IToken[] | undefined;
      this.MANY(() => {
        const op = this.CONSUME(T.UnaryOp);
        if (!this.RECORDING_PHASE) (prefix ??= []).push(op);
      });
      const inner = this.SUBRULE(this.primary);
      if (this.RECORDING_PHASE) return undefined as never;
      {
        if (!prefix) return inner;
        let e = inner;
        for (let i = prefix.length - 1; i >= 0; i--) {
          const op = prefix[i]!;
          e = {
            kind: "unary",
            op: op.image as "-" | "~",
            operand: e,
            span: tokenToSpan(this.lines, op, e.span),
          };
        }
        return e;
      }
    },
    NO_RESYNC,
  );

  private primaryAlts?: OrMethodOpts<Expr>;

  primary = this.RULE(
    "primary",
    (): Expr =>
      this.OR(
        (this.primaryAlts ??= {
          DEF: [
            {
              ALT: () => {
                const t = this.CONSUME(T.NumberLiteral);
                return this.RECORDING_PHASE ? (undefined as never) : this.numberLiteral(t);
              },
            },
            { ALT: () => this.nameRef() },
            {
              ALT: () => {
                const open = this.CONSUME(T.LParen);
                const inner = this.SUBRULE2(this.expr);
                this.CONSUME(T.RParen);
                // The parentheses belong to the span, so messages point at what was written.
                return this.RECORDING_PHASE
                  ? (undefined as never)
                  : ({ ...inner, span: this.spFrom(open) } satisfies Expr);
              },
            },
          ],
          ERR_MSG: "an expression (a number, a name or '(')",
        }),
      ),
    NO_RESYNC,
  );

  /** `NAME` or `NAME[EXPR]` inside an expression. */
  private nameRef(): Expr {
    const name = this.SUBRULE(this.ident);
    let index: Expr | undefined;
    this.OPTION(() => {
      this.CONSUME(T.LBracket);
      index = this.SUBRULE(this.expr);
      this.CONSUME(T.RBracket);
    });
    if (this.RECORDING_PHASE) return undefined as never;
    const ref: Expr = {
      kind: "name",
      name: name.name,
      span: this.spanFromName(name),
    };
    if (index) ref.index = index;
    return ref;
  }

  /**
   * From the start of `name` to the last token consumed: `name` itself when nothing followed it
   * (most references are a bare name; sharing its span saves an object per reference).
   */
  private spanFromName(name: Identifier): Span {
    const last = this.LA(0);
    return last.startOffset === name.span.offset
      ? name.span
      : spanToToken(this.lines, name.span, last);
  }

  private numberLiteral(t: IToken): Expr {
    const parsed = parseNumber(t.image);
    if (!parsed.ok) {
      const span = this.sp(t);
      this.report(
        parsed.reason === "overflow"
          ? diagnostic(D.numberOverflow, span, { text: t.image })
          : diagnostic(D.malformedNumber, span, { text: t.image, expected: parsed.expected }),
      );
      return { kind: "number", value: 0n, text: this.image(t), span };
    }
    return { kind: "number", value: parsed.value, text: this.image(t), span: this.sp(t) };
  }
}

/** Fold `operands[0] ops[0] operands[1] ...` with C precedence, left to right. */
function foldBinary(lines: LineTable, operands: Expr[], ops: IToken[]): Expr {
  const out: Expr[] = [];
  const pending: BinaryOperator[] = [];
  const reduce = (): void => {
    const right = out.pop()!;
    const left = out.pop()!;
    const op = pending.pop()!;
    out.push({
      kind: "binary",
      op,
      left,
      right,
      span: spanToSpan(lines, left.span, right.span),
    });
  };
  out.push(operands[0]!);
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!.image as BinaryOperator;
    while (pending.length > 0 && PRECEDENCE[pending[pending.length - 1]!] >= PRECEDENCE[op])
      reduce();
    pending.push(op);
    out.push(operands[i + 1]!);
  }
  while (pending.length > 0) reduce();
  return out[0]!;
}
