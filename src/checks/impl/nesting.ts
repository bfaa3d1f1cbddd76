/**
 * Nested translation (stage 1 on a VM's stage 2): guest memory must be backed, a nested domain's
 * stage-1 tables and everything it maps must be guest memory of its parent (the guest has IPAs
 * only for that), and guest regions must not overlap, in IPAs or in the host memory behind them.
 */
import { D, text } from "../../diagnostics/catalogue.js";
import { formatSize, hex } from "../../diagnostics/format.js";
import type { IrChunk, IrGuestMemory, IrTopology } from "../../ir/types.js";
import { mappingSource } from "../../ir/mapping-text.js";
import { defineCheck } from "../check.js";
import { indexIr } from "./ir-index.js";

/** The backed guest region of stage-2 domain `parent` holding all of `c`, if any. */
function guestRegionOf(ir: IrTopology, parent: string, c: IrChunk): IrGuestMemory | undefined {
  return (ir.guestMemories ?? []).find(
    (g) =>
      g.domain === parent &&
      g.backing !== undefined &&
      c.pa >= g.backing.pa &&
      c.pa + c.size <= g.backing.pa + g.ipa.size,
  );
}

export const guestMemoryUnbacked = defineCheck(D.guestMemoryUnbacked, {
  run({ ir, report }) {
    for (const g of ir.guestMemories ?? [])
      if (!g.backing)
        report(
          D.guestMemoryUnbacked,
          g.span,
          { name: g.name, domain: g.domain },
          { hint: text(D.guestMemoryUnbacked.messages.hint) },
        );
  },
});

export const nestedPoolOutsideGuest = defineCheck(D.nestedPoolOutsideGuest, {
  run({ ir, report }) {
    for (const d of ir.domains) {
      if (!d.nested) continue;
      const pool = ir.pools.find((p) => p.name === d.nested!.pool);
      if (!pool) continue;
      const { parent } = d.nested;
      if (guestRegionOf(ir, parent, { pa: pool.range.base, size: pool.range.size })) continue;
      const region =
        (ir.guestMemories ?? []).find((g) => g.domain === parent)?.name ?? "GUEST_REGION";
      report(
        D.nestedPoolOutsideGuest,
        d.nested.span,
        { pool: pool.name, domain: d.name, parent },
        {
          hint: text(D.nestedPoolOutsideGuest.messages.hint, { parent, pool: pool.name, region }),
          related: [{ span: pool.span, message: `pool '${pool.name}' is declared here` }],
        },
      );
    }
  },
});

export const nestedMapOutsideGuest = defineCheck(D.nestedMapOutsideGuest, {
  run({ ir, report }) {
    const nested = new Map(ir.domains.filter((d) => d.nested).map((d) => [d.name, d.nested!]));
    if (nested.size === 0) return;
    for (const m of indexIr(ir).all) {
      const n = m.target.kind === "domain" ? nested.get(m.target.name) : undefined;
      if (!n) continue;
      // A chunk may span two guest regions that are adjacent in host memory: split by page.
      const outside = m.source.chunks.some((c) => !coveredByGuest(ir, n.parent, c));
      if (outside)
        report(D.nestedMapOutsideGuest, m.span, {
          what: mappingSource(m),
          domain: m.target.name,
          parent: n.parent,
        });
    }
  },
});

function coveredByGuest(ir: IrTopology, parent: string, c: IrChunk): boolean {
  let pa = c.pa;
  const end = c.pa + c.size;
  while (pa < end) {
    const g = guestRegionOf(ir, parent, { pa, size: 1n });
    if (!g) return false;
    pa = g.backing!.pa + g.ipa.size;
  }
  return true;
}

export const guestMemoryOverlap = defineCheck(D.guestMemoryOverlap, {
  run({ ir, report }) {
    const list = ir.guestMemories ?? [];
    for (let i = 0; i < list.length; i++) {
      const a = list[i]!;
      for (let j = 0; j < i; j++) {
        const b = list[j]!;
        const related = [{ span: b.span, message: `'${b.name}' is declared here` }];
        const ipa = overlap(a.ipa.base, a.ipa.size, b.ipa.base, b.ipa.size);
        if (a.domain === b.domain && ipa)
          report(
            D.guestMemoryOverlap,
            a.span,
            { name: a.name, other: b.name, range: ipa, domain: a.domain },
            { related },
          );
        const host =
          a.backing &&
          b.backing &&
          a.backing.memory === b.backing.memory &&
          overlap(a.backing.pa, a.ipa.size, b.backing.pa, b.ipa.size);
        if (host)
          report(
            D.guestMemoryOverlap.messages.backing,
            a.span,
            { name: a.name, other: b.name, range: host },
            { related },
          );
      }
    }
  },
});

function overlap(a: bigint, an: bigint, b: bigint, bn: bigint): string | undefined {
  const lo = a > b ? a : b;
  const hi = a + an < b + bn ? a + an : b + bn;
  return lo < hi ? `${hex(lo)} .. +${formatSize(hi - lo)}` : undefined;
}
