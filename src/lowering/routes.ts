/**
 * Route building: how each endpoint reaches memory, from the IR alone (which domain or container
 * a device is in, which table a cpu walks) plus the names of the tables the lowering built.
 */
import type { IrContainer, IrDomain, IrEndpoint, IrTopology } from "../ir/types.js";
import type { EndpointRoute } from "./compiled.js";

/** The domain an IOMMU-attached device is in: the one listing it, else its group's default. */
export function domainOf(
  ir: IrTopology,
  domainsByName: ReadonlyMap<string, IrDomain>,
  ep: IrEndpoint,
): IrDomain | undefined {
  const listed = ir.domains.find((d) => d.attached.includes(ep.name));
  if (listed) return listed;
  return ep.defaultDomain ? domainsByName.get(ep.defaultDomain) : undefined;
}

/** The sPAPR container holding the device's group, if any. */
export function containerOf(ir: IrTopology, ep: IrEndpoint): IrContainer | undefined {
  if (ep.group === undefined) return undefined;
  return ir.containers.find((c) => c.mapper === ep.mapper && c.groups.includes(ep.group!));
}

/** The route of a device in `domain` (or in none). */
export function routeTo(
  ep: IrEndpoint,
  mapper: string,
  domain: IrDomain | undefined,
): EndpointRoute {
  if (!domain) return { endpoint: ep.name, kind: "unattached", mapper };
  if (domain.type === "identity")
    return {
      endpoint: ep.name,
      kind: "identity",
      mapper,
      domain: domain.name,
      aperture: { base: domain.aperture.base, size: domain.aperture.size },
    };
  if (domain.type === "blocked")
    return { endpoint: ep.name, kind: "blocked", mapper, domain: domain.name };
  return {
    endpoint: ep.name,
    kind: "iommu",
    mapper,
    ...(ep.stream !== undefined ? { stream: ep.stream } : {}),
    domain: domain.name,
    table: domain.name,
  };
}

/**
 * Every endpoint's route. `upperTableOf(domain)` names the table of a cpu context's upper half
 * when it has a root of its own.
 */
export function buildRoutes(
  ir: IrTopology,
  domainsByName: ReadonlyMap<string, IrDomain>,
  upperTableOf: (domain: string) => string | undefined,
): EndpointRoute[] {
  const routes: EndpointRoute[] = [];
  for (const ep of ir.endpoints) {
    if (ep.mapper === undefined) {
      routes.push({
        endpoint: ep.name,
        kind: "direct",
        busOffset: ep.busOffset,
        dmaMaskBits: ep.dmaMaskBits,
      });
      continue;
    }
    const mapper = ep.mapper;
    if (ep.kind === "cpu") {
      const table = ep.domain ?? ep.name;
      const upper = upperTableOf(table);
      routes.push({ endpoint: ep.name, kind: "table", mapper, table, ...(upper ? { upper } : {}) });
      continue;
    }
    const container = containerOf(ir, ep);
    if (container) {
      routes.push({
        endpoint: ep.name,
        kind: "windows",
        mapper,
        container: container.name,
        tables: container.windows.map((w) => w.qualifiedName),
      });
      continue;
    }
    routes.push(routeTo(ep, mapper, domainOf(ir, domainsByName, ep)));
  }
  return routes;
}
