/** The base state's sPAPR window mappings, held to the container rules (src/model/spapr-state.ts). */
import { irMappingsById, mappingSource } from "../model/mapping-index.js";
import { checkWindowMapping, SpaprState } from "../model/spapr-state.js";
import type { SystemState } from "../model/system-state.js";
import type { FailureSink } from "./failure-sink.js";

export function checkRegisteredWindows(view: SystemState, sink: FailureSink): void {
  const state = new SpaprState(view.ir, sink);
  const byId = irMappingsById(view.ir);
  for (const m of view.mappings) {
    if (m.target.kind !== "window") continue;
    const ir = byId.get(m.id);
    checkWindowMapping(state, m, sink, ir?.span, ir && `the mapping of ${mappingSource(ir)}`);
  }
}
