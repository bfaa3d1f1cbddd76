/** What kind of memory is mapped how: MMIO attributes, peer-to-peer, permissions. */
import type { CheckImplementation } from "../runner.js";
import { indexIr, mapperOfTarget } from "./ir-index.js";
import { everyMapping } from "./p2p.js";

export const mmioCacheable: CheckImplementation = {
  check: "mmio-cacheable",
  run({ ir, report }) {
    const memories = new Map(ir.memories.map((m) => [m.name, m]));
    for (const m of ir.mappings)
      if (m.attrs.cacheable && memories.get(m.source.memory)?.kind === "mmio")
        report(m.span, `'${m.source.memory}' is MMIO but is mapped cacheable`, {
          hint: "use `device` or `noncacheable`",
        });
  },
};

export const p2pRam: CheckImplementation = {
  check: "p2p-ram",
  run({ ir, report }) {
    const memories = new Map(ir.memories.map((m) => [m.name, m]));
    for (const m of ir.mappings)
      if (m.p2p && memories.get(m.source.memory)?.kind === "ram")
        report(
          m.span,
          `\`p2p\` maps a device's MMIO into another device; '${m.source.memory}' is RAM`,
        );
  },
};

export const p2pMissing: CheckImplementation = {
  check: "p2p-missing",
  run({ ir, report }) {
    const index = indexIr(ir);
    const memories = new Map(ir.memories.map((m) => [m.name, m]));
    const roles = new Map(ir.mappers.map((m) => [m.name, m.role]));
    for (const m of everyMapping(ir)) {
      const mem = memories.get(m.source.memory);
      if (m.p2p || !mem || mem.kind !== "mmio" || !mem.owner) continue;
      if (m.target.kind === "direct") {
        // A no-MMU engine is an importer like any other (vfio_pci_dma_buf_attach: EOPNOTSUPP).
        if (m.target.name !== mem.owner)
          report(
            m.span,
            `'${mem.name}' is MMIO of '${mem.owner}', mapped to the no-MMU engine '${m.target.name}' without \`p2p\` (EOPNOTSUPP)`,
            { hint: "add `p2p` to declare a peer-to-peer mapping" },
          );
        continue;
      }
      const mapper = mapperOfTarget(index, m);
      if (!mapper || roles.get(mapper) !== "iommu") continue;
      const attached =
        m.target.kind === "domain" ? (index.domains.get(m.target.name)?.attached ?? []) : [];
      if (attached.length === 1 && attached[0] === mem.owner) continue;
      report(
        m.span,
        `'${mem.name}' is MMIO of '${mem.owner}', mapped into '${m.target.name}' without \`p2p\``,
        {
          hint: "add `p2p` to declare a peer-to-peer mapping",
        },
      );
    }
  },
};
