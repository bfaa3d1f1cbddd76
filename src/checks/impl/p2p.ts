/**
 * Peer-to-peer exporters and their importers (drivers/dma-buf/dma-buf.c,
 * drivers/vfio/pci/vfio_pci_dmabuf.c): the exporter decides whether an importer may pin, a
 * pinned importer blocks a revoke, and a revoked exporter refuses new importers until it is
 * restored. The run proves the same on the tables; these catch it from the declarations.
 */
import { D, text } from "../../diagnostics/catalogue.js";
import type { Span } from "../../diagnostics/span.js";
import type { IrMapping, IrMemory, IrTopology } from "../../ir/types.js";
import { mappingLabel } from "../../ir/mapping-text.js";
import { defineCheck } from "../check.js";
import { indexIr } from "./ir-index.js";

export const pinRefused = defineCheck(D.pinRefused, {
  run({ ir, report }) {
    const memories = new Map(ir.memories.map((m) => [m.name, m]));
    const { all } = indexIr(ir);
    for (let i = 0; i < all.length; i++) {
      const m = all[i]!;
      if (!m.pin) continue; // before the lookup: most mappings are not pinned
      const mem = memories.get(m.source.memory);
      if (mem?.kind !== "mmio" || mem.pinnable) continue;
      const memory = { memory: mem.name };
      report(D.pinRefused, m.span, memory, {
        hint: text(D.pinRefused.messages.hint, memory),
        related: [{ span: mem.span, message: text(D.pinRefused.messages.declared, memory) }],
      });
    }
  },
});

/** A mapping as a scenario sees it: what it maps, where, and whether it is pinned. */
interface Held {
  mapping: IrMapping;
  memory: string;
}

/**
 * Replays each scenario's steps over the declared mappings: which mappings are held, and which
 * regions are revoked, so a `map` after `revoke` and a `revoke` under a pin are caught here.
 */
interface ReplayEvents {
  mapRevoked?(m: IrMapping, region: IrMemory): void;
  revokePinned?(step: { span: Span }, region: string, pinned: IrMapping[]): void;
  revokeNoMmu?(step: { span: Span }, region: string, engines: IrMapping[]): void;
}

function replay(ir: IrTopology, on: ReplayEvents): void {
  if (!ir.scenarios.some((s) => s.steps.some((x) => x.kind === "revoke"))) return;
  // Only mmio can be revoked (VCM0131): the other mappings never matter here.
  const mmio = new Set(ir.memories.filter((m) => m.kind === "mmio").map((m) => m.name));
  const declared = ir.mappings.filter((m) => mmio.has(m.source.memory));
  for (const s of ir.scenarios) {
    const held: Held[] = declared.map((m) => ({ mapping: m, memory: m.source.memory }));
    const revoked = new Set<string>();
    for (const step of s.steps) {
      switch (step.kind) {
        case "map": {
          const region = ir.memories.find((x) => x.name === step.mapping.source.memory);
          if (region && revoked.has(region.name)) on.mapRevoked?.(step.mapping, region);
          else if (mmio.has(step.mapping.source.memory))
            held.push({ mapping: step.mapping, memory: step.mapping.source.memory });
          break;
        }
        case "unmap":
          for (let i = held.length - 1; i >= 0; i--) {
            const h = held[i]!;
            if (h.mapping.target.name !== step.target.name) continue;
            const same =
              step.object.buffers.length > 0
                ? step.object.buffers.includes(h.mapping.source.buffer ?? "")
                : h.mapping.source.chunks.some((a) =>
                    step.object.chunks.some((b) => a.pa < b.pa + b.size && b.pa < a.pa + a.size),
                  );
            if (same) held.splice(i, 1);
          }
          break;
        case "revoke": {
          if (revoked.has(step.memory)) break;
          const pinned = held.filter((h) => h.memory === step.memory && h.mapping.pin);
          if (pinned.length > 0)
            on.revokePinned?.(
              step,
              step.memory,
              pinned.map((h) => h.mapping),
            );
          else {
            const engines = held.filter(
              (h) => h.memory === step.memory && h.mapping.target.kind === "direct",
            );
            if (engines.length > 0)
              on.revokeNoMmu?.(
                step,
                step.memory,
                engines.map((h) => h.mapping),
              );
            revoked.add(step.memory);
            for (let i = held.length - 1; i >= 0; i--)
              if (held[i]!.memory === step.memory) held.splice(i, 1);
          }
          break;
        }
        case "restore":
          revoked.delete(step.memory);
          break;
      }
    }
  }
}

export const mapAfterRevoke = defineCheck(D.mapAfterRevoke, {
  run({ ir, report }) {
    replay(ir, {
      mapRevoked: (m, region) =>
        report(D.mapAfterRevoke, m.span, { memory: region.name, scenario: String(m.scenario) }),
    });
  },
});

export const revokeWhilePinned = defineCheck(D.revokeWhilePinned, {
  run({ ir, report }) {
    const said = D.revokeWhilePinned.messages;
    replay(ir, {
      revokePinned: (step, region, pinned) =>
        report(
          D.revokeWhilePinned,
          step.span,
          { memory: region, pinned: pinned.map(mappingLabel).join("; ") },
          {
            hint: text(said.hint),
            related: pinned.map((m) => ({ span: m.span, message: text(said.pinnedHere) })),
          },
        ),
    });
  },
});

export const revokeNoMmu = defineCheck(D.revokeNoMmu, {
  run({ ir, report }) {
    const said = D.revokeNoMmu.messages;
    replay(ir, {
      revokeNoMmu: (step, region, engines) =>
        report(
          D.revokeNoMmu,
          step.span,
          { memory: region, engines: engines.map((m) => `'${m.target.name}'`).join(", ") },
          {
            hint: text(said.hint),
            related: engines.map((m) => ({ span: m.span, message: text(said.mappedHere) })),
          },
        ),
    });
  },
});
