/**
 * The VCM parser: a Chevrotain embedded-actions parser that builds the AST directly (no CST).
 * One instance is reused; `parse.ts` feeds it one statement at a time. Only block items
 * (mapper parameters, domain/container items, scenario steps) re-sync inside a statement: every
 * other rule passes its error up, so a mistake costs at most the item or statement it is in.
 */
import {
  EmbeddedActionsParser,
  type IOrAlt,
  type IToken,
  type OrMethodOpts,
  type TokenType,
} from "chevrotain";
import type {
  BinaryOperator,
  BufferDecl,
  BufferRef,
  ConstDecl,
  ContainerDecl,
  ContainerItem,
  DomainDecl,
  DomainItem,
  DomainType,
  EndpointDecl,
  EndpointKind,
  ExpectDecl,
  ExpectVerb,
  Expr,
  Identifier,
  ImportDecl,
  MapDecl,
  MapperDecl,
  MemoryAttribute,
  MemoryDecl,
  MemoryKind,
  MemoryRef,
  ParamEntry,
  ParamValue,
  Permission,
  PoolDecl,
  RangeExpr,
  ReservationDecl,
  ScenarioDecl,
  ScenarioStep,
  SliceRef,
  Statement,
  TargetRef,
  TopologyDecl,
  UseDecl,
} from "./ast.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { LineTable, type Span } from "../diagnostics/span.js";
import type { CheckDefinition } from "../checks/definition.js";
import { DUPLICATE_CLAUSE, MALFORMED_NUMBER, NUMBER_OVERFLOW, SYNTAX_ERROR } from "./checks.js";
import { errorMessages } from "./error-messages.js";
import { parseNumber } from "./numbers.js";
import { spanToSpan, spanToToken, tokenSpan, tokensSpan, tokenToSpan } from "./spans.js";
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

/** Rules that do not re-sync: they hand the error to the enclosing item or statement. */
const NO_RESYNC = { resyncEnabled: false } as const;
/** Block items re-sync at the next `;`, newline or `}` and are then dropped from the AST. */
const ITEM_RESYNC = { resyncEnabled: true, recoveryValueFunc: () => undefined } as const;

const ATTRIBUTES: ReadonlyMap<TokenType, MemoryAttribute> = new Map([
  [T.Cacheable, "cacheable"],
  [T.Noncacheable, "noncacheable"],
  [T.Device, "device"],
  [T.Shareable, "shareable"],
  [T.OuterShareable, "outer-shareable"],
  [T.Nonshareable, "nonshareable"],
]);

export class VcmParser extends EmbeddedActionsParser {
  /** The line table of the file being parsed: every span points to it. */
  lines: LineTable = LineTable.of("", "");
  /** Diagnostics found while building the AST (numbers, duplicates), beside Chevrotain's errors. */
  extraDiagnostics: Diagnostic[] = [];

