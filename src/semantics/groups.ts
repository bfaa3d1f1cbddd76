/**
 * IOMMU groups, as Linux's `iommu.c` has them: the group, not the device, is the unit of
 * isolation. Devices declared with the same `group N` behind the same IOMMU form one group; a
 * device with no `group` is a group of its own (a PCI function with ACS isolation). Each group
 * has its own default domain (`iommu_group_alloc_default_domain`), all members are always in one
 * domain, and attaching one member attaches the group (`iommu_attach_group`).
 */
import type { IrDomain, IrEndpoint } from "../ir/types.js";

/**
 * Devices behind an IOMMU by group, each group in declaration order of its first member. A
 * device with no `group` is a group of its own and needs no key (most devices: a key string and
 * a table entry for each cost more than the rest of the pass).
 */
export function iommuGroups(endpoints: Iterable<IrEndpoint>): IrEndpoint[][] {
  const out: IrEndpoint[][] = [];
  const numbered = new Map<string, IrEndpoint[]>();
  for (const ep of endpoints) {
    if (ep.kind !== "device" || !ep.mapper) continue;
    if (ep.group === undefined) {
      out.push([ep]);
      continue;
    }
    const key = `${ep.mapper}\u0000${ep.group}`;
    const list = numbered.get(key);
    if (list) list.push(ep);
    else {
      const members = [ep];
      numbered.set(key, members);
      out.push(members);
    }
  }
  return out;
}

/** `smmu.default.g1` for `group 1`, `smmu.default.nvme` for a device in a group of its own. */
export function defaultDomainName(ep: IrEndpoint): string {
  return ep.group !== undefined
    ? `${ep.mapper}.default.g${ep.group}`
    : `${ep.mapper}.default.${ep.name}`;
}

/** `group 7 of 'smmu'`, for messages. */
export function groupText(ep: IrEndpoint): string {
  return ep.group !== undefined
    ? `group ${ep.group} of '${ep.mapper}'`
    : `the group of '${ep.name}' on '${ep.mapper}'`;
}

/** The group a device behind an IOMMU belongs to; undefined for cpus, engines and no-MMU devices. */
function groupKey(ep: IrEndpoint): string | undefined {
  if (ep.kind !== "device" || !ep.mapper) return undefined;
  return ep.group !== undefined
    ? `${ep.mapper}\u0000g${ep.group}`
    : `${ep.mapper}\u0000d${ep.name}`;
}

/** The members of `ep`'s group among `endpoints` (just `ep` when it has none). */
export function groupMembers(ep: IrEndpoint, endpoints: readonly IrEndpoint[]): IrEndpoint[] {
  const key = groupKey(ep);
  if (key === undefined) return [ep];
  return endpoints.filter((e) => groupKey(e) === key);
}

/** What a scenario `attach`/`detach` does to the group of `ep`, now in domain `current`. */
export type GroupTransition =
  | { kind: "stay" }
  | { kind: "move"; to: string | undefined }
  /** `__iommu_attach_group`: the group is in another domain than its default or blocking (EBUSY). */
  | { kind: "busy" };

/**
 * `attach ep to DOMAIN` (`iommu_attach_group`) or `detach ep` (`iommu_detach_group`, back to the
 * group's default domain). One function, so `vcm check` and `vcm run` replay steps alike.
 */
export function groupTransition(
  ep: IrEndpoint,
  current: Pick<IrDomain, "name" | "type"> | undefined,
  step: { kind: "attach"; domain: string } | { kind: "detach" },
): GroupTransition {
  const target = step.kind === "attach" ? step.domain : ep.defaultDomain;
  if (target === current?.name) return { kind: "stay" };
  if (
    step.kind === "attach" &&
    current !== undefined &&
    current.name !== ep.defaultDomain &&
    current.type !== "blocked" &&
    target !== ep.defaultDomain
  )
    return { kind: "busy" };
  return { kind: "move", to: target };
}
