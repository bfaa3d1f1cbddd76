/**
 * What a domain can hold, as Linux refuses it: `__iommu_map` returns -EINVAL for a domain that
 * is not a paging domain (identity, blocked), and io-pgtable's map returns -ERANGE for an IOVA
 * past the input size (`iova >> cfg->ias`) or a PA past the output size (`paddr >> cfg->oas`).
 * The lowering refuses the same; these checks say so at `vcm check`, with the line to fix.
 */
import { D, text } from "../../diagnostics/catalogue.js";
import { hex } from "../../diagnostics/format.js";
import type { IrChunk } from "../../ir/types.js";
import { defineCheck } from "../check.js";
import { PLUGINS_USABLE } from "./needs.js";
import { indexIr } from "./ir-index.js";

export const mapIntoIdentityOrBlocked = defineCheck(D.mapIntoIdentityOrBlocked, {
  run({ ir, report }) {
    const { all, domains, lineOf, lineCount } = indexIr(ir);
    const seen = new Uint8Array(lineCount);
    for (let i = 0; i < all.length; i++) {
      const m = all[i]!;
      if (m.target.kind !== "domain") continue;
      const d = domains.get(m.target.name);
      if (!d || (d.type !== "identity" && d.type !== "blocked")) continue;
      if (seen[lineOf[i]!]) continue;
      seen[lineOf[i]!] = 1;
      const said = D.mapIntoIdentityOrBlocked.messages;
      const identity = d.type === "identity";
      report(
        D.mapIntoIdentityOrBlocked,
        m.span,
        { domain: d.name, kind: identity ? "an identity" : "a blocked" },
        {
          related: [
            { span: d.span, message: text(said.declared, { domain: d.name, type: d.type }) },
          ],
          hint: text(identity ? said.identityHint : said.blockedHint),
        },
      );
    }
  },
});

export const apertureBeyondInput = defineCheck(D.apertureBeyondInput, {
  cost: "needs-plugins",
  needs: PLUGINS_USABLE,
  run({ ir, report, capabilities }) {
    const formats = new Map(ir.mappers.map((m) => [m.name, m.format]));
    for (const d of ir.domains) {
      if (!d.mapper || d.type === "blocked") continue;
      const caps = capabilities(d.mapper);
      if (!caps || caps.inputBits >= 64) continue;
      const limit = 1n << BigInt(caps.inputBits);
      const end = d.aperture.base + d.aperture.size;
      if (end <= limit) continue;
      const args = {
        domain: d.name,
        end: hex(end),
        bits: caps.inputBits,
        mapper: d.mapper,
        format: String(formats.get(d.mapper)),
        limit: hex(limit),
      };
      const hint = text(D.apertureBeyondInput.messages.hint, { limit: hex(limit) });
      report(D.apertureBeyondInput, d.span, args, { hint });
    }
  },
});

export const paBeyondOutput = defineCheck(D.paBeyondOutput, {
  cost: "needs-plugins",
  needs: PLUGINS_USABLE,
  run({ ir, report, capabilities }) {
    const { all, mapperOf, lineOf, lineCount } = indexIr(ir);
    const formats = new Map(ir.mappers.map((m) => [m.name, m.format]));
    const seen = new Uint8Array(lineCount);
    // The limit per mapper, computed once (not a BigInt shift per mapping).
    const limits = new Map<string, bigint | undefined>();
    for (let i = 0; i < all.length; i++) {
      const mapper = mapperOf[i];
      if (!mapper) continue;
      let limit = limits.get(mapper);
      if (!limits.has(mapper)) {
        const caps = capabilities(mapper);
        limit = caps && caps.outputBits < 64 ? 1n << BigInt(caps.outputBits) : undefined;
        limits.set(mapper, limit);
      }
      if (limit === undefined) continue;
      const m = all[i]!;
      let beyond: IrChunk | undefined;
      for (const c of m.source.chunks)
        if (c.pa + c.size > limit) {
          beyond = c;
          break;
        }
      if (!beyond || seen[lineOf[i]!]) continue;
      seen[lineOf[i]!] = 1;
      const caps = capabilities(mapper)!;
      const what = m.source.buffer ? `'${m.source.buffer}'` : `'${m.source.memory}'`;
      report(D.paBeyondOutput, m.span, {
        what,
        start: hex(beyond.pa),
        end: hex(beyond.pa + beyond.size),
        bits: caps.outputBits,
        mapper,
        format: String(formats.get(mapper)),
      });
    }
  },
});