  constructor() {
    super(T.allTokens, {
      recoveryEnabled: true,
      maxLookahead: 3,
      errorMessageProvider: errorMessages,
    });
    this.performSelfAnalysis();
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

  private report(check: CheckDefinition, message: string, span: Span): void {
    this.extraDiagnostics.push({
      code: check.code,
      check: check.name,
      severity: check.severity,
      message,
      span,
    });
  }

  private sp(t: IToken): Span {
    return tokenSpan(this.lines, t);
  }

  /** From token `first` to the last token consumed. */
  private spFrom(first: IToken): Span {
    return tokensSpan(this.lines, first, this.LA(0));
  }

  /** Report a second occurrence of a clause; `seen` holds the clauses given so far. */
  private once(seen: string[], kw: IToken, what: string): void {
    if (seen.includes(kw.image)) {
      this.report(DUPLICATE_CLAUSE, `${what} has two '${kw.image}' clauses`, this.sp(kw));
    } else seen.push(kw.image);
  }

  // The statements with clauses in any order build their clause alternatives once (closures per
  // clause per statement were a large share of the parser's garbage); the alternatives reach
  // the statement being built through these fields.
  private endpoint!: EndpointDecl;
  private endpointSeen: string[] = [];
  private endpointClauses?: IOrAlt<void>[];
  private buffer!: BufferDecl;
  private bufferSeen: string[] = [];
  private bufferClauses?: IOrAlt<void>[];
  private map!: MapDecl;
  private mapSeen: string[] = [];
  private mapPerms!: IToken;
  private mapClauses?: IOrAlt<void>[];
  private mapAtAlts?: OrMethodOpts<Expr | "auto">;

  // -------------------------------------------------------------------------------------------
  // Statements

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

  topologyDecl = this.RULE(
    "topologyDecl",
    (): TopologyDecl => {
      const kw = this.CONSUME(T.Topology);
      const name = this.SUBRULE(this.ident);
      return this.RECORDING_PHASE
        ? (undefined as never)
        : { kind: "topology", name, span: this.spFrom(kw) };
    },
    NO_RESYNC,
  );

  importDecl = this.RULE(
    "importDecl",
    (): ImportDecl => {
      const kw = this.CONSUME(T.Import);
      const s = this.CONSUME(T.StringLiteral);
      return this.RECORDING_PHASE
        ? (undefined as never)
        : {
            kind: "import",
            path: stringValue(s.image),
            pathSpan: this.sp(s),
            span: this.spFrom(kw),
          };
    },
    NO_RESYNC,
  );

  useDecl = this.RULE(
    "useDecl",
    (): UseDecl => {
      const kw = this.CONSUME(T.Use);
      const s = this.CONSUME(T.StringLiteral);
      return this.RECORDING_PHASE
        ? (undefined as never)
        : {
            kind: "use",
            specifier: stringValue(s.image),
            specifierSpan: this.sp(s),
            span: this.spFrom(kw),
          };
    },
    NO_RESYNC,
  );

  constDecl = this.RULE(
    "constDecl",
    (): ConstDecl => {
      const kw = this.CONSUME(T.Const);
      const name = this.SUBRULE(this.ident);
      this.CONSUME(T.Equals);
      const value = this.SUBRULE(this.expr);
      return this.RECORDING_PHASE
        ? (undefined as never)
        : { kind: "const", name, value, span: this.spFrom(kw) };
    },
    NO_RESYNC,
  );

  memoryDecl = this.RULE(
    "memoryDecl",
    (): MemoryDecl => {
      const kw = this.CONSUME(T.Memory);
      const name = this.SUBRULE(this.ident);
      const range = this.SUBRULE(this.range);
      const kind = this.OR([
        { ALT: () => this.CONSUME(T.Ram) },
        { ALT: () => this.CONSUME(T.Mmio) },
        { ALT: () => this.CONSUME(T.Reserved) },
      ]);
      let owner: Identifier | undefined;
      let pinnable: Span | undefined;
      const seen: string[] = [];
      this.MANY(() => {
        this.OR2([
          {
            ALT: () => {
              const c = this.CONSUME(T.Owner);
              const o = this.SUBRULE2(this.ident);
              if (!this.RECORDING_PHASE) {
                this.once(seen, c, "a memory region");
                owner = o;
              }
            },
          },
          {
            ALT: () => {
              const c = this.CONSUME(T.Pinnable);
              if (!this.RECORDING_PHASE) {
                this.once(seen, c, "a memory region");
                pinnable = this.sp(c);
              }
            },
          },
        ]);
      });
      if (this.RECORDING_PHASE) return undefined as never;
      {
        const decl: MemoryDecl = {
          kind: "memory",
          name,
          range,
          memoryKind: kind.image as MemoryKind,
          span: this.spFrom(kw),
        };
        if (owner) decl.owner = owner;
        if (pinnable) decl.pinnable = pinnable;
        return decl;
      }
    },
    NO_RESYNC,
  );

  poolDecl = this.RULE(
    "poolDecl",
    (): PoolDecl => {
      const kw = this.CONSUME(T.Pool);
      const name = this.SUBRULE(this.ident);
      this.CONSUME(T.In);
      const source = this.SUBRULE(this.memoryRef);
      return this.RECORDING_PHASE
        ? (undefined as never)
        : { kind: "pool", name, source, span: this.spFrom(kw) };
    },
    NO_RESYNC,
  );

  mapperDecl = this.RULE(
    "mapperDecl",
    (): MapperDecl => {
      const kw = this.OR([
        { ALT: () => this.CONSUME(T.Mmu) },
        { ALT: () => this.CONSUME(T.Iommu) },
      ]);
      const name = this.SUBRULE(this.ident);
      this.CONSUME(T.Colon);
      const format = this.SUBRULE2(this.ident);
      const params: ParamEntry[] = [];
      this.OPTION(() => {
        this.CONSUME(T.LCurly);
        this.MANY_SEP({
          SEP: T.Terminator,
          DEF: () => {
            const p = this.SUBRULE(this.paramEntry);
            if (p) params.push(p);
          },
        });
        this.CONSUME(T.RCurly);
      });
      return this.RECORDING_PHASE
        ? (undefined as never)
        : {
            kind: "mapper",
            role: kw.image as "mmu" | "iommu",
            name,
            format,
            params,
            span: this.spFrom(kw),
          };
    },
    NO_RESYNC,
  );

  /** `key value*`: the parser knows no plugin's keys; the plugin's schema checks them later. */
  paramEntry = this.RULE(
    "paramEntry",
    (): ParamEntry | undefined => {
      const key = this.SUBRULE(this.ident);
      const values: ParamValue[] = [];
      this.MANY(() => {
        values.push(this.SUBRULE(this.paramValue));
      });
      return this.RECORDING_PHASE
        ? (undefined as never)
        : {
            key,
            values,
            span: spanToToken(this.lines, key.span, this.LA(0)),
          };
    },
    ITEM_RESYNC,
  );

  /** An expression, a range, or (a lone name) a bare word such as `passthrough`. */
  paramValue = this.RULE(
    "paramValue",
    (): ParamValue => {
      const start = this.SUBRULE(this.expr);
      let end: Expr | undefined;
      let endIsSize = false;
      this.OPTION(() => {
        this.CONSUME(T.DotDot);
        this.OPTION2(() => {
          this.CONSUME(T.Plus);
          endIsSize = true;
        });
        end = this.SUBRULE2(this.expr);
      });
      if (this.RECORDING_PHASE) return undefined as never;
      {
        if (end) {
          const range: RangeExpr = {
            kind: "range",
            start,
            end,
            endIsSize,
            span: spanToToken(this.lines, start.span, this.LA(0)),
          };
          return { kind: "range", range, span: range.span };
        }
        if (start.kind === "name" && start.index === undefined) {
          return { kind: "word", word: start.name, span: start.span };
        }
        return { kind: "expr", expr: start, span: start.span };
      }
    },
    NO_RESYNC,
  );

  endpointDecl = this.RULE(
    "endpointDecl",
    (): EndpointDecl => {
      const kw = this.OR([
        { ALT: () => this.CONSUME(T.Cpu) },
        { ALT: () => this.CONSUME(T.Device) },
        { ALT: () => this.CONSUME(T.Dma) },
      ]);
      const name = this.SUBRULE(this.ident);
      const decl: EndpointDecl = this.RECORDING_PHASE
        ? (undefined as never)
        : {
            kind: "endpoint",
            endpointKind: kw.image as EndpointKind,
            name,
            span: this.sp(kw),
          };
      if (!this.RECORDING_PHASE) {
        this.endpoint = decl;
        this.endpointSeen = [];
      }
      this.MANY(() => {
        this.OR2(
          (this.endpointClauses ??= [
            {
              ALT: () => {
                const c = this.OR3([
                  { ALT: () => this.CONSUME(T.Via) },
                  { ALT: () => this.CONSUME(T.Behind) },
                ]);
                const mapper = this.SUBRULE2(this.ident);
                if (!this.RECORDING_PHASE) {
                  this.once(this.endpointSeen, c, "an endpoint");
                  const want = this.endpoint.endpointKind === "cpu" ? "via" : "behind";
                  if (c.image !== want) {
                    this.report(
                      SYNTAX_ERROR,
                      `a ${this.endpoint.endpointKind} names its MMU with '${want}', not '${c.image}'`,
                      this.sp(c),
                    );
                  }
                  this.endpoint.mapper = mapper;
                }
              },
            },
            {
              ALT: () => {
                const c = this.CONSUME(T.Stream);
                const e = this.SUBRULE(this.expr);
                if (!this.RECORDING_PHASE) {
                  this.once(this.endpointSeen, c, "an endpoint");
                  this.endpoint.stream = e;
                }
              },
            },
            {
              ALT: () => {
                const c = this.CONSUME(T.Group);
                const e = this.SUBRULE2(this.expr);
                if (!this.RECORDING_PHASE) {
                  this.once(this.endpointSeen, c, "an endpoint");
                  this.endpoint.group = e;
                }
              },
            },
            {
              ALT: () => {
                const c = this.CONSUME(T.DmaMask);
                const e = this.SUBRULE3(this.expr);
                if (!this.RECORDING_PHASE) {
                  this.once(this.endpointSeen, c, "an endpoint");
                  this.endpoint.dmaMask = e;
                }
              },
            },
            {
              ALT: () => {
                const c = this.CONSUME(T.Offset);
                const e = this.SUBRULE4(this.expr);
                if (!this.RECORDING_PHASE) {
                  this.once(this.endpointSeen, c, "an endpoint");
                  this.endpoint.offset = e;
                }
              },
            },
          ]),
        );
      });
      if (this.RECORDING_PHASE) return undefined as never;
      {
        decl.span = this.spFrom(kw);
        return decl;
      }
    },
    NO_RESYNC,
  );

  domainDecl = this.RULE(
    "domainDecl",
    (): DomainDecl => {
      const kw = this.CONSUME(T.Domain);
      const name = this.SUBRULE(this.ident);
      this.CONSUME(T.On);
      const mapper = this.SUBRULE2(this.ident);
      const items: DomainItem[] = [];
      this.OPTION(() => {
        this.CONSUME(T.LCurly);
        this.MANY_SEP({
          SEP: T.Terminator,
          DEF: () => {
            const item = this.SUBRULE(this.domainItem);
            if (item) items.push(item);
          },
        });
        this.CONSUME(T.RCurly);
      });
      return this.RECORDING_PHASE
        ? (undefined as never)
        : { kind: "domain", name, mapper, items, span: this.spFrom(kw) };
    },
    NO_RESYNC,
  );

  domainItem = this.RULE(
    "domainItem",
    (): DomainItem | undefined =>
      this.OR([
        {
          ALT: () => {
            const kw = this.CONSUME(T.Type);
            const t = this.CONSUME(T.Name);
            if (this.RECORDING_PHASE) return undefined as never;
            {
              if (!DOMAIN_TYPES.has(t.image)) {
                this.report(
                  SYNTAX_ERROR,
                  `expected a domain type (dma, identity, blocked or unmanaged) but found '${t.image}'`,
                  this.sp(t),
                );
              }
              return { kind: "type", type: t.image as DomainType, span: this.spFrom(kw) };
            }
          },
        },
        {
          ALT: () => {
            const kw = this.CONSUME(T.Aperture);
            const range = this.SUBRULE(this.range);
            return this.RECORDING_PHASE
              ? (undefined as never)
              : ({
                  kind: "aperture",
                  range,
                  span: this.spFrom(kw),
                } satisfies DomainItem);
          },
        },
        {
          ALT: () => {
            const kw = this.OR2([
              { ALT: () => this.CONSUME(T.Reserve) },
              { ALT: () => this.CONSUME(T.Msi) },
              { ALT: () => this.CONSUME(T.Unity) },
            ]);
            const range = this.SUBRULE2(this.range);
            return this.RECORDING_PHASE
              ? (undefined as never)
              : ({
                  kind: "reserve",
                  reserveKind: kw.image as "reserve" | "msi" | "unity",
                  range,
                  span: this.spFrom(kw),
                } satisfies DomainItem);
          },
        },
        {
          ALT: () => {
            const kw = this.CONSUME(T.Attach);
            const devices: Identifier[] = [];
            this.AT_LEAST_ONE({
              DEF: () => {
                devices.push(this.SUBRULE(this.ident));
              },
              ERR_MSG: "device name",
            });
            return this.RECORDING_PHASE
              ? (undefined as never)
              : ({
                  kind: "attach",
                  devices,
                  span: this.spFrom(kw),
                } satisfies DomainItem);
          },
        },
      ]),
    ITEM_RESYNC,
  );

  bufferDecl = this.RULE(
    "bufferDecl",
    (): BufferDecl => {
      const kw = this.CONSUME(T.BufferKw);
      const name = this.SUBRULE(this.ident);
      const decl: BufferDecl = this.RECORDING_PHASE
        ? (undefined as never)
        : { kind: "buffer", name, span: this.sp(kw) };
      this.OPTION(() => {
        this.CONSUME(T.LBracket);
        const count = this.SUBRULE(this.expr);
        this.CONSUME(T.RBracket);
        if (!this.RECORDING_PHASE) {
          decl.count = count;
        }
      });
      if (!this.RECORDING_PHASE) {
        this.buffer = decl;
        this.bufferSeen = [];
      }
      this.MANY(() => {
        this.OR(
          (this.bufferClauses ??= [
            {
              ALT: () => {
                const c = this.CONSUME(T.In);
                const region = this.SUBRULE2(this.ident);
                if (!this.RECORDING_PHASE) {
                  this.once(this.bufferSeen, c, "a buffer");
                  this.buffer.region = region;
                }
              },
            },
            {
              ALT: () => {
                const c = this.CONSUME(T.Size);
                const e = this.SUBRULE2(this.expr);
                if (!this.RECORDING_PHASE) {
                  this.once(this.bufferSeen, c, "a buffer");
                  this.buffer.size = e;
                }
              },
            },
            {
              ALT: () => {
                const c = this.CONSUME(T.Align);
                const e = this.SUBRULE3(this.expr);
                if (!this.RECORDING_PHASE) {
                  this.once(this.bufferSeen, c, "a buffer");
                  this.buffer.align = e;
                }
              },
            },
            {
              ALT: () => {
                const c = this.CONSUME(T.At);
                const e = this.SUBRULE4(this.expr);
                if (!this.RECORDING_PHASE) {
                  this.once(this.bufferSeen, c, "a buffer");
                  this.buffer.at = e;
                }
              },
            },
            {
              ALT: () => {
                const c = this.CONSUME(T.Chunks);
                this.CONSUME2(T.LBracket);
                const chunks: SliceRef[] = [];
                this.AT_LEAST_ONE_SEP({
                  SEP: T.Comma,
                  DEF: () => {
                    const ref = this.SUBRULE(this.memoryRef);
                    if (!this.RECORDING_PHASE) {
                      if (ref.kind === "slice") chunks.push(ref);
                      else {
                        this.report(
                          SYNTAX_ERROR,
                          "a chunk must be a slice such as ddr[0x100_0000 .. +64K]",
                          ref.span,
                        );
                      }
                    }
                  },
                });
                this.CONSUME2(T.RBracket);
                if (!this.RECORDING_PHASE) {
                  this.once(this.bufferSeen, c, "a buffer");
                  this.buffer.chunks = chunks;
                }
              },
            },
          ]),
        );
      });
      if (this.RECORDING_PHASE) return undefined as never;
      {
        decl.span = this.spFrom(kw);
        return decl;
      }
    },
    NO_RESYNC,
  );

  /** `at auto` or `at EXPR` (optional: no `at` is `at auto`); one function, not one per map. */
  private readonly mapAtClause = (): Expr | "auto" => {
    this.CONSUME(T.At);
    return this.OR(
      (this.mapAtAlts ??= {
        DEF: [
          {
            ALT: () => {
              this.CONSUME(T.Auto);
              return "auto" as const;
            },
          },
          { ALT: () => this.SUBRULE(this.expr) },
        ],
        IGNORE_AMBIGUITIES: true,
      }),
    );
  };

  mapDecl = this.RULE(
    "mapDecl",
    (): MapDecl => {
      const kw = this.CONSUME(T.MapKw);
      const source = this.SUBRULE(this.memoryRef);
      this.CONSUME(T.Arrow);
      const target = this.SUBRULE(this.targetRef);
      const at = this.OPTION(this.mapAtClause) ?? "auto";
      const permsTok = this.CONSUME(T.Perms);
      const decl: MapDecl = this.RECORDING_PHASE
        ? (undefined as never)
        : {
            kind: "map",
            source,
            target,
            at,
            perms: this.permissions(permsTok),
            permsSpan: this.sp(permsTok),
            attributes: [],
            p2p: false,
            pin: false,
            span: this.sp(kw),
          };
      if (!this.RECORDING_PHASE) {
        this.map = decl;
        this.mapSeen = [];
        this.mapPerms = permsTok;
      }
      this.MANY(() => {
        this.OR2(
          (this.mapClauses ??= [
            {
              ALT: () => {
                const p = this.CONSUME(T.Priv);
                if (!this.RECORDING_PHASE) {
                  this.once(this.mapSeen, p, "a mapping");
                  this.map.perms.push("priv");
                  this.map.permsSpan = tokensSpan(this.lines, this.mapPerms, p);
                }
              },
            },
            {
              ALT: () => {
                const a = this.OR3([
                  { ALT: () => this.CONSUME(T.Cacheable) },
                  { ALT: () => this.CONSUME(T.Noncacheable) },
                  { ALT: () => this.CONSUME(T.Device) },
                  { ALT: () => this.CONSUME(T.Shareable) },
                  { ALT: () => this.CONSUME(T.OuterShareable) },
                  { ALT: () => this.CONSUME(T.Nonshareable) },
                ]);
                if (!this.RECORDING_PHASE) {
                  this.once(this.mapSeen, a, "a mapping");
                  this.map.attributes.push(ATTRIBUTES.get(a.tokenType)!);
                }
              },
            },
            {
              ALT: () => {
                const f = this.CONSUME(T.P2p);
                if (!this.RECORDING_PHASE) {
                  this.once(this.mapSeen, f, "a mapping");
                  this.map.p2p = true;
                }
              },
            },
            {
              ALT: () => {
                const f = this.CONSUME(T.Pin);
                if (!this.RECORDING_PHASE) {
                  this.once(this.mapSeen, f, "a mapping");
                  this.map.pin = true;
                }
              },
            },
            {
              ALT: () => {
                const c = this.CONSUME(T.Pages);
                const e = this.SUBRULE2(this.expr);
                if (!this.RECORDING_PHASE) {
                  this.once(this.mapSeen, c, "a mapping");
                  this.map.pages = e;
                }
              },
            },
          ]),
        );
      });
      if (this.RECORDING_PHASE) return undefined as never;
      {
        decl.span = this.spFrom(kw);
        return decl;
      }
    },
    NO_RESYNC,
  );

  /** `rw`, `rx`...: letters r, w, x in any order, each at most once. */
  private permissions(t: IToken): Permission[] {
    const perms: Permission[] = [];
    for (const ch of t.image) {
      const p = ch as Permission;
      if (perms.includes(p)) {
        this.report(SYNTAX_ERROR, `permission '${ch}' is given twice in '${t.image}'`, this.sp(t));
      } else perms.push(p);
    }
    return perms;
  }

  private reservation!: ReservationDecl;
  private reservationSeen: string[] = [];
  private reservationClauses?: IOrAlt<void>[];

  reservationDecl = this.RULE(
    "reservationDecl",
    (): ReservationDecl => {
      const kw = this.CONSUME(T.Reservation);
      const name = this.SUBRULE(this.ident);
      this.CONSUME(T.In);
      const target = this.SUBRULE(this.targetRef);
      const decl: ReservationDecl = this.RECORDING_PHASE
        ? (undefined as never)
        : { kind: "reservation", name, target, span: this.sp(kw) };
      if (!this.RECORDING_PHASE) {
        this.reservation = decl;
        this.reservationSeen = [];
      }
      this.MANY(() => {
        this.OR(
          (this.reservationClauses ??= [
            {
              ALT: () => {
                const c = this.CONSUME(T.Size);
                const e = this.SUBRULE(this.expr);
                if (!this.RECORDING_PHASE) {
                  this.once(this.reservationSeen, c, "a reservation");
                  this.reservation.size = e;
                }
              },
            },
            {
              ALT: () => {
                const c = this.CONSUME(T.Align);
                const e = this.SUBRULE2(this.expr);
                if (!this.RECORDING_PHASE) {
                  this.once(this.reservationSeen, c, "a reservation");
                  this.reservation.align = e;
                }
              },
            },
            {
              ALT: () => {
                const c = this.CONSUME(T.At);
                const e = this.SUBRULE3(this.expr);
                if (!this.RECORDING_PHASE) {
                  this.once(this.reservationSeen, c, "a reservation");
                  this.reservation.at = e;
                }
              },
            },
          ]),
        );
      });
      if (this.RECORDING_PHASE) return undefined as never;
      {
        decl.span = this.spFrom(kw);
        return decl;
      }
    },
    NO_RESYNC,
  );

  containerDecl = this.RULE(
    "containerDecl",
    (): ContainerDecl => {
      const kw = this.CONSUME(T.Container);
      const name = this.SUBRULE(this.ident);
      this.CONSUME(T.On);
      const mapper = this.SUBRULE2(this.ident);
      this.CONSUME(T.Colon);
      const model = this.SUBRULE3(this.ident);
      const items: ContainerItem[] = [];
      this.OPTION(() => {
        this.CONSUME(T.LCurly);
        this.MANY_SEP({
          SEP: T.Terminator,
          DEF: () => {
            const item = this.SUBRULE(this.containerItem);
            if (item) items.push(item);
          },
        });
        this.CONSUME(T.RCurly);
      });
      return this.RECORDING_PHASE
        ? (undefined as never)
        : {
            kind: "container",
            name,
            mapper,
            model,
            items,
            span: this.spFrom(kw),
          };
    },
    NO_RESYNC,
  );

  containerItem = this.RULE(
    "containerItem",
    (): ContainerItem | undefined =>
      this.OR([
        {
          ALT: () => {
            const kw = this.CONSUME(T.Groups);
            const groups: Expr[] = [];
            this.AT_LEAST_ONE({
              DEF: () => {
                groups.push(this.SUBRULE(this.expr));
              },
              ERR_MSG: "group number",
            });
            return this.RECORDING_PHASE
              ? (undefined as never)
              : ({
                  kind: "groups",
                  groups,
                  span: this.spFrom(kw),
                } satisfies ContainerItem);
          },
        },
        {
          ALT: () => {
            const kw = this.OR2([
              { ALT: () => this.CONSUME(T.LockedLimit) },
              { ALT: () => this.CONSUME(T.HostPage) },
              { ALT: () => this.CONSUME(T.BackingPage) },
            ]);
            const value = this.SUBRULE2(this.expr);
            return this.RECORDING_PHASE
              ? (undefined as never)
              : ({
                  kind: kw.image as "locked-limit" | "host-page" | "backing-page",
                  value,
                  span: this.spFrom(kw),
                } satisfies ContainerItem);
          },
        },
        {
          ALT: () => {
            const kw = this.CONSUME(T.Register);
            const source = this.SUBRULE(this.memoryRef);
            return this.RECORDING_PHASE
              ? (undefined as never)
              : ({
                  kind: "register",
                  source,
                  span: this.spFrom(kw),
                } satisfies ContainerItem);
          },
        },
        {
          ALT: () => {
            const kw = this.OR3([
              { ALT: () => this.CONSUME(T.Owner) },
              { ALT: () => this.CONSUME(T.Remove) },
            ]);
            const name = this.SUBRULE(this.ident);
            if (this.RECORDING_PHASE) return undefined as never;
            const span = this.spFrom(kw);
            return kw.image === "owner"
              ? ({ kind: "owner", process: name, span } satisfies ContainerItem)
              : ({ kind: "remove", window: name, span } satisfies ContainerItem);
          },
        },
        { ALT: () => this.SUBRULE(this.windowItem) },
      ]),
    ITEM_RESYNC,
  );

  /** `window NAME [at EXPR] size EXPR page EXPR [levels EXPR]`, clauses in any order. */
  windowItem = this.RULE(
    "windowItem",
    (): ContainerItem => {
      const kw = this.CONSUME(T.Window);
      const name = this.SUBRULE(this.ident);
      const got: Partial<Record<"at" | "size" | "page" | "levels", Expr>> = {};
      const seen: string[] = [];
      this.MANY(() => {
        const c = this.OR([
          { ALT: () => this.CONSUME(T.At) },
          { ALT: () => this.CONSUME(T.Size) },
          { ALT: () => this.CONSUME(T.Page) },
          { ALT: () => this.CONSUME(T.Levels) },
        ]);
        const e = this.SUBRULE(this.expr);
        if (!this.RECORDING_PHASE) {
          this.once(seen, c, "a window");
          got[c.image as "at" | "size" | "page" | "levels"] = e;
        }
      });
      if (this.RECORDING_PHASE) return undefined as never;
      {
        const span = this.spFrom(kw);
        const missing = (["size", "page"] as const).filter((k) => got[k] === undefined);
        if (missing.length > 0) {
          this.report(
            SYNTAX_ERROR,
            `window '${name.name}' needs ${missing.map((m) => `'${m}'`).join(", ")}`,
            span,
          );
        }
        const zero = (): Expr => ({ kind: "number", value: 0n, text: "0", span });
        const item: ContainerItem = {
          kind: "window",
          name,
          size: got.size ?? zero(),
          page: got.page ?? zero(),
          span,
        };
        if (got.at) item.at = got.at;
        if (got.levels) item.levels = got.levels;
        return item;
      }
    },
    NO_RESYNC,
  );

  expectDecl = this.RULE(
    "expectDecl",
    (): ExpectDecl => {
      const kw = this.CONSUME(T.Expect);
      const endpoint = this.SUBRULE(this.ident);
      return this.OR([
        {
          ALT: () => {
            const v = this.OR2([
              { ALT: () => this.CONSUME(T.Reads) },
              { ALT: () => this.CONSUME(T.Writes) },
              { ALT: () => this.CONSUME(T.Executes) },
            ]);
            const object = this.SUBRULE(this.memoryRef);
            return this.RECORDING_PHASE
              ? (undefined as never)
              : ({
                  kind: "expect",
                  endpoint,
                  expectation: "access",
                  negated: false,
                  verb: v.image as ExpectVerb,
                  object,
                  span: this.spFrom(kw),
                } satisfies ExpectDecl);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Cannot);
            const v = this.OR3([
              { ALT: () => this.CONSUME(T.Read) },
              { ALT: () => this.CONSUME(T.Write) },
              { ALT: () => this.CONSUME(T.Execute) },
            ]);
            const object = this.SUBRULE2(this.memoryRef);
            return this.RECORDING_PHASE
              ? (undefined as never)
              : ({
                  kind: "expect",
                  endpoint,
                  expectation: "access",
                  negated: true,
                  verb: (v.image + "s") as ExpectVerb,
                  object,
                  span: this.spFrom(kw),
                } satisfies ExpectDecl);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Faults);
            this.CONSUME(T.At);
            const at = this.SUBRULE(this.expr);
            return this.RECORDING_PHASE
              ? (undefined as never)
              : ({
                  kind: "expect",
                  endpoint,
                  expectation: "faults",
                  at,
                  span: this.spFrom(kw),
                } satisfies ExpectDecl);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Sees);
            const object = this.SUBRULE3(this.memoryRef);
            this.CONSUME2(T.At);
            const at = this.SUBRULE2(this.expr);
            return this.RECORDING_PHASE
              ? (undefined as never)
              : ({
                  kind: "expect",
                  endpoint,
                  expectation: "sees",
                  object,
                  at,
                  span: this.spFrom(kw),
                } satisfies ExpectDecl);
          },
        },
      ]);
    },
    NO_RESYNC,
  );

  scenarioDecl = this.RULE(
    "scenarioDecl",
    (): ScenarioDecl => {
      const kw = this.CONSUME(T.Scenario);
      const name = this.SUBRULE(this.ident);
      const steps: ScenarioStep[] = [];
      this.CONSUME(T.LCurly);
      this.MANY_SEP({
        SEP: T.Terminator,
        DEF: () => {
          const step = this.SUBRULE(this.scenarioStep);
          if (step) steps.push(step);
        },
      });
      this.CONSUME(T.RCurly);
      return this.RECORDING_PHASE
        ? (undefined as never)
        : { kind: "scenario", name, steps, span: this.spFrom(kw) };
    },
    NO_RESYNC,
  );

  scenarioStep = this.RULE(
    "scenarioStep",
    (): ScenarioStep | undefined =>
      this.OR({
        DEF: [
          { ALT: () => this.SUBRULE(this.mapDecl) },
          { ALT: () => this.SUBRULE(this.expectDecl) },
          {
            ALT: () => {
              const kw = this.CONSUME(T.Migrate);
              const buffer = this.SUBRULE(this.memoryRef);
              this.CONSUME(T.To);
              const to = this.SUBRULE(this.ident);
              return this.RECORDING_PHASE
                ? (undefined as never)
                : ({
                    kind: "migrate",
                    buffer: this.bufferOnly(buffer),
                    to,
                    span: this.spFrom(kw),
                  } satisfies ScenarioStep);
            },
          },
          {
            ALT: () => {
              const kw = this.CONSUME(T.Unmap);
              const source = this.SUBRULE2(this.memoryRef);
              this.CONSUME(T.From);
              const target = this.SUBRULE(this.targetRef);
              return this.RECORDING_PHASE
                ? (undefined as never)
                : ({
                    kind: "unmap",
                    source,
                    target,
                    span: this.spFrom(kw),
                  } satisfies ScenarioStep);
            },
          },
          {
            ALT: () => {
              const kw = this.CONSUME(T.Revoke);
              const region = this.SUBRULE2(this.ident);
              let dummy: MemoryRef | undefined;
              this.OPTION(() => {
                this.CONSUME(T.Dummy);
                dummy = this.SUBRULE3(this.memoryRef);
              });
              if (this.RECORDING_PHASE) return undefined as never;
              {
                const step: ScenarioStep = { kind: "revoke", region, span: this.spFrom(kw) };
                if (dummy) step.dummy = this.bufferOnly(dummy);
                return step;
              }
            },
          },
          {
            ALT: () => {
              const kw = this.OR2([
                { ALT: () => this.CONSUME(T.Register) },
                { ALT: () => this.CONSUME(T.Unregister) },
              ]);
              const container = this.SUBRULE3(this.ident);
              const source = this.SUBRULE4(this.memoryRef);
              return this.RECORDING_PHASE
                ? (undefined as never)
                : ({
                    kind: kw.image as "register" | "unregister",
                    container,
                    source,
                    span: this.spFrom(kw),
                  } satisfies ScenarioStep);
            },
          },
          {
            ALT: () => {
              const kw = this.CONSUME(T.Attach);
              const device = this.SUBRULE4(this.ident);
              this.CONSUME2(T.To);
              const domain = this.SUBRULE5(this.ident);
              return this.RECORDING_PHASE
                ? (undefined as never)
                : ({
                    kind: "attach",
                    device,
                    domain,
                    span: this.spFrom(kw),
                  } satisfies ScenarioStep);
            },
          },
          {
            ALT: () => {
              const kw = this.CONSUME(T.Detach);
              const device = this.SUBRULE6(this.ident);
              return this.RECORDING_PHASE
                ? (undefined as never)
                : ({
                    kind: "detach",
                    device,
                    span: this.spFrom(kw),
                  } satisfies ScenarioStep);
            },
          },
          {
            ALT: () => {
              const kw = this.CONSUME(T.PowerOff);
              const region = this.SUBRULE7(this.ident);
              return this.RECORDING_PHASE
                ? (undefined as never)
                : ({
                    kind: "power-off",
                    region,
                    span: this.spFrom(kw),
                  } satisfies ScenarioStep);
            },
          },
          {
            ALT: () => {
              const kw = this.CONSUME(T.Restore);
              const region = this.SUBRULE8(this.ident);
              return this.RECORDING_PHASE
                ? (undefined as never)
                : ({
                    kind: "restore",
                    region,
                    span: this.spFrom(kw),
                  } satisfies ScenarioStep);
            },
          },
        ],
        ERR_MSG:
          "a scenario step (map, expect, migrate, unmap, revoke, restore, register, unregister, attach, detach or power-off)",
      }),
    ITEM_RESYNC,
  );

  /** Where only a buffer makes sense (migrate, dummy), a slice is reported and its name kept. */
  private bufferOnly(ref: MemoryRef): BufferRef {
    if (ref.kind === "buffer-ref") return ref;
    this.report(SYNTAX_ERROR, "expected a buffer here, not a slice", ref.span);
    return { kind: "buffer-ref", name: ref.target, span: ref.span };
  }

  // -------------------------------------------------------------------------------------------
  // References

  ident = this.RULE(
    "ident",
    (): Identifier => {
      const t = this.CONSUME(T.Name);
      return this.RECORDING_PHASE ? (undefined as never) : { name: t.image, span: this.sp(t) };
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
        const span = spanToToken(this.lines, name.span, this.LA(0));
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
        const ref: TargetRef = { name, span: spanToToken(this.lines, name.span, this.LA(0)) };
        if (member) ref.member = member;
        return ref;
      }
    },
    NO_RESYNC,
  );

  // -------------------------------------------------------------------------------------------
  // Expressions

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
            {
              ALT: () => {
                const name = this.SUBRULE(this.ident);
                let index: Expr | undefined;
                this.OPTION(() => {
                  this.CONSUME(T.LBracket);
                  index = this.SUBRULE(this.expr);
                  this.CONSUME(T.RBracket);
                });
                if (this.RECORDING_PHASE) return undefined as never;
                {
                  const ref: Expr = {
                    kind: "name",
                    name: name.name,
                    span: spanToToken(this.lines, name.span, this.LA(0)),
                  };
                  if (index) ref.index = index;
                  return ref;
                }
              },
            },
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

  private numberLiteral(t: IToken): Expr {
    const span = this.sp(t);
    const parsed = parseNumber(t.image);
    if (!parsed.ok) {
      this.report(
        parsed.reason === "overflow" ? NUMBER_OVERFLOW : MALFORMED_NUMBER,
        parsed.message,
        span,
      );
      return { kind: "number", value: 0n, text: t.image, span };
    }
    return { kind: "number", value: parsed.value, text: t.image, span };
  }
}

const DOMAIN_TYPES: ReadonlySet<string> = new Set(["dma", "identity", "blocked", "unmanaged"]);

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

/** The text of a string literal (quotes removed, `\"` and `\\` unescaped). */
function stringValue(image: string): string {
  const closed = image.length >= 2 && image.endsWith('"') && !image.endsWith('\\"');
  const body = image.slice(1, closed ? -1 : undefined);
  return body.includes("\\") ? body.replace(/\\(.)/g, "$1") : body;
}

/** The shared parser instance (building one runs Chevrotain's grammar analysis). */
export const parser = new VcmParser();
