/**
 * Pass 3a', guest memory: `memory NAME RANGE KIND guest DOMAIN backed REF` is a range of a VM's
 * guest-physical (IPA) space, backed by one contiguous piece of host memory. It runs after the
 * host regions and before pools and buffers, because pools and buffers may be placed in guest
 * memory: the guest region's name then stands for its backing (host memory of the backing's
 * region), so every later pass keeps seeing host physical addresses, and only the nested
 * domains' lowering turns them into IPAs.
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import { formatSize, hex } from "../diagnostics/format.js";
import type { IrGuestMemory, IrMemory } from "../ir/types.js";
import type { MemoryDecl } from "../syntax/ast.js";
import type { ResolveContext } from "./context.js";
import { memoryRef } from "./memory-refs.js";

/** Is this `memory` statement guest memory (built here, not by `buildMemory`)? */
export const isGuestMemory = (s: MemoryDecl): boolean => s.guest !== undefined;

export function buildGuestMemory(ctx: ResolveContext, s: MemoryDecl): void {
  if (ctx.names.isShadowed(s) || !s.guest) return;
  const r = ctx.evaluator.range(s.range);
  if (!r) return;
  const name = s.name.name;
  const domain = ctx.names.bind(s.guest, ["domain"]);
  if (!domain) return;
  if (!domain.node.items.some((i) => i.kind === "stage")) {
    ctx.report(
      diagnostic(
        D.guestDomainNotStage2,
        s.guest.span,
        { name, domain: s.guest.name },
        {
          hint: `write \`stage 2\` in the block of domain '${s.guest.name}'`,
        },
      ),
    );
    return;
  }
  const g: IrGuestMemory = {
    name,
    domain: s.guest.name,
    ipa: { base: r.base, size: r.size, space: "ipa" },
    kind: s.memoryKind,
    span: s.span,
  };
  if (s.backing) {
    const backing = guestBacking(ctx, s, r.base, r.size);
    if (!backing) return;
    g.backing = backing;
    // The guest region's name stands for its backing: pools and buffers placed in it are host
    // memory of the backing's region, in a range of its own (see `BufferTable.resolveAll`).
    const alias: IrMemory = {
      name: backing.memory,
      range: { base: backing.pa, size: r.size, space: "pa" },
      kind: s.memoryKind,
      span: s.span,
    };
    ctx.symbols.memories.set(name, alias);
    ctx.symbols.guestAliases.add(alias);
  }
  ctx.symbols.guestMemories.set(name, g);
  (ctx.ir.guestMemories ??= []).push(g);
}

/** The host memory behind a guest region, or undefined after reporting why it cannot be. */
function guestBacking(
  ctx: ResolveContext,
  s: MemoryDecl,
  ipaBase: bigint,
  size: bigint,
): { memory: string; pa: bigint } | undefined {
  const ref = s.backing!;
  const name = s.name.name;
  const refName = ref.kind === "buffer-ref" ? ref.name : ref.target;
  if (ctx.symbols.guestMemories.has(refName.name) || isGuestDecl(ctx, refName.name))
    return ctx.report(
      diagnostic(D.guestBackingNotHost, ref.span, {
        name,
        why: `'${refName.name}' is guest memory itself`,
      }),
    );
  const piece = memoryRef(ctx, ref, { memoryOnly: true })?.[0];
  if (!piece || piece.chunks.length !== 1) return undefined;
  const chunk = piece.chunks[0]!;
  const host = ctx.symbols.memories.get(piece.memory);
  if (!host) return undefined;
  if (chunk.pa < host.range.base || chunk.pa + chunk.size > host.range.base + host.range.size)
    return ctx.report(
      diagnostic(D.guestBackingNotHost, ref.span, {
        name,
        why: `${hex(chunk.pa)} .. +${formatSize(chunk.size)} is outside '${host.name}'`,
      }),
    );
  if (chunk.pa % 4096n !== 0n || ipaBase % 4096n !== 0n || size % 4096n !== 0n)
    return ctx.report(
      diagnostic(D.guestBackingNotHost, ref.span, {
        name,
        why: `IPA ${hex(ipaBase)}, backing ${hex(chunk.pa)}, ${formatSize(size)}: stage 2 maps whole 4 KiB pages`,
      }),
    );
  if (chunk.size !== size)
    return ctx.report(
      diagnostic(D.guestBackingSize, ref.span, {
        name,
        size: formatSize(size),
        backing: formatSize(chunk.size),
      }),
    );
  return { memory: piece.memory, pa: chunk.pa };
}

function isGuestDecl(ctx: ResolveContext, name: string): boolean {
  const d = ctx.names.get(name);
  return d?.kind === "memory" && d.node.guest !== undefined;
}
