/** Unity reserved ranges (RMRR / IVMD): identity-mapped read-write in their domain's table. */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { ATTR_CACHEABLE, PROT_READ, PROT_WRITE } from "../plugin-api/types.js";
import type { CompiledMapping } from "./compiled.js";
import { rangeText } from "./diagnostics.js";
import type { LiveTables } from "./live-tables.js";
import { mapPages, type MapperContext } from "./page-mapper.js";

/** Map every unity range of every translated domain; ids count down from -1. */
export function mapUnityRanges(
  live: LiveTables,
  context: MapperContext,
): { records: CompiledMapping[]; diagnostics: Diagnostic[] } {
  const records: CompiledMapping[] = [];
  const diagnostics: Diagnostic[] = [];
  let next = -1;
  for (const d of live.ir.domains) {
    const state = live.tables.get(d.name);
    if (!state) continue;
    for (const r of d.reserved) {
      if (r.kind !== "unity") continue;
      const result = mapPages(
        {
          table: state,
          id: next--,
          target: { kind: "domain", name: d.name },
          iova: r.range.base,
          placement: "fixed",
          chunks: [{ pa: r.range.base, size: r.range.size }],
          prot: PROT_READ | PROT_WRITE,
          attrs: ATTR_CACHEABLE,
          span: r.span,
          what: `the unity range ${rangeText(r.range.base, r.range.size)} of '${d.name}'`,
        },
        context,
      );
      if (!result.ok) {
        for (const diag of result.diagnostics) diagnostics.push(asUnityFailure(diag));
        continue;
      }
      result.record.unity = true;
      records.push(result.record);
    }
  }
  return { records, diagnostics };
}

/** A range the format refuses or cannot align is the unity range's own failure. */
function asUnityFailure(diag: Diagnostic): Diagnostic {
  if (diag.check !== D.mappingRefused.name && diag.check !== D.mappingUnaligned.name) return diag;
  return { ...diag, ...diagnostic(D.unityMapFailed, diag.span, { refusal: diag.message }) };
}
