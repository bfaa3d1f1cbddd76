/**
 * Builder for `scenario` blocks: each step resolved against the topology. Scenario names are a
 * namespace of their own. What a step does to the system's state is replayed later (checks and
 * runtime), not here.
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { IrMemory, IrScenario, IrScenarioStep } from "../ir/types.js";
import type { Identifier, ScenarioDecl, ScenarioStep } from "../syntax/ast.js";
import { sharedTableMismatch } from "../ir/table-sharing.js";
import type { ResolveContext } from "./context.js";
import { buildExpect } from "./expects.js";
import type { MappingBuilder } from "./mappings.js";
import { memoryRef, objectRef } from "./memory-refs.js";
import { resolveTarget } from "./targets.js";

type Step<K extends ScenarioStep["kind"]> = Extract<ScenarioStep, { kind: K }>;

export class ScenarioBuilder {
  constructor(
    private readonly ctx: ResolveContext,
    private readonly mappings: MappingBuilder,
  ) {}

  /** Every scenario, in order, into `ir.scenarios`; a second use of a name is reported. */
  buildAll(scenarios: readonly ScenarioDecl[]): void {
    const seen = new Map<string, ScenarioDecl>();
    for (const s of scenarios) {
      const prev = seen.get(s.name.name);
      if (prev) this.ctx.names.duplicate(s.name, prev.name.span);
      else seen.set(s.name.name, s);
      this.ctx.ir.scenarios.push(this.build(s));
    }
  }

  private build(s: ScenarioDecl): IrScenario {
    const steps: IrScenarioStep[] = [];
    for (const step of s.steps) this.step(s, step, steps);
    return { name: s.name.name, steps, span: s.span };
  }

  private step(s: ScenarioDecl, step: ScenarioStep, steps: IrScenarioStep[]): void {
    const { ctx } = this;
    switch (step.kind) {
      case "map":
        for (const m of this.mappings.build(step, s.name.name))
          steps.push({ kind: "map", mapping: m, span: step.span });
        break;
      case "expect": {
        const e = buildExpect(ctx, step);
        if (e) steps.push({ kind: "expect", expect: e, span: step.span });
        break;
      }
      case "unmap":
        return this.unmap(step, steps);
      case "migrate":
        return this.migrate(step, steps);
      case "revoke":
        return this.revoke(step, steps);
      case "register":
      case "unregister":
        return this.registration(step, steps);
      case "attach": {
        const dev = ctx.names.bind(step.device, ["endpoint"]);
        const dom = ctx.names.bind(step.domain, ["domain"]);
        if (dev && dom && this.attachable(step.device, step.domain))
          steps.push({
            kind: "attach",
            device: step.device.name,
            domain: step.domain.name,
            span: step.span,
          });
        break;
      }
      case "detach":
        if (ctx.names.bind(step.device, ["endpoint"]) && this.attachable(step.device))
          steps.push({ kind: "detach", device: step.device.name, span: step.span });
        break;
      case "power-off":
        if (ctx.names.bind(step.region, ["memory"]))
          steps.push({ kind: "power-off", memory: step.region.name, span: step.span });
        break;
      case "restore":
        if (this.revocable(step.region, "restore"))
          steps.push({ kind: "restore", memory: step.region.name, span: step.span });
        break;
    }
  }

  private unmap(step: Step<"unmap">, steps: IrScenarioStep[]): void {
    const object = objectRef(this.ctx, step.source);
    const target = resolveTarget(this.ctx, step.target);
    if (object && target)
      steps.push({
        kind: "unmap",
        object,
        target: {
          kind: target.kind,
          name: target.name,
          ...(target.reservation ? { reservation: target.reservation.name } : {}),
        },
        span: step.span,
      });
  }

  private migrate(step: Step<"migrate">, steps: IrScenarioStep[]): void {
    const pieces = memoryRef(this.ctx, step.buffer);
    const to = this.ctx.names.bind(step.to, ["memory"]);
    if (!pieces || !to) return;
    const buffers = pieces.flatMap((p) => (p.buffer ? [p.buffer] : []));
    if (buffers.length === 0) {
      this.ctx.report(diagnostic(D.wrongKind.messages.migrate, step.buffer.span));
      return;
    }
    steps.push({ kind: "migrate", buffers, to: step.to.name, span: step.span });
  }

  private revoke(step: Step<"revoke">, steps: IrScenarioStep[]): void {
    const region = this.revocable(step.region, "revoke");
    let dummy: string | undefined;
    if (step.dummy) {
      const pieces = memoryRef(this.ctx, step.dummy);
      if (!pieces) return;
      dummy = pieces[0]?.buffer;
    }
    if (region)
      steps.push({
        kind: "revoke",
        memory: step.region.name,
        ...(dummy ? { dummy } : {}),
        span: step.span,
      });
  }

  private registration(step: Step<"register" | "unregister">, steps: IrScenarioStep[]): void {
    const c = this.ctx.names.bind(step.container, ["container"]);
    const object = objectRef(this.ctx, step.source);
    if (!c || !object) return;
    for (const ch of object.chunks)
      steps.push({
        kind: step.kind,
        container: step.container.name,
        range: { base: ch.pa, size: ch.size, space: "pa" },
        span: step.span,
      });
  }

  /**
   * A scenario's `attach DEVICE to DOMAIN` / `detach DEVICE`: as `__iommu_attach_group`, a domain
   * attaches only devices of its own IOMMU (EINVAL otherwise).
   */
  private attachable(device: Identifier, domain?: Identifier): boolean {
    const { ctx } = this;
    const ep = ctx.symbols.endpoints.get(device.name);
    if (!ep) return false;
    if (ep.kind !== "device" || !ep.mapper) {
      ctx.report(
        ep.kind === "device"
          ? diagnostic(D.attachIncompatible.messages.noIommu, device.span, { name: ep.name })
          : diagnostic(D.attachIncompatible, device.span, { name: ep.name, kind: ep.kind }),
      );
      return false;
    }
    const d = domain ? ctx.symbols.domains.get(domain.name) : undefined;
    if (d && d.mapper && d.mapper !== ep.mapper) {
      // Another instance may join a domain whose table it can walk (see `DomainBuilder`).
      const owner = ctx.symbols.mappers.get(d.mapper)?.ir;
      const other = ctx.symbols.mappers.get(ep.mapper)?.ir;
      const why = owner && other ? sharedTableMismatch(owner, other) : "";
      if (why === undefined) return true;
      const args = { domain: d.name, mapper: d.mapper, device: ep.name, other: ep.mapper };
      const details = { related: [{ span: d.span, message: `'${d.name}' is declared here` }] };
      ctx.report(
        why
          ? diagnostic(
              D.attachIncompatible.messages.otherTable,
              domain!.span,
              { ...args, why },
              details,
            )
          : diagnostic(D.attachIncompatible.messages.otherIommu, domain!.span, args, details),
      );
      return false;
    }
    return true;
  }

  /**
   * The region a `revoke` or `restore` names: only an exporter's mmio is revoked (a dma-buf
   * exporter such as vfio-pci revokes its BAR; RAM moves by `migrate` instead).
   */
  private revocable(name: Identifier, verb: string): IrMemory | undefined {
    const { ctx } = this;
    if (!ctx.names.bind(name, ["memory"])) return undefined;
    const m = ctx.symbols.memories.get(name.name);
    if (!m) return undefined;
    if (m.kind !== "mmio")
      return ctx.report(
        diagnostic(
          D.revokeNotMmio,
          name.span,
          { name: m.name, kind: m.kind, verb: verb === "revoke" ? "revoked" : "restored" },
          m.kind === "ram"
            ? { hint: "RAM moves with `migrate`; `power-off` checks nothing maps it" }
            : {},
        ),
      );
    return m;
  }
}
