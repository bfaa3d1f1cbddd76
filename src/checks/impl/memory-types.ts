/** What kind of memory is mapped how: MMIO attributes, peer-to-peer, permissions. */
import { D, text } from "../../diagnostics/catalogue.js";
import { defineCheck } from "../check.js";
import { indexIr } from "./ir-index.js";

export const mmioCacheable = defineCheck(D.mmioCacheable, {
  run({ ir, report }) {
    const memories = new Map(ir.memories.map((m) => [m.name, m]));
    for (let i = 0; i < ir.mappings.length; i++) {
      const m = ir.mappings[i]!;
      if (m.attrs.cacheable && memories.get(m.source.memory)?.kind === "mmio")
        report(
          D.mmioCacheable,
          m.span,
          { memory: m.source.memory },
          { hint: text(D.mmioCacheable.messages.hint) },
        );
    }
  },
});

export const p2pRam = defineCheck(D.p2pRam, {
  run({ ir, report }) {
    const memories = new Map(ir.memories.map((m) => [m.name, m]));
    for (let i = 0; i < ir.mappings.length; i++) {
      const m = ir.mappings[i]!;
      if (m.p2p && memories.get(m.source.memory)?.kind === "ram")
        report(D.p2pRam, m.span, { memory: m.source.memory });
    }
  },
});

export const p2pMissing = defineCheck(D.p2pMissing, {
  run({ ir, report }) {
    const hint = text(D.p2pMissing.messages.hint);
    const index = indexIr(ir);
    const memories = new Map(ir.memories.map((m) => [m.name, m]));
    const roles = new Map(ir.mappers.map((m) => [m.name, m.role]));
    for (let i = 0; i < index.all.length; i++) {
      const m = index.all[i]!;
      const mem = memories.get(m.source.memory);
      if (m.p2p || !mem || mem.kind !== "mmio" || !mem.owner) continue;
      if (m.target.kind === "direct") {
        // A no-MMU engine is an importer like any other (vfio_pci_dma_buf_attach: EOPNOTSUPP).
        if (m.target.name !== mem.owner)
          report(
            D.p2pMissing.messages.noMmu,
            m.span,
            { memory: mem.name, owner: mem.owner, engine: m.target.name },
            { hint },
          );
        continue;
      }
      const mapper = index.mapperOf[i];
      if (!mapper || roles.get(mapper) !== "iommu") continue;
      const attached =
        m.target.kind === "domain" ? (index.domains.get(m.target.name)?.attached ?? []) : [];
      if (attached.length === 1 && attached[0] === mem.owner) continue;
      const args = { memory: mem.name, owner: mem.owner, target: m.target.name };
      report(D.p2pMissing, m.span, args, { hint });
    }
  },
});
