/**
 * Route building: how each endpoint reaches memory, from the IR alone (which domain or container
 * a device is in, which table a cpu walks) plus the names of the tables the lowering built.
 */
import type { IrContainer, IrDomain, IrEndpoint, IrTopology } from "../ir/types.js";
import type { EndpointRoute } from "./compiled.js";

/**
 * Which domain lists each device in its `attach`, and which sPAPR container holds each group:
 * found once for all endpoints (a scan of every domain per endpoint was n^2 for n devices).
 */
export class Attachments {
  private readonly listed = new Map<string, IrDomain>();
  private readonly containers = new Map<string, IrContainer>();

  constructor(
    ir: IrTopology,
    private readonly domainsByName: ReadonlyMap<string, IrDomain>,
  ) {
    // The first domain (or container) in declaration order wins, as a search would find it.
    for (const d of ir.domains)
      for (const name of d.attached) if (!this.listed.has(name)) this.listed.set(name, d);
    for (const c of ir.containers)
      for (const g of c.groups) {
        const key = groupKey(c.mapper, g);
        if (!this.containers.has(key)) this.containers.set(key, c);
      }
  }

  /** The domain an IOMMU-attached device is in: the one listing it, else its group's default. */
  domainOf(ep: IrEndpoint): IrDomain | undefined {
    const listed = this.listed.get(ep.name);
    if (listed) return listed;
    return ep.defaultDomain ? this.domainsByName.get(ep.defaultDomain) : undefined;
  }

  /** The sPAPR container holding the device's group, if any. */
  containerOf(ep: IrEndpoint): IrContainer | undefined {
    if (ep.group === undefined || ep.mapper === undefined) return undefined;
    return this.containers.get(groupKey(ep.mapper, ep.group));
  }
}

const groupKey = (mapper: string, group: bigint) => `${mapper}\0${group}`;

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
  attachments: Attachments,
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
    const container = attachments.containerOf(ep);
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
    routes.push(routeTo(ep, mapper, attachments.domainOf(ep)));
  }
  return routes;
}
