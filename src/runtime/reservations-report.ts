/**
 * How much of each reservation the compiled tables back, and with what (VCMM: a reserved
 * region is backed piecewise; the rest is declared but unreachable and must fault).
 */
import type { IrTopology } from "../ir/types.js";
import type { PlacedMapping } from "../model/system-state.js";
import { irMappingsById, mappingSource } from "../model/mapping-index.js";
import type { ReservationReport } from "./report.js";

export function reservationReports(
  ir: IrTopology,
  mappings: readonly PlacedMapping[],
): ReservationReport[] {
  const byId = irMappingsById(ir);
  return (ir.reservations ?? []).map((r) => {
    let backed = 0n;
    const by: string[] = [];
    for (const m of mappings) {
      const irm = byId.get(m.id);
      if (irm?.reservation !== r.name) continue;
      backed += m.size;
      by.push(mappingSource(irm));
    }
    return { name: r.name, domain: r.domain, base: r.range.base, size: r.range.size, backed, by };
  });
}
