/**
 * Builder for `domain` blocks: type, aperture, reserved / MSI / unity ranges and the devices it
 * attaches (devices behind another IOMMU instance only where that instance can walk the table).
 * Records which domains attach each device for the passes after it.
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { Span } from "../diagnostics/span.js";
import type { IrDomain, IrEndpoint } from "../ir/types.js";
import type { DomainDecl, DomainItem, Identifier } from "../syntax/ast.js";
import { sharedTableMismatch } from "../ir/table-sharing.js";
import type { ResolveContext } from "./context.js";
import { applyStages } from "./domain-stages.js";
import { defaultAperture, mapperReserved } from "./mappers.js";

const MAPPER = ["mapper"] as const;

export class DomainBuilder {
  /** Device name -> where a domain's `attach` names it first. */
  readonly attachSpans = new Map<string, Span>();

  constructor(private readonly ctx: ResolveContext) {}

  build(s: DomainDecl): void {
    const { ctx } = this;
    if (ctx.names.isShadowed(s)) return;
    const mapperOk = ctx.names.bind(s.mapper, MAPPER) !== undefined;
    const info = ctx.symbols.mappers.get(s.mapper.name);
    const d: IrDomain = {
      name: s.name.name,
      mapper: mapperOk ? s.mapper.name : "",
      type: "dma",
      aperture: defaultAperture(info),
      reserved: [],
      attached: [],
      implicit: false,
      span: s.span,
    };
    for (const item of s.items) {
      switch (item.kind) {
        case "type":
          d.type = item.type;
          break;
        case "aperture":
          this.aperture(d, item);
          break;
        case "reserve":
          this.reserve(d, item);
          break;
        case "attach":
          for (const dev of item.devices) this.attach(d, dev, mapperOk);
          break;
      }
    }
    applyStages(ctx, s, d);
    for (const r of mapperReserved(info)) d.reserved.push(r);
    ctx.symbols.domains.set(d.name, d);
    ctx.ir.domains.push(d);
  }

  private aperture(d: IrDomain, item: Extract<DomainItem, { kind: "aperture" }>): void {
    const r = this.ctx.evaluator.range(item.range);
    if (!r) return;
    if (r.pa)
      this.ctx.report(diagnostic(D.addressSpaceMismatch.messages.aperture, item.range.span));
    else d.aperture = { base: r.base, size: r.size, space: "iova" };
  }

  private reserve(d: IrDomain, item: Extract<DomainItem, { kind: "reserve" }>): void {
    const r = this.ctx.evaluator.range(item.range);
    if (!r) return;
    // A unity range maps iova == pa, so a physical address is what it means.
    if (r.pa && item.reserveKind !== "unity")
      this.ctx.report(
        diagnostic(D.addressSpaceMismatch.messages.reserveRange, item.range.span, {
          kind: item.reserveKind,
        }),
      );
    else
      d.reserved.push({
        kind: item.reserveKind,
        range: { base: r.base, size: r.size, space: "iova" },
        origin: "domain",
        span: item.span,
      });
  }

  private attach(d: IrDomain, dev: Identifier, mapperOk: boolean): void {
    const { ctx } = this;
    const decl = ctx.names.bind(dev, ["endpoint"]);
    if (!decl) return;
    const ep = ctx.symbols.endpoints.get(dev.name);
    if (!ep) return;
    if (ep.kind !== "device") {
      ctx.report(
        diagnostic(D.wrongKind.messages.notDevice, dev.span, { name: dev.name, kind: ep.kind }),
      );
      return;
    }
    if (mapperOk && ep.mapper !== d.mapper && !this.sharesTable(d, ep, dev)) return;
    // A list's first entry makes it at its size: one grown by `push` keeps room for 17.
    if (d.attached.length === 0) d.attached = [dev.name];
    else d.attached.push(dev.name);
    const list = ctx.symbols.deviceDomains.get(dev.name);
    if (list) list.push(d.name);
    else {
      ctx.symbols.deviceDomains.set(dev.name, [d.name]);
      this.attachSpans.set(dev.name, dev.span);
    }
  }

  /**
   * A device behind another IOMMU instance may join a domain whose table that instance can walk
   * (same format and table parameters); otherwise the attach is refused, as Linux does (EINVAL).
   */
  private sharesTable(d: IrDomain, ep: IrEndpoint, dev: Identifier): boolean {
    const { ctx } = this;
    const owner = ctx.symbols.mappers.get(d.mapper)?.ir;
    const other = ep.mapper ? ctx.symbols.mappers.get(ep.mapper)?.ir : undefined;
    if (!ep.mapper || !owner || !other || other.role !== "iommu") {
      ctx.report(
        ep.mapper
          ? diagnostic(D.wrongKind.messages.behindOther, dev.span, {
              name: dev.name,
              mapper: d.mapper,
              other: ep.mapper,
            })
          : diagnostic(D.wrongKind.messages.notBehind, dev.span, {
              name: dev.name,
              mapper: d.mapper,
            }),
      );
      return false;
    }
    const why = sharedTableMismatch(owner, other);
    if (why === undefined) return true;
    ctx.report(
      diagnostic(
        D.domainInstanceMismatch,
        dev.span,
        { device: dev.name, mapper: ep.mapper, domain: d.name, owner: d.mapper, why },
        { related: [{ span: other.span, message: `'${other.name}' is declared here` }] },
      ),
    );
    return false;
  }
}
