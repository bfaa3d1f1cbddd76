/**
 * Rules for the statements that lay out address spaces and what is mapped into them: `domain`
 * blocks, `buffer`, `map` and `reservation`. Their clauses come in any order, each at most once.
 */
import type { IOrAlt, IToken, OrMethodOpts, TokenType } from "chevrotain";
import type {
  BufferDecl,
  DomainDecl,
  DomainItem,
  DomainType,
  Expr,
  Identifier,
  MapDecl,
  MemoryAttribute,
  Permission,
  ReservationDecl,
  SliceRef,
} from "./ast.js";
import { D, diagnostic } from "../diagnostics/catalogue.js";
import { ITEM_RESYNC, NO_RESYNC } from "./parser-base.js";
import { tokensSpan } from "./spans.js";
import { SystemRules } from "./system-rules.js";
import * as T from "./tokens.js";

const ATTRIBUTES: ReadonlyMap<TokenType, MemoryAttribute> = new Map([
  [T.Cacheable, "cacheable"],
  [T.Noncacheable, "noncacheable"],
  [T.Device, "device"],
  [T.Shareable, "shareable"],
  [T.OuterShareable, "outer-shareable"],
  [T.Nonshareable, "nonshareable"],
  [T.Secure, "secure"],
  [T.Nonsecure, "nonsecure"],
]);

const DOMAIN_TYPES: ReadonlySet<string> = new Set(["dma", "identity", "blocked", "unmanaged"]);

/** No attributes: one frozen array shared by every map that names none. */
const NO_ATTRIBUTES: MemoryAttribute[] = Object.freeze([]) as unknown as MemoryAttribute[];

/**
 * One frozen array per distinct permission list, by the list joined with `,` and, for a word
 * without a repeated letter, by the word: every map line holds one, and a few lists (`r`, `rw`)
 * cover nearly all of them.
 */
const PERMS = new Map<string, Permission[]>();

function sharedPerms(perms: Permission[]): Permission[] {
  const key = perms.join(",");
  let kept = PERMS.get(key);
  if (kept === undefined) {
    kept = Object.freeze(perms.slice()) as Permission[];
    PERMS.set(key, kept);
    if (!perms.includes("priv")) PERMS.set(perms.join(""), kept);
  }
  return kept;
}

