/** Devices and domains: one domain per device, one domain per IOMMU group. */
import { D, text } from "../../diagnostics/catalogue.js";
import type { IrDomain } from "../../ir/types.js";
import { groupMembers, groupText, groupTransition } from "../../semantics/groups.js";
import { defineCheck } from "../check.js";
import { indexIr } from "./ir-index.js";

export const multipleDomains = defineCheck(D.multipleDomains, {
  run({ ir, report }) {
    const first = new Map<string, IrDomain>();
    for (const d of ir.domains) {
      if (d.implicit) continue;
      for (const dev of d.attached) {
        const prev = first.get(dev);
        if (!prev) first.set(dev, d);
        else
          report(
            D.multipleDomains,
            d.span,
            { device: dev, first: prev.name, second: d.name },
            {
              related: [
                {
                  span: prev.span,
                  message: text(D.multipleDomains.messages.attachesFirst, { domain: prev.name }),
                },
              ],
            },
          );
      }
    }
  },
});

export const groupSplit = defineCheck(D.groupSplit, {
  run({ ir, report }) {
    const { endpoints } = indexIr(ir);
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
            D.groupSplit,
            d.span,
            {
              group: e.group,
              mapper: e.mapper,
              device: dev,
              domain: d.name,
              other: prev.device,
              otherDomain: prev.domain.name,
            },
            {
              related: [
                {
                  span: prev.domain.span,
                  message: text(D.groupSplit.messages.domain, { domain: prev.domain.name }),
                },
              ],
            },
          );
      }
  },
});

/**
 * Scenario `attach` / `detach` replayed on the groups' domains (the runtime replays them alike,
 * VCM0433): an attach of a group that is in a domain other than its default is refused (EBUSY).
 */
export const scenarioAttachBusy = defineCheck(D.scenarioAttachBusy, {
  run({ ir, report }) {
    const index = indexIr(ir);
    const { endpoints } = index;
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
          const domain = current!.name;
          report(
            D.scenarioAttachBusy,
            step.span,
            { group: groupText(ep), domain, device: ep.name },
            {
              related: [
                {
                  span: current!.span,
                  message: text(D.scenarioAttachBusy.messages.domain, { domain }),
                },
              ],
            },
          );
        } else if (move.kind === "move") {
          const to = move.to === undefined ? undefined : index.domains.get(move.to);
          for (const m of groupMembers(ep, ir.endpoints)) where.set(m.name, to);
        }
      }
    }
  },
});
