/** How messages name a mapping: by the buffer or slice it maps, never by its bare id. */
import type { IrMapping } from "./types.js";
import { hex } from "../diagnostics/format.js";

/** `frame[0]`, or `gpu_bar (pa 0x6000000000 .. +0x4000000)` for a slice of a region. */
export function mappingSource(m: IrMapping): string {
  if (m.source.buffer !== undefined) return m.source.buffer;
  const c = m.source.chunks[0];
  return c ? `${m.source.memory} (pa ${hex(c.pa)} .. +${hex(m.source.size)})` : m.source.memory;
}

/** `the mapping of frame[0] into disp_dom`. */
export function mappingLabel(m: IrMapping): string {
  return `the mapping of ${mappingSource(m)} into ${m.target.name}`;
}
