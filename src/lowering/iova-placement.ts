/**
 * Where mappings go in their tables' IOVA space: fixed (`at 0x...`) ranges are reserved before
 * anything is allocated, and an `at auto` mapping gets the lowest IOVA congruent to its PA modulo
 * the largest page its first chunk could hold (iova-allocator.ts).
 */
import type { IrMapping } from "../ir/types.js";
import type { LiveTables, TableState } from "./live-tables.js";

/** Reserve the IOVA ranges of fixed (`at 0x...`) mappings, so auto ones avoid them. */
export function reserveFixed(live: LiveTables, mappings: readonly IrMapping[]): void {
  for (const m of mappings) {
    if (m.iova === "auto" || m.target.kind === "direct") continue;
    live.tableAt(m.target.name, m.iova)?.iovas.reserve(m.iova, m.source.size);
  }
}

/**
 * An IOVA for `m` in `state`'s table, taken out of its free space, or undefined. Falls back to
 * smaller alignments before giving up, so a fragmented space is still used.
 */
export function allocateIova(state: TableState, m: IrMapping): bigint | undefined {
  const sizes = m.pageSize !== undefined ? [m.pageSize] : state.pageSizes;
  const first = m.source.chunks[0];
  const anchor = first?.pa ?? 0n;
  const limit = first?.size ?? m.source.size;
  const candidates = sizes.filter((s) => s <= limit).reverse();
  if (candidates.length === 0) candidates.push(sizes[0] ?? 4096n);
  for (const align of candidates) {
    const x = state.iovas.allocate(m.source.size, align, anchor);
    if (x !== undefined) return x;
  }
  return undefined;
}
