/**
 * Rules for the statements that declare the system: `topology`, `import`, `use`, `const`,
 * `memory`, `pool`, `mmu` / `iommu` (with their parameter blocks) and `cpu` / `device` / `dma`.
 */
import type { IOrAlt, IToken } from "chevrotain";
import type {
  ConstDecl,
  EndpointDecl,
  EndpointKind,
  Expr,
  Identifier,
  ImportDecl,
  MapperDecl,
  MemoryDecl,
  MemoryKind,
  MemoryRef,
  ParamEntry,
  ParamValue,
  PoolDecl,
  RangeExpr,
  TopologyDecl,
  UseDecl,
} from "./ast.js";
import type { Span } from "../diagnostics/span.js";
import { D, diagnostic } from "../diagnostics/catalogue.js";
import { ITEM_RESYNC, NO_RESYNC, ParserBase } from "./parser-base.js";
import { spanToToken } from "./spans.js";
import * as T from "./tokens.js";

/** The optional clauses of a memory region, gathered before the declaration is built. */
interface MemoryClauses {
  owner?: Identifier;
  pinnable?: Span;
  secure?: Span;
  guest?: Identifier;
  backing?: MemoryRef;
}

export abstract class SystemRules extends ParserBase {
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
      const clauses: MemoryClauses = {};
      const seen: string[] = [];
      this.MANY(() => this.memoryClause(clauses, seen));
      if (this.RECORDING_PHASE) return undefined as never;
      const decl: MemoryDecl = {
        kind: "memory",
        name,
        range,
        memoryKind: kind.image as MemoryKind,
        span: this.spFrom(kw),
      };
      if (clauses.owner) decl.owner = clauses.owner;
      if (clauses.pinnable) decl.pinnable = clauses.pinnable;
      if (clauses.secure) decl.secureSpan = clauses.secure;
      if (clauses.guest) decl.guest = clauses.guest;
      if (clauses.backing) decl.backing = clauses.backing;
      return decl;
    },
    NO_RESYNC,
  );

  /** One clause of a memory region (owner, pinnable, secure, guest, backed), each at most once. */
  private memoryClause(clauses: MemoryClauses, seen: string[]): void {
    this.OR2([
      {
        ALT: () => {
          const c = this.CONSUME(T.Owner);
          const o = this.SUBRULE2(this.ident);
          if (!this.RECORDING_PHASE) {
            this.once(seen, c, "a memory region");
            clauses.owner = o;
          }
        },
      },
      {
        ALT: () => {
          const c = this.CONSUME(T.Pinnable);
          if (!this.RECORDING_PHASE) {
            this.once(seen, c, "a memory region");
            clauses.pinnable = this.sp(c);
          }
        },
      },
      {
        ALT: () => {
          const c = this.CONSUME(T.Secure);
          if (!this.RECORDING_PHASE) {
            this.once(seen, c, "a memory region");
            clauses.secure = this.sp(c);
          }
        },
      },
      {
        ALT: () => {
          const c = this.CONSUME(T.Guest);
          const g = this.SUBRULE3(this.ident);
          if (!this.RECORDING_PHASE) {
            this.once(seen, c, "a memory region");
            clauses.guest = g;
          }
        },
      },
      {
        ALT: () => {
          const c = this.CONSUME(T.Backed);
          const b = this.SUBRULE(this.memoryRef);
          if (!this.RECORDING_PHASE) {
            this.once(seen, c, "a memory region");
            clauses.backing = b;
          }
        },
      },
    ]);
  }

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

  /** The clauses of an endpoint, in any order; each returns its value (see `clauseKeyword`). */
  private endpointClauses?: IOrAlt<Identifier | Expr>[];

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
      const seen: string[] = [];
      this.MANY(() => {
        const c = this.clauseKeyword();
        const value = this.OR2(
          (this.endpointClauses ??= [
            {
              ALT: () => {
                this.OR3([
                  { ALT: () => this.CONSUME(T.Via) },
                  { ALT: () => this.CONSUME(T.Behind) },
                ]);
                return this.SUBRULE2(this.ident);
              },
            },
            {
              ALT: () => {
                this.CONSUME(T.Stream);
                return this.SUBRULE(this.expr);
              },
            },
            {
              ALT: () => {
                this.CONSUME(T.Group);
                return this.SUBRULE2(this.expr);
              },
            },
            {
              ALT: () => {
                this.CONSUME(T.DmaMask);
                return this.SUBRULE3(this.expr);
              },
            },
            {
              ALT: () => {
                this.CONSUME(T.Offset);
                return this.SUBRULE4(this.expr);
              },
            },
          ]),
        );
        if (!this.RECORDING_PHASE) this.endpointClause(decl, seen, c, value);
      });
      if (this.RECORDING_PHASE) return undefined as never;
      {
        decl.span = this.spFrom(kw);
        return decl;
      }
    },
    NO_RESYNC,
  );

  private endpointClause(
    decl: EndpointDecl,
    seen: string[],
    c: IToken,
    value: Identifier | Expr,
  ): void {
    this.once(seen, c, "an endpoint");
    switch (c.tokenType) {
      case T.Via:
      case T.Behind: {
        const want = decl.endpointKind === "cpu" ? "via" : "behind";
        if (c.image !== want) {
          this.report(
            diagnostic(D.syntaxError.messages.mapperWord, this.sp(c), {
              kind: decl.endpointKind,
              want,
              got: c.image,
            }),
          );
        }
        decl.mapper = value as Identifier;
        break;
      }
      case T.Stream:
        decl.stream = value as Expr;
        break;
      case T.Group:
        decl.group = value as Expr;
        break;
      case T.DmaMask:
        decl.dmaMask = value as Expr;
        break;
      case T.Offset:
        decl.offset = value as Expr;
        break;
    }
  }
}

/** The text of a string literal (quotes removed, `\"` and `\\` unescaped). */
function stringValue(image: string): string {
  const closed = image.length >= 2 && image.endsWith('"') && !image.endsWith('\\"');
  const body = image.slice(1, closed ? -1 : undefined);
  return body.includes("\\") ? body.replace(/\\(.)/g, "$1") : body;
}