export abstract class MappingRules extends SystemRules {
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
        { ALT: () => this.domainTypeItem() },
        { ALT: () => this.apertureItem() },
        { ALT: () => this.reserveItem() },
        { ALT: () => this.attachItem() },
        { ALT: () => this.stageItem() },
        { ALT: () => this.nestedItem() },
        { ALT: () => this.tablesItem() },
      ]),
    ITEM_RESYNC,
  );

  private domainTypeItem(): DomainItem {
    const kw = this.CONSUME(T.Type);
    const t = this.CONSUME(T.Name);
    if (this.RECORDING_PHASE) return undefined as never;
    if (!DOMAIN_TYPES.has(t.image)) {
      this.report(diagnostic(D.syntaxError.messages.domainType, this.sp(t), { found: t.image }));
    }
    return { kind: "type", type: t.image as DomainType, span: this.spFrom(kw) };
  }

  private apertureItem(): DomainItem {
    const kw = this.CONSUME(T.Aperture);
    const range = this.SUBRULE(this.range);
    return this.RECORDING_PHASE
      ? (undefined as never)
      : { kind: "aperture", range, span: this.spFrom(kw) };
  }

  private reserveItem(): DomainItem {
    const kw = this.OR2([
      { ALT: () => this.CONSUME(T.Reserve) },
      { ALT: () => this.CONSUME(T.Msi) },
      { ALT: () => this.CONSUME(T.Unity) },
    ]);
    const range = this.SUBRULE2(this.range);
    return this.RECORDING_PHASE
      ? (undefined as never)
      : {
          kind: "reserve",
          reserveKind: kw.image as "reserve" | "msi" | "unity",
          range,
          span: this.spFrom(kw),
        };
  }

  private attachItem(): DomainItem {
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
      : { kind: "attach", devices, span: this.spFrom(kw) };
  }

  private stageItem(): DomainItem {
    const kw = this.CONSUME(T.Stage);
    const stage = this.SUBRULE(this.expr);
    return this.RECORDING_PHASE
      ? (undefined as never)
      : { kind: "stage", stage, span: this.spFrom(kw) };
  }

  private nestedItem(): DomainItem {
    const kw = this.CONSUME(T.Nested);
    const parent = this.SUBRULE2(this.ident);
    return this.RECORDING_PHASE
      ? (undefined as never)
      : { kind: "nested", parent, span: this.spFrom(kw) };
  }

  private tablesItem(): DomainItem {
    const kw = this.CONSUME(T.Tables);
    const pool = this.SUBRULE3(this.ident);
    return this.RECORDING_PHASE
      ? (undefined as never)
      : { kind: "tables", pool, span: this.spFrom(kw) };
  }

  /** The clauses of a buffer, in any order; each returns its value (see `clauseKeyword`). */
  private bufferClauses?: IOrAlt<Identifier | Expr | SliceRef[]>[];

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
      const seen: string[] = [];
      this.MANY(() => {
        const c = this.clauseKeyword();
        const value = this.OR(
          (this.bufferClauses ??= [
            {
              ALT: () => {
                this.CONSUME(T.In);
                return this.SUBRULE2(this.ident);
              },
            },
            {
              ALT: () => {
                this.CONSUME(T.Size);
                return this.SUBRULE2(this.expr);
              },
            },
            {
              ALT: () => {
                this.CONSUME(T.Align);
                return this.SUBRULE3(this.expr);
              },
            },
            {
              ALT: () => {
                this.CONSUME(T.At);
                return this.SUBRULE4(this.expr);
              },
            },
            { ALT: () => this.chunksClause() },
          ]),
        );
        if (!this.RECORDING_PHASE) this.bufferClause(decl, seen, c, value);
      });
      if (this.RECORDING_PHASE) return undefined as never;
      {
        decl.span = this.spFrom(kw);
        return decl;
      }
    },
    NO_RESYNC,
  );

  /** `chunks [SLICE, ...]`: each chunk must be a slice of a region. */
  private chunksClause(): SliceRef[] {
    this.CONSUME(T.Chunks);
    this.CONSUME2(T.LBracket);
    const chunks: SliceRef[] = [];
    this.AT_LEAST_ONE_SEP({
      SEP: T.Comma,
      DEF: () => {
        const ref = this.SUBRULE(this.memoryRef);
        if (!this.RECORDING_PHASE) {
          if (ref.kind === "slice") chunks.push(ref);
          else {
            this.report(diagnostic(D.syntaxError.messages.chunkSlice, ref.span));
          }
        }
      },
    });
    this.CONSUME2(T.RBracket);
    return chunks;
  }

  private bufferClause(
    decl: BufferDecl,
    seen: string[],
    c: IToken,
    value: Identifier | Expr | SliceRef[],
  ): void {
    this.once(seen, c, "a buffer");
    switch (c.tokenType) {
      case T.In:
        decl.region = value as Identifier;
        break;
      case T.Size:
        decl.size = value as Expr;
        break;
      case T.Align:
        decl.align = value as Expr;
        break;
      case T.At:
        decl.at = value as Expr;
        break;
      case T.Chunks:
        decl.chunks = value as SliceRef[];
        break;
    }
  }

  private mapAtAlts?: OrMethodOpts<Expr | "auto">;

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

  /** The clauses after a map's permissions; `pages` returns its expression, the rest nothing. */
  private mapClauses?: IOrAlt<Expr | undefined>[];

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
            attributes: NO_ATTRIBUTES,
            p2p: false,
            pin: false,
            span: this.sp(kw),
          };
      const seen: string[] = [];
      this.MANY(() => {
        const c = this.clauseKeyword();
        const value = this.OR2(
          (this.mapClauses ??= [
            { ALT: () => void this.CONSUME(T.Priv) },
            {
              ALT: () =>
                void this.OR3([
                  { ALT: () => this.CONSUME(T.Cacheable) },
                  { ALT: () => this.CONSUME(T.Noncacheable) },
                  { ALT: () => this.CONSUME(T.Device) },
                  { ALT: () => this.CONSUME(T.Shareable) },
                  { ALT: () => this.CONSUME(T.OuterShareable) },
                  { ALT: () => this.CONSUME(T.Nonshareable) },
                  { ALT: () => this.CONSUME(T.Secure) },
                  { ALT: () => this.CONSUME(T.Nonsecure) },
                ]),
            },
            { ALT: () => void this.CONSUME(T.P2p) },
            { ALT: () => void this.CONSUME(T.Pin) },
            {
              ALT: () => {
                this.CONSUME(T.Pages);
                return this.SUBRULE2(this.expr);
              },
            },
          ]),
        );
        if (!this.RECORDING_PHASE) this.mapClause(decl, seen, permsTok, c, value);
      });
      if (this.RECORDING_PHASE) return undefined as never;
      {
        decl.span = this.spFrom(kw);
        return decl;
      }
    },
    NO_RESYNC,
  );

  private mapClause(
    decl: MapDecl,
    seen: string[],
    permsTok: IToken,
    c: IToken,
    value: Expr | undefined,
  ): void {
    this.once(seen, c, "a mapping");
    switch (c.tokenType) {
      case T.Priv:
        decl.perms = sharedPerms([...decl.perms, "priv"]);
        decl.permsSpan = tokensSpan(this.lines, permsTok, c);
        break;
      case T.P2p:
        decl.p2p = true;
        break;
      case T.Pin:
        decl.pin = true;
        break;
      case T.Pages:
        decl.pages = value!;
        break;
      default:
        // A fresh array (the empty one is shared); few maps name attributes.
        decl.attributes = [...decl.attributes, ATTRIBUTES.get(c.tokenType)!];
    }
  }

  /** `rw`, `rx`...: letters r, w, x in any order, each at most once. */
  private permissions(t: IToken): Permission[] {
    const known = PERMS.get(t.image);
    if (known !== undefined) return known;
    const perms: Permission[] = [];
    for (const ch of t.image) {
      const p = ch as Permission;
      if (perms.includes(p)) {
        this.report(
          diagnostic(D.syntaxError.messages.permissionTwice, this.sp(t), {
            letter: ch,
            perms: t.image,
          }),
        );
      } else perms.push(p);
    }
    return perms.length === t.image.length ? sharedPerms(perms) : perms;
  }

  /** The clauses of a reservation, in any order; each returns its value. */
  private reservationClauses?: IOrAlt<Expr>[];

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
      const seen: string[] = [];
      this.MANY(() => {
        const c = this.clauseKeyword();
        const value = this.OR(
          (this.reservationClauses ??= [
            {
              ALT: () => {
                this.CONSUME(T.Size);
                return this.SUBRULE(this.expr);
              },
            },
            {
              ALT: () => {
                this.CONSUME(T.Align);
                return this.SUBRULE2(this.expr);
              },
            },
            {
              ALT: () => {
                this.CONSUME(T.At);
                return this.SUBRULE3(this.expr);
              },
            },
          ]),
        );
        if (this.RECORDING_PHASE) return;
        this.once(seen, c, "a reservation");
        if (c.tokenType === T.Size) decl.size = value;
        else if (c.tokenType === T.Align) decl.align = value;
        else decl.at = value;
      });
      if (this.RECORDING_PHASE) return undefined as never;
      {
        decl.span = this.spFrom(kw);
        return decl;
      }
    },
    NO_RESYNC,
  );
}
