/** Devices and domains: one domain per device, one domain per IOMMU group. */
import type { IrDomain } from "../../ir/types.js";
import { groupMembers, groupText, groupTransition } from "../../semantics/groups.js";
import type { CheckImplementation } from "../runner.js";
import { indexIr } from "./ir-index.js";

export const multipleDomains: CheckImplementation = {
  check: "multiple-domains",
  run({ ir, report }) {
    const first = new Map<string, IrDomain>();
    for (const d of ir.domains) {
      if (d.implicit) continue;
      for (const dev of d.attached) {
        const prev = first.get(dev);
        if (!prev) first.set(dev, d);
        else
          report(d.span, `'${dev}' is attached to both '${prev.name}' and '${d.name}'`, {
            related: [{ span: prev.span, message: `'${prev.name}' attaches it first` }],
          });
      }
    }
  },
};

export const groupSplit: CheckImplementation = {
  check: "group-split",
  run({ ir, report }) {
    const endpoints = new Map(ir.endpoints.map((e) => [e.name, e]));
    const groupDomain = new Map<string, { domain: IrDomain; device: string }>();
    for (const d of ir.domains)
      for (const dev of d.attached) {
        const e = endpoints.get(dev);
        if (!e || e.group === undefined || !e.mapper) continue;
        const key = `${e.mapper}\u0000${e.group}`;
        const prev = groupDomain.get(key);
        if (!prev) groupDomain.set(key, { domain: d, device: dev });
        else if (prev.domain !== d)
          report(
            d.span,
            `group ${e.group} of '${e.mapper}' is split: '${dev}' is in '${d.name}' but '${prev.device}' is in '${prev.domain.name}'; a group is attached whole, so the second attach is refused (EBUSY)`,
            { related: [{ span: prev.domain.span, message: `'${prev.domain.name}'` }] },
          );
      }
  },
};

/**
 * Scenario `attach` / `detach` replayed on the groups' domains (the runtime replays them alike,
 * VCM0433): an attach of a group that is in a domain other than its default is refused (EBUSY).
 */
export const scenarioAttachBusy: CheckImplementation = {
  check: "scenario-attach-busy",
  run({ ir, report }) {
    const index = indexIr(ir);
    const endpoints = new Map(ir.endpoints.map((e) => [e.name, e]));
    for (const scenario of ir.scenarios) {
      const where = new Map<string, IrDomain | undefined>();
      const domainOf = (device: string) =>
        where.has(device) ? where.get(device) : index.domainsOfDevice.get(device)?.[0];
      for (const step of scenario.steps) {
        if (step.kind !== "attach" && step.kind !== "detach") continue;
        const ep = endpoints.get(step.device);
        if (!ep?.mapper) continue;
        const current = domainOf(ep.name);
        const move = groupTransition(ep, current, step);
        if (move.kind === "busy") {
          report(
            step.span,
            `${groupText(ep)} is in '${current!.name}', not its default domain: attaching it elsewhere is refused (EBUSY); \`detach ${ep.name}\` first`,
            { related: [{ span: current!.span, message: `'${current!.name}'` }] },
          );
        } else if (move.kind === "move") {
          const to = move.to === undefined ? undefined : index.domains.get(move.to);
          for (const m of groupMembers(ep, ir.endpoints)) where.set(m.name, to);
        }
      }
    }
  },
};
