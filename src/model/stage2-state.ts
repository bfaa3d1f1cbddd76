/**
 * Scenario steps on a VM's stage 2. The host may take guest memory back (`unmap REF from VM`,
 * as VFIO's unmap of a guest RAM range, or a balloon) while the guest's stage 1 still maps it:
 * the stage-2 table loses exactly those pages, the guest's stage-1 leaves stay, and from then
 * on the device's accesses there must fault at stage 2. So the intended reach of a nested
 * domain is its mappings clipped to what its stage 2 still maps, and the host pages taken back
 * must be reached by no endpoint (`mustNotReach`): a stale stage-2 leaf would let the guest's
 * DMA reach memory the host reuses.
 */
import type { IrChunk, IrTopology } from "../ir/types.js";
import type { CompiledChunk, CompiledMapping } from "../lowering/compiled.js";
import type { LiveTables } from "../lowering/live-tables.js";

/** Is `domain` a stage-2 domain of `ir`? */
export function isStage2(ir: IrTopology, domain: string): boolean {
  return ir.domains.some((d) => d.name === domain && d.stage2 === true);
}

/** The nested domains translated by stage-2 domain `parent`. */
export function nestedOn(ir: IrTopology, parent: string): string[] {
  return ir.domains.filter((d) => d.nested?.parent === parent).map((d) => d.name);
}

/**
 * Unmap the host memory `chunks` from stage-2 domain `domain`: the stage-2 records lose those
 * pieces and the table its leaves there. Returns the host ranges taken away (empty: none of it
 * was mapped).
 */
export function unmapFromStage2(
  live: LiveTables,
  records: CompiledMapping[],
  domain: string,
  chunks: readonly IrChunk[],
): { removed: IrChunk[] } {
  const state = live.tables.get(domain);
  if (!state) return { removed: [] };
  const removed: IrChunk[] = [];
  for (const r of records) {
    if (r.table !== domain) continue;
    const kept: CompiledChunk[] = [];
    for (const rc of r.chunks) {
      let pieces: CompiledChunk[] = [rc];
      for (const c of chunks) pieces = pieces.flatMap((p) => cut(p, c, state, removed));
      kept.push(...pieces);
    }
    r.chunks = kept;
  }
  return { removed };
}

/** `p` without host range `c`: the overlap is unmapped from the table and recorded. */
function cut(
  p: CompiledChunk,
  c: IrChunk,
  state: NonNullable<ReturnType<LiveTables["tables"]["get"]>>,
  removed: IrChunk[],
): CompiledChunk[] {
  const lo = p.pa > c.pa ? p.pa : c.pa;
  const hi = p.pa + p.size < c.pa + c.size ? p.pa + p.size : c.pa + c.size;
  if (lo >= hi) return [p];
  state.plugin.unmap(state.handle, p.iova + (lo - p.pa), hi - lo);
  removed.push({ pa: lo, size: hi - lo });
  const out: CompiledChunk[] = [];
  if (lo > p.pa) out.push({ iova: p.iova, pa: p.pa, size: lo - p.pa, runs: [] });
  const end = p.pa + p.size;
  if (hi < end) out.push({ iova: p.iova + (hi - p.pa), pa: hi, size: end - hi, runs: [] });
  return out;
}

/**
 * The records as a proof should read them: a nested domain's mappings keep only the host pages
 * its stage 2 still maps (the rest faults at stage 2 however the guest's stage 1 maps it).
 */
export function clipToStage2(ir: IrTopology, records: CompiledMapping[]): CompiledMapping[] {
  const parents = new Map(
    ir.domains.filter((d) => d.nested).map((d) => [d.name, d.nested!.parent]),
  );
  if (parents.size === 0) return records;
  const mapped = new Map<string, IrChunk[]>();
  for (const r of records) {
    if (r.table === undefined || !isStage2(ir, r.table)) continue;
    const list = mapped.get(r.table) ?? [];
    for (const c of r.chunks) list.push({ pa: c.pa, size: c.size });
    mapped.set(r.table, list);
  }
  return records.map((r) => {
    const parent = r.table !== undefined ? parents.get(r.table) : undefined;
    if (parent === undefined) return r;
    const ranges = mapped.get(parent) ?? [];
    const chunks: CompiledChunk[] = [];
    for (const c of r.chunks)
      for (const m of ranges) {
        const lo = c.pa > m.pa ? c.pa : m.pa;
        const hi = c.pa + c.size < m.pa + m.size ? c.pa + c.size : m.pa + m.size;
        if (lo < hi) chunks.push({ iova: c.iova + (lo - c.pa), pa: lo, size: hi - lo, runs: [] });
      }
    chunks.sort((a, b) => (a.iova < b.iova ? -1 : a.iova > b.iova ? 1 : 0));
    const size = chunks.reduce((a, c) => a + c.size, 0n);
    return size === r.size ? r : { ...r, chunks };
  });
}
