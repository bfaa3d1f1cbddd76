/**
 * The root of the VCM parser: a Chevrotain embedded-actions parser that builds the AST directly
 * (no CST), in rule return values. The grammar is split by statement family over a chain of
 * classes, each adding its rules (Chevrotain's grammar inheritance):
 *
 *   ParserBase        `statement`, recovery policy, span and diagnostic helpers (this file)
 *   SystemRules       topology, import, use, const, memory, pool, mmu/iommu, cpu/device/dma
 *   MappingRules      domain, buffer, map, reservation
 *   ScenarioRules     container, expect, scenario
 *   ExpressionRules   names, memory and target references, ranges, expressions
 *   VcmParser         runs the grammar analysis once (`parser.ts`)
 *
 * Rules are recorded in this order, which is also the order of grammar/diagrams.html. A rule
 * may use any other: each is declared here and defined by the class of its family.
 *
 * Only block items (mapper parameters, domain/container items, scenario steps) re-sync inside a
 * statement: every other rule passes its error up, so a mistake costs at most the item or
 * statement it is in.
 */
import {
  EmbeddedActionsParser,
  type IToken,
  type OrMethodOpts,
  type ParserMethod,
} from "chevrotain";
import type {
  BufferDecl,
  ConstDecl,
  ContainerDecl,
  ContainerItem,
  DomainDecl,
  DomainItem,
  EndpointDecl,
  ExpectDecl,
  Expr,
  Identifier,
  ImportDecl,
  MapDecl,
  MapperDecl,
  MemoryDecl,
  MemoryRef,
  ParamEntry,
  ParamValue,
  PoolDecl,
  RangeExpr,
  ReservationDecl,
  ScenarioDecl,
  ScenarioStep,
  Statement,
  TargetRef,
  TopologyDecl,
  UseDecl,
} from "./ast.js";
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { LineTable, type Span } from "../diagnostics/span.js";

import { errorMessages } from "./error-messages.js";
import { tokenSpan, tokensSpan } from "./spans.js";
import * as T from "./tokens.js";

/** Rules that do not re-sync: they hand the error to the enclosing item or statement. */
export const NO_RESYNC = { resyncEnabled: false } as const;
/** Block items re-sync at the next `;`, newline or `}` and are then dropped from the AST. */
export const ITEM_RESYNC = { resyncEnabled: true, recoveryValueFunc: () => undefined } as const;

type Rule<R> = ParserMethod<[], R>;

export abstract class ParserBase extends EmbeddedActionsParser {
  /** The line table of the file being parsed: every span points to it. */
  lines: LineTable = LineTable.of("", "");
  /** Diagnostics found while building the AST (numbers, duplicates), beside Chevrotain's errors. */
  extraDiagnostics: Diagnostic[] = [];

  abstract topologyDecl: Rule<TopologyDecl>;
  abstract importDecl: Rule<ImportDecl>;
  abstract useDecl: Rule<UseDecl>;
  abstract constDecl: Rule<ConstDecl>;
  abstract memoryDecl: Rule<MemoryDecl>;
  abstract poolDecl: Rule<PoolDecl>;
  abstract mapperDecl: Rule<MapperDecl>;
  abstract paramEntry: Rule<ParamEntry | undefined>;
  abstract paramValue: Rule<ParamValue>;
  abstract endpointDecl: Rule<EndpointDecl>;
  abstract domainDecl: Rule<DomainDecl>;
  abstract domainItem: Rule<DomainItem | undefined>;
  abstract bufferDecl: Rule<BufferDecl>;
  abstract mapDecl: Rule<MapDecl>;
  abstract reservationDecl: Rule<ReservationDecl>;
  abstract containerDecl: Rule<ContainerDecl>;
  abstract containerItem: Rule<ContainerItem | undefined>;
  abstract windowItem: Rule<ContainerItem>;
  abstract expectDecl: Rule<ExpectDecl>;
  abstract scenarioDecl: Rule<ScenarioDecl>;
  abstract scenarioStep: Rule<ScenarioStep | undefined>;
  abstract ident: Rule<Identifier>;
  abstract memoryRef: Rule<MemoryRef>;
  abstract targetRef: Rule<TargetRef>;
  abstract range: Rule<RangeExpr>;
  abstract expr: Rule<Expr>;
  abstract operand: Rule<Expr>;
  abstract primary: Rule<Expr>;

