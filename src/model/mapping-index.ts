/**
 * Every IR mapping by id, top-level and scenario steps alike (a scenario's `map` has an id too),
 * and how messages name one: by the buffer or slice it maps, never by its bare id.
 */
import type { IrMapping, IrTopology } from "../ir/types.js";

const cache = new WeakMap<IrTopology, Map<number, IrMapping>>();

export function irMappingsById(ir: IrTopology): Map<number, IrMapping> {
  let byId = cache.get(ir);
  if (byId) return byId;
  byId = new Map();
  for (const m of ir.mappings) byId.set(m.id, m);
  for (const s of ir.scenarios)
    for (const step of s.steps) if (step.kind === "map") byId.set(step.mapping.id, step.mapping);
  cache.set(ir, byId);
  return byId;
}

export { mappingLabel, mappingSource } from "../ir/mapping-text.js";
