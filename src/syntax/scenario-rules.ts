/**
 * Rules for the statements about use rather than layout: sPAPR `container` blocks (with their
 * windows), `expect` lines, and `scenario` blocks with their steps.
 */
import type { IToken, OrMethodOpts } from "chevrotain";
import type {
  BufferRef,
  ContainerDecl,
  ContainerItem,
  ExpectDecl,
  ExpectVerb,
  Expr,
  Identifier,
  MemoryRef,
  ScenarioDecl,
  ScenarioStep,
} from "./ast.js";
import { D, diagnostic } from "../diagnostics/catalogue.js";
import { MappingRules } from "./mapping-rules.js";
import { ITEM_RESYNC, NO_RESYNC } from "./parser-base.js";
import * as T from "./tokens.js";

type WindowClause = "at" | "size" | "page" | "levels";

export abstract class ScenarioRules extends MappingRules {
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
      const got: Partial<Record<WindowClause, Expr>> = {};
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
          got[c.image as WindowClause] = e;
        }
      });
      if (this.RECORDING_PHASE) return undefined as never;
      {
        const span = this.spFrom(kw);
        const missing = (["size", "page"] as const).filter((k) => got[k] === undefined);
        if (missing.length > 0) {
          this.report(
            diagnostic(D.syntaxError.messages.windowNeeds, span, {
              name: name.name,
              missing: missing.map((m) => `'${m}'`).join(", "),
            }),
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
        { ALT: () => this.expectAccess(kw, endpoint) },
        { ALT: () => this.expectNoAccess(kw, endpoint) },
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

  /** `expect EP reads|writes|executes REF`. */
  private expectAccess(kw: IToken, endpoint: Identifier): ExpectDecl {
    const v = this.OR2([
      { ALT: () => this.CONSUME(T.Reads) },
      { ALT: () => this.CONSUME(T.Writes) },
      { ALT: () => this.CONSUME(T.Executes) },
    ]);
    const object = this.SUBRULE(this.memoryRef);
    return this.RECORDING_PHASE
      ? (undefined as never)
      : {
          kind: "expect",
          endpoint,
          expectation: "access",
          negated: false,
          verb: v.image as ExpectVerb,
          object,
          span: this.spFrom(kw),
        };
  }

  /** `expect EP cannot read|write|execute REF`. */
  private expectNoAccess(kw: IToken, endpoint: Identifier): ExpectDecl {
    this.CONSUME(T.Cannot);
    const v = this.OR3([
      { ALT: () => this.CONSUME(T.Read) },
      { ALT: () => this.CONSUME(T.Write) },
      { ALT: () => this.CONSUME(T.Execute) },
    ]);
    const object = this.SUBRULE2(this.memoryRef);
    return this.RECORDING_PHASE
      ? (undefined as never)
      : {
          kind: "expect",
          endpoint,
          expectation: "access",
          negated: true,
          verb: (v.image + "s") as ExpectVerb,
          object,
          span: this.spFrom(kw),
        };
  }

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

  /** Built once, as the statement alternatives are. */
  private stepAlts?: OrMethodOpts<ScenarioStep>;

  scenarioStep = this.RULE(
    "scenarioStep",
    (): ScenarioStep | undefined =>
      this.OR(
        (this.stepAlts ??= {
          DEF: [
            { ALT: () => this.SUBRULE(this.mapDecl) },
            { ALT: () => this.SUBRULE(this.expectDecl) },
            { ALT: () => this.migrateStep() },
            { ALT: () => this.unmapStep() },
            { ALT: () => this.revokeStep() },
            { ALT: () => this.registerStep() },
            { ALT: () => this.attachStep() },
            { ALT: () => this.detachStep() },
            { ALT: () => this.powerOffStep() },
            { ALT: () => this.restoreStep() },
          ],
          ERR_MSG:
            "a scenario step (map, expect, migrate, unmap, revoke, restore, register, unregister, attach, detach or power-off)",
        }),
      ),
    ITEM_RESYNC,
  );

  private migrateStep(): ScenarioStep {
    const kw = this.CONSUME(T.Migrate);
    const buffer = this.SUBRULE(this.memoryRef);
    this.CONSUME(T.To);
    const to = this.SUBRULE(this.ident);
    return this.RECORDING_PHASE
      ? (undefined as never)
      : { kind: "migrate", buffer: this.bufferOnly(buffer), to, span: this.spFrom(kw) };
  }

  private unmapStep(): ScenarioStep {
    const kw = this.CONSUME(T.Unmap);
    const source = this.SUBRULE2(this.memoryRef);
    this.CONSUME(T.From);
    const target = this.SUBRULE(this.targetRef);
    return this.RECORDING_PHASE
      ? (undefined as never)
      : { kind: "unmap", source, target, span: this.spFrom(kw) };
  }

  private revokeStep(): ScenarioStep {
    const kw = this.CONSUME(T.Revoke);
    const region = this.SUBRULE2(this.ident);
    let dummy: MemoryRef | undefined;
    this.OPTION(() => {
      this.CONSUME(T.Dummy);
      dummy = this.SUBRULE3(this.memoryRef);
    });
    if (this.RECORDING_PHASE) return undefined as never;
    const step: ScenarioStep = { kind: "revoke", region, span: this.spFrom(kw) };
    if (dummy) step.dummy = this.bufferOnly(dummy);
    return step;
  }

  private registerStep(): ScenarioStep {
    const kw = this.OR2([
      { ALT: () => this.CONSUME(T.Register) },
      { ALT: () => this.CONSUME(T.Unregister) },
    ]);
    const container = this.SUBRULE3(this.ident);
    const source = this.SUBRULE4(this.memoryRef);
    return this.RECORDING_PHASE
      ? (undefined as never)
      : {
          kind: kw.image as "register" | "unregister",
          container,
          source,
          span: this.spFrom(kw),
        };
  }

  private attachStep(): ScenarioStep {
    const kw = this.CONSUME(T.Attach);
    const device = this.SUBRULE4(this.ident);
    this.CONSUME2(T.To);
    const domain = this.SUBRULE5(this.ident);
    return this.RECORDING_PHASE
      ? (undefined as never)
      : { kind: "attach", device, domain, span: this.spFrom(kw) };
  }

  private detachStep(): ScenarioStep {
    const kw = this.CONSUME(T.Detach);
    const device = this.SUBRULE6(this.ident);
    return this.RECORDING_PHASE
      ? (undefined as never)
      : { kind: "detach", device, span: this.spFrom(kw) };
  }

  private powerOffStep(): ScenarioStep {
    const kw = this.CONSUME(T.PowerOff);
    const region = this.SUBRULE7(this.ident);
    return this.RECORDING_PHASE
      ? (undefined as never)
      : { kind: "power-off", region, span: this.spFrom(kw) };
  }

  private restoreStep(): ScenarioStep {
    const kw = this.CONSUME(T.Restore);
    const region = this.SUBRULE8(this.ident);
    return this.RECORDING_PHASE
      ? (undefined as never)
      : { kind: "restore", region, span: this.spFrom(kw) };
  }

  /** Where only a buffer makes sense (migrate, dummy), a slice is reported and its name kept. */
  private bufferOnly(ref: MemoryRef): BufferRef {
    if (ref.kind === "buffer-ref") return ref;
    this.report(diagnostic(D.syntaxError.messages.bufferOnly, ref.span));
    return { kind: "buffer-ref", name: ref.target, span: ref.span };
  }
}