  /**
   * `validate`: run Chevrotain's grammar validations (ambiguities, left recursion...). The
   * shipped parser skips them (a third of building it, paid by every command); a test builds
   * one with them, so a broken grammar still fails.
   */
  constructor(validate: boolean) {
    super(T.allTokens, {
      recoveryEnabled: true,
      maxLookahead: 3,
      errorMessageProvider: errorMessages,
      skipValidations: !validate,
    });
  }

  /** Inserting a missing token would put a token with no position into the AST. */
  protected override canTokenTypeBeInsertedInRecovery(): boolean {
    return false;
  }

  /**
   * Deleting a separator or `}` would glue two items together and report one mistake twice.
   * Chevrotain passes the expected type; the token it would delete is LA(1).
   */
  protected override canTokenTypeBeDeletedInRecovery(): boolean {
    const doomed = this.LA(1).tokenType;
    return doomed !== T.Newline && doomed !== T.Semicolon && doomed !== T.RCurly;
  }

  protected report(d: Diagnostic): void {
    this.extraDiagnostics.push(d);
  }

  /**
   * `t`'s image: for names and numbers, the one copy kept for the file (the scanner interns
   * them; a name is used many times and a million-statement file keeps every AST node).
   */
  protected image(t: IToken): string {
    return t.image;
  }

  protected sp(t: IToken): Span {
    return tokenSpan(this.lines, t);
  }

  /** From token `first` to the last token consumed. */
  protected spFrom(first: IToken): Span {
    return tokensSpan(this.lines, first, this.LA(0));
  }

  /**
   * The keyword a clause alternative is about to consume (clauses start with their keyword).
   * Clause alternatives are built once per parser and return only their value; the statement
   * rule reads the keyword here and files the value under it.
   */
  protected clauseKeyword(): IToken {
    return this.RECORDING_PHASE ? (undefined as never) : this.LA(1);
  }

  /** Report a second occurrence of a clause; `seen` holds the clauses given so far. */
  protected once(seen: string[], kw: IToken, what: string): void {
    if (seen.includes(kw.image)) {
      this.report(diagnostic(D.duplicateClause, this.sp(kw), { what, clause: kw.image }));
    } else seen.push(kw.image);
  }

  /** Built once: a fresh array of alternatives per statement was a large share of the garbage. */
  private statementAlts?: OrMethodOpts<Statement>;

  statement = this.RULE("statement", (): Statement | undefined =>
    this.OR(
      (this.statementAlts ??= {
        DEF: [
          { ALT: () => this.SUBRULE(this.topologyDecl) },
          { ALT: () => this.SUBRULE(this.importDecl) },
          { ALT: () => this.SUBRULE(this.useDecl) },
          { ALT: () => this.SUBRULE(this.constDecl) },
          { ALT: () => this.SUBRULE(this.memoryDecl) },
          { ALT: () => this.SUBRULE(this.poolDecl) },
          { ALT: () => this.SUBRULE(this.mapperDecl) },
          { ALT: () => this.SUBRULE(this.endpointDecl) },
          { ALT: () => this.SUBRULE(this.domainDecl) },
          { ALT: () => this.SUBRULE(this.bufferDecl) },
          { ALT: () => this.SUBRULE(this.mapDecl) },
          { ALT: () => this.SUBRULE(this.containerDecl) },
          { ALT: () => this.SUBRULE(this.reservationDecl) },
          { ALT: () => this.SUBRULE(this.expectDecl) },
          { ALT: () => this.SUBRULE(this.scenarioDecl) },
        ],
        ERR_MSG:
          "a statement (topology, import, use, const, memory, pool, mmu, iommu, cpu, device, dma, domain, buffer, map, container, reservation, expect or scenario)",
      }),
    ),
  );
}
