/**
 * A stage-2 domain's contents are its guest memory: each backed guest region becomes one
 * mapping of its backing (host memory) at its IPA, read/write, with its kind's memory type, so
 * the lowering writes the stage-2 table and the proof reads it back like any other domain's.
 */
import type { IrMapping } from "../ir/types.js";
import { mappingAttributes } from "./attributes.js";
import type { ResolveContext } from "./context.js";

export function guestMappings(ctx: ResolveContext, takeId: () => number): IrMapping[] {
  const out: IrMapping[] = [];
  for (const g of ctx.ir.guestMemories ?? []) {
    if (!g.backing || !ctx.symbols.domains.get(g.domain)?.stage2) continue;
    out.push({
      id: takeId(),
      source: {
        memory: g.backing.memory,
        chunks: [{ pa: g.backing.pa, size: g.ipa.size }],
        size: g.ipa.size,
      },
      target: { kind: "domain", name: g.domain },
      iova: g.ipa.base,
      perms: { r: true, w: true, x: false, priv: false },
      // The guest's view of the memory type; security is the host region's.
      attrs: mappingAttributes([], {
        kind: g.kind,
        secure: ctx.symbols.memories.get(g.backing.memory)?.secure === true,
      }),
      p2p: false,
      pin: false,
      guest: g.name,
      span: g.span,
    });
  }
  return out;
}
