/** Devices and domains: one domain per device, one domain per IOMMU group. */
import type { IrDomain } from "../../ir/types.js";
import type { CheckImplementation } from "../runner.js";

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
