/**
 * What a cpu's translation regime and TrustZone allow a mapping (plugins/arm-lpae/README.md
 * "Translation regimes"): user access only where the regime has EL0, no writable code under WXN,
 * Secure accesses only from a Secure (EL3) context and never Non-secure ones to `secure` memory,
 * and a Secure context's tables in `secure` memory. Each is given once per `map` line.
 */
import { D, text } from "../../diagnostics/catalogue.js";
import type { IrMapping } from "../../ir/types.js";
import { ATTR_SECURE, type Capabilities } from "../../plugin-api/types.js";
import { defineCheck, type CheckContext } from "../check.js";
import { indexIr } from "./ir-index.js";
import { PLUGINS_USABLE } from "./needs.js";

/** Every mapping with its mapper and capabilities (none for a no-MMU target), once per line. */
function eachLine(
  ctx: CheckContext,
  visit: (m: IrMapping, mapper: string | undefined, caps: Capabilities | undefined) => void,
): void {
  const { all, mapperOf, lineOf, lineCount } = indexIr(ctx.ir);
  const seen = new Uint8Array(lineCount);
  for (let i = 0; i < all.length; i++) {
    const line = lineOf[i]!;
    if (seen[line]) continue; // the elements of `buf[*]` share one line
    seen[line] = 1;
    const mapper = mapperOf[i];
    visit(all[i]!, mapper, mapper ? ctx.capabilities(mapper) : undefined);
  }
}

function permsText(m: IrMapping): string {
  return (m.perms.r ? "r" : "") + (m.perms.w ? "w" : "") + (m.perms.x ? "x" : "");
}

export const regimeRights = defineCheck(D.regimeRights, {
  cost: "needs-plugins",
  needs: PLUGINS_USABLE,
  run(ctx) {
    const said = D.regimeRights.messages;
    eachLine(ctx, (m, mapper, caps) => {
      if (!mapper || !caps) return;
      const regime = caps.regime ?? "this regime";
      if (caps.privilegedOnly && !m.perms.priv)
        ctx.report(
          D.regimeRights,
          m.span,
          { mapper, regime },
          { hint: text(said.userHint, { regime }) },
        );
      if (caps.writeExecNever && m.perms.w && m.perms.x) {
        const el = regime.replace("&0", "");
        ctx.report(
          said.wxn,
          m.span,
          { mapper, el, perms: permsText(m) },
          { hint: text(said.wxnHint, { mapper }) },
        );
      }
    });
  },
});

export const securityStateMismatch = defineCheck(D.securityStateMismatch, {
  cost: "needs-plugins",
  needs: PLUGINS_USABLE,
  run(ctx) {
    const said = D.securityStateMismatch.messages;
    const memories = new Map(ctx.ir.memories.map((x) => [x.name, x]));
    eachLine(ctx, (m, _mapper, caps) => {
      const memory = memories.get(m.source.memory);
      if (!m.attrs.secure && !memory?.secure) return; // the common case: nothing secure
      const secureContext = caps !== undefined && ((caps.attrs ?? 0) & ATTR_SECURE) !== 0;
      const target = `'${m.target.name}'`;
      const related = memory?.secure
        ? {
            related: [{ span: memory.span, message: text(said.declared, { memory: memory.name }) }],
          }
        : {};
      const hint = text(said.hint);
      if (m.attrs.secure && !secureContext) {
        if (memory?.secure) {
          const why = text(said.nonsecureContext, { target });
          ctx.report(
            D.securityStateMismatch,
            m.span,
            { memory: memory.name, why },
            { hint, ...related },
          );
        } else ctx.report(said.secureFromNonsecure, m.span, { target }, { hint });
      } else if (memory?.secure && !m.attrs.secure) {
        const why = text(said.nonsecureWord);
        ctx.report(D.securityStateMismatch, m.span, { memory: memory.name, why }, related);
      }
    });
  },
});

export const secureTablesInNonsecureMemory = defineCheck(D.secureTablesInNonsecureMemory, {
  cost: "needs-plugins",
  needs: PLUGINS_USABLE,
  run(ctx) {
    const pools = new Map(ctx.ir.pools.map((p) => [p.name, p]));
    const memories = new Map(ctx.ir.memories.map((x) => [x.name, x]));
    for (const mapper of ctx.ir.mappers) {
      const caps = ctx.capabilities(mapper.name);
      if (!caps || ((caps.attrs ?? 0) & ATTR_SECURE) === 0) continue;
      const pool = pools.get(mapper.pool);
      const memory = pool && memories.get(pool.memory);
      if (!pool || !memory || memory.secure) continue;
      ctx.report(
        D.secureTablesInNonsecureMemory,
        mapper.span,
        { mapper: mapper.name, pool: pool.name, memory: memory.name },
        { hint: text(D.secureTablesInNonsecureMemory.messages.hint) },
      );
    }
  },
});
