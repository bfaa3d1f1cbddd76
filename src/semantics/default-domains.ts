/**
 * The pass after the explicit domains: IOMMU groups and their default domains (see `groups.ts`).
 * A group with no member attached gets its own default domain; a group one member of which a
 * domain attaches joins that domain whole. A default domain is also made for a group a scenario
 * `detach`es, to return to. Groups in a container, and devices behind a TCE IOMMU, get none.
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { Span } from "../diagnostics/span.js";
import type { IrDomain, IrEndpoint } from "../ir/types.js";
import type { ScenarioDecl } from "../syntax/ast.js";
import type { ResolveContext } from "./context.js";
import { defaultDomainName, groupText, iommuGroups } from "./groups.js";
import { defaultAperture, mapperReserved } from "./mappers.js";

export function buildDefaultDomains(
  ctx: ResolveContext,
  scenarios: readonly ScenarioDecl[],
  attachSpans: ReadonlyMap<string, Span>,
): void {
  const { deviceDomains } = ctx.symbols;
  const detached = new Set<string>();
  for (const s of scenarios)
    for (const step of s.steps) if (step.kind === "detach") detached.add(step.device.name);
  const inContainer = new Set<string>();
  for (const c of ctx.symbols.containers.values())
    for (const g of c.groups) inContainer.add(`${c.mapper}\u0000${g}`);
  for (const members of iommuGroups(ctx.symbols.endpoints.values())) {
    const first = members[0]!;
    if (first.group !== undefined && inContainer.has(`${first.mapper}\u0000${first.group}`))
      continue;
    const carrier = members.find((ep) => deviceDomains.has(ep.name));
    // A TCE IOMMU has no default domain: its devices translate only through windows.
    if (!carrier && members.filter((ep) => tceDeviceWithoutContainer(ctx, ep)).length > 0) continue;
    let def: string | undefined;
    if (!carrier || members.some((ep) => detached.has(ep.name))) {
      def = defaultDomainOf(ctx, first);
      if (def === undefined) continue;
      for (const ep of members) ep.defaultDomain = def;
    }
    const target = carrier ? deviceDomains.get(carrier.name)![0]! : def!;
    const joining = members.filter((ep) => !deviceDomains.has(ep.name));
    for (const ep of joining) {
      ctx.symbols.domains.get(target)!.attached.push(ep.name);
      deviceDomains.set(ep.name, [target]);
    }
    if (carrier && joining.length > 0) {
      const args = {
        device: carrier.name,
        group: groupText(carrier),
        members: joining.map((e) => `'${e.name}'`).join(", "),
        domain: target,
      };
      const span = attachSpans.get(carrier.name) ?? carrier.span;
      ctx.report(
        joining.length === 1
          ? diagnostic(D.groupAttachedWhole.messages.one, span, args)
          : diagnostic(D.groupAttachedWhole, span, args),
      );
    }
  }
}

/**
 * A device behind a TCE IOMMU translates only through DMA windows, which a container (or an
 * explicit domain) provides: there is no default domain to give it. Reported, not guessed.
 */
function tceDeviceWithoutContainer(ctx: ResolveContext, ep: IrEndpoint): boolean {
  const info = ep.mapper ? ctx.symbols.mappers.get(ep.mapper) : undefined;
  if (!info?.caps?.windows) return false;
  const details = {
    hint: `put its group in a container (\`container c on ${info.ir.name} : spapr-v2 { groups ${ep.group ?? "N"} ... }\`) or attach it to a domain`,
  };
  const args = { name: ep.name, iommu: info.ir.name };
  ctx.report(
    ep.group !== undefined
      ? diagnostic(D.tceDeviceWithoutContainer, ep.span, { ...args, group: ep.group }, details)
      : diagnostic(D.tceDeviceWithoutContainer.messages.noGroup, ep.span, args, details),
  );
  return true;
}

/** The default domain of `ep`'s group, created on first use. */
function defaultDomainOf(ctx: ResolveContext, ep: IrEndpoint): string | undefined {
  const info = ctx.symbols.mappers.get(ep.mapper!);
  if (!info) return undefined;
  const name = defaultDomainName(ep);
  if (!ctx.symbols.domains.has(name)) {
    const d: IrDomain = {
      name,
      mapper: ep.mapper!,
      type: "dma",
      aperture: defaultAperture(info),
      reserved: mapperReserved(info),
      attached: [],
      implicit: true,
      span: info.ir.span,
    };
    ctx.symbols.domains.set(name, d);
    ctx.ir.domains.push(d);
  }
  return name;
}
