/**
 * Pass 3a, physical memory: `memory` regions (with their owner and `pinnable`) and the `pool`s
 * page tables are built in.
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import { hex } from "../diagnostics/format.js";
import type { IrMemory } from "../ir/types.js";
import type { MemoryDecl, PoolDecl } from "../syntax/ast.js";
import type { ResolveContext } from "./context.js";

import { memoryRef } from "./memory-refs.js";

export function buildMemory(ctx: ResolveContext, s: MemoryDecl): void {
  if (ctx.names.isShadowed(s)) return;
  const r = ctx.evaluator.range(s.range);
  if (!r) return;
  const m: IrMemory = {
    name: s.name.name,
    range: { base: r.base, size: r.size, space: "pa" },
    kind: s.memoryKind,
    span: s.span,
  };
  if (s.owner) {
    if (ctx.names.bind(s.owner, ["endpoint"])) m.owner = s.owner.name;
  }
  if (s.pinnable) {
    if (s.memoryKind === "mmio") m.pinnable = true;
    else
      ctx.report(
        diagnostic(
          D.pinnableNotMmio,
          s.pinnable,
          { name: m.name, kind: s.memoryKind },
          { hint: s.memoryKind === "ram" ? "RAM can always be pinned; drop `pinnable`" : "" },
        ),
      );
  }
  if (s.secureSpan) m.secure = true;
  ctx.symbols.memories.set(m.name, m);
  ctx.ir.memories.push(m);
}

export function buildPool(ctx: ResolveContext, s: PoolDecl): void {
  if (ctx.names.isShadowed(s)) return;
  const pieces = memoryRef(ctx, s.source, { memoryOnly: true });
  const piece = pieces?.[0];
  if (!piece || !piece.chunks[0]) return;
  if (piece.chunks[0].pa % 4096n !== 0n) {
    ctx.report(
      diagnostic(D.poolMisaligned, s.source.span, {
        name: s.name.name,
        address: hex(piece.chunks[0].pa),
      }),
    );
  }
  ctx.ir.pools.push({
    name: s.name.name,
    memory: piece.memory,
    range: { base: piece.chunks[0].pa, size: piece.chunks[0].size, space: "pa" },
    span: s.span,
  });
}
