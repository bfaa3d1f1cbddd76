/**
 * Permissions as the format grants them: one rights model (`plugin-api/rights.ts`) for check and
 * run. A declared right the format cannot express is widened (a note, or a warning where the
 * mapping becomes writable); each diagnostic is given once per `map` line, so `buf[*]` with
 * eight elements gives one, not eight.
 */
import { D } from "../../diagnostics/catalogue.js";
import type { IrMapping } from "../../ir/types.js";
import { protOf } from "../../lowering/protection.js";
import { grantedProt } from "../../plugin-api/rights.js";
import { PROT_EXEC, PROT_READ, PROT_WRITE } from "../../plugin-api/types.js";
import { defineCheck, type CheckContext } from "../check.js";
import { PLUGINS_USABLE } from "./needs.js";
import { indexIr, mapperOfTarget, type IrIndex } from "./ir-index.js";

/** The rights a mapping grants in effect on its target's format (declared, without a mapper). */
export function mappingRights(ctx: CheckContext, index: IrIndex): (m: IrMapping) => number {
  return (m) => {
    const declared = protOf(m.perms);
    const mapper = mapperOfTarget(index, m);
    const caps = mapper ? ctx.capabilities(mapper) : undefined;
    return caps ? grantedProt(declared, caps) : declared;
  };
}

/** Mappings declared with `having` and none of `absent` whose format adds `added`. */
function widened(
  ctx: CheckContext,
  having: number,
  absent: number,
  added: number,
  message: typeof D.writeImpliesRead | typeof D.readImpliesWrite | typeof D.execImpliesRead,
): void {
  const { all, mapperOf, lineOf, lineCount } = indexIr(ctx.ir);
  const formats = new Map(ctx.ir.mappers.map((m) => [m.name, m.format]));
  const seen = new Uint8Array(lineCount);
  for (let i = 0; i < all.length; i++) {
    const m = all[i]!;
    const declared = protOf(m.perms);
    if ((declared & having) !== having || declared & absent) continue;
    const mapper = mapperOf[i];
    const caps = mapper ? ctx.capabilities(mapper) : undefined;
    if (!mapper || !caps || !(grantedProt(declared, caps) & added)) continue;
    const line = lineOf[i]!;
    if (seen[line]) continue; // one per `map` line: the elements of `buf[*]` share it
    seen[line] = 1;
    ctx.report(message, m.span, { mapper, format: formats.get(mapper) ?? "?" });
  }
}

export const writeImpliesRead = defineCheck(D.writeImpliesRead, {
  cost: "needs-plugins",
  needs: PLUGINS_USABLE,
  run(ctx) {
    widened(ctx, PROT_WRITE, PROT_READ, PROT_READ, D.writeImpliesRead);
  },
});

export const readImpliesWrite = defineCheck(D.readImpliesWrite, {
  cost: "needs-plugins",
  needs: PLUGINS_USABLE,
  run(ctx) {
    widened(ctx, PROT_READ, PROT_WRITE, PROT_WRITE, D.readImpliesWrite);
  },
});

export const execImpliesRead = defineCheck(D.execImpliesRead, {
  cost: "needs-plugins",
  needs: PLUGINS_USABLE,
  run(ctx) {
    widened(ctx, PROT_EXEC, PROT_READ | PROT_WRITE, PROT_READ, D.execImpliesRead);
  },
});
