/**
 * Peer-to-peer exporters and their importers (drivers/dma-buf/dma-buf.c,
 * drivers/vfio/pci/vfio_pci_dmabuf.c): the exporter decides whether an importer may pin, a
 * pinned importer blocks a revoke, and a revoked exporter refuses new importers until it is
 * restored. The run proves the same on the tables; these catch it from the declarations.
 */
import type { Span } from "../../diagnostics/span.js";
import type { IrMapping, IrMemory, IrTopology } from "../../ir/types.js";
import { mappingLabel } from "../../ir/mapping-text.js";
import type { CheckImplementation } from "../runner.js";

/** Top-level mappings and every scenario's `map` steps. */
export function everyMapping(ir: IrTopology): IrMapping[] {
  const out = [...ir.mappings];
  for (const s of ir.scenarios)
    for (const step of s.steps) if (step.kind === "map") out.push(step.mapping);
  return out;
}

export const pinRefused: CheckImplementation = {
  check: "pin-refused",
  run({ ir, report }) {
    const memories = new Map(ir.memories.map((m) => [m.name, m]));
    for (const m of everyMapping(ir)) {
      const mem = memories.get(m.source.memory);
      if (!m.pin || mem?.kind !== "mmio" || mem.pinnable) continue;
      report(
        m.span,
        `'${mem.name}' does not accept pinned importers: its exporter refuses the pin (EOPNOTSUPP)`,
        {
          hint: `add \`pinnable\` to the memory line of '${mem.name}' if the exporter can pin, or drop \`pin\` so a revoke reaches this importer`,
          related: [{ span: mem.span, message: `'${mem.name}' is declared here` }],
        },
      );
    }
  },
};

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

export const mapAfterRevoke: CheckImplementation = {
  check: "map-after-revoke",
  run({ ir, report }) {
    replay(ir, {
      mapRevoked: (m, region) =>
        report(
          m.span,
          `'${region.name}' is revoked at this point of scenario '${m.scenario}': its exporter refuses new importers (ENODEV) until \`restore ${region.name}\``,
        ),
    });
  },
};

export const revokeWhilePinned: CheckImplementation = {
  check: "revoke-while-pinned",
  run({ ir, report }) {
    replay(ir, {
      revokePinned: (step, region, pinned) =>
        report(
          step.span,
          `'${region}' cannot be revoked while pinned importers hold it (EBUSY): ${pinned.map(mappingLabel).join("; ")}`,
          {
            hint: "unmap the pinned mappings first: a pinned dma-buf attachment gets no move_notify",
            related: pinned.map((m) => ({ span: m.span, message: "pinned here" })),
          },
        ),
    });
  },
};

export const revokeNoMmu: CheckImplementation = {
  check: "revoke-no-mmu",
  run({ ir, report }) {
    replay(ir, {
      revokeNoMmu: (step, region, engines) =>
        report(
          step.span,
          `revoking '${region}' cannot stop ${engines.map((m) => `'${m.target.name}'`).join(", ")}: a no-MMU engine reaches it by bus address, and nothing makes that fault`,
          {
            hint: "unmap the engine's mapping (stop the engine) before the revoke",
            related: engines.map((m) => ({ span: m.span, message: "mapped here" })),
          },
        ),
    });
  },
};
