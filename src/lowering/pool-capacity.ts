/**
 * Before anything is mapped: the table pages every table needs for its mappings and unity
 * ranges (a lower bound, from each format's geometry, table-estimate.ts), summed per pool, and a
 * pool they cannot fit in refused with the real shortfall. Formats without `tableGeometry` are
 * not counted here.
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { IrChunk, IrMapping } from "../ir/types.js";
import { pluginFailure } from "./diagnostics.js";
import type { LiveTables, TableState } from "./live-tables.js";
import { planPages, type PageRun } from "./page-plan.js";
import { grouped, tableBytesNeeded } from "./table-estimate.js";

interface TableRuns {
  /** At their IOVAs. */
  fixed: PageRun[];
  /** Only their sizes count (`at auto`). */
  floating: PageRun[];
}

/** The diagnostics of pools too small for `mappings` (none: every pool fits). */
export function checkPoolCapacity(live: LiveTables, mappings: readonly IrMapping[]): Diagnostic[] {
  const byTable = runsByTable(live, mappings);
  const needByPool = new Map<string, number>();
  for (const [name, runs] of byTable) {
    const state = live.tables.get(name)!;
    if (!state.plugin.tableGeometry) continue;
    const c = state.table.context;
    const what = `reading the table geometry of '${name}'`;
    live.watch?.subject?.(what, state.span);
    let need: number;
    try {
      const geometry = state.plugin.tableGeometry({
        params: c.params,
        aperture: c.aperture,
        ...(c.window ? { window: c.window } : {}),
      });
      need = tableBytesNeeded(geometry, runs.fixed, runs.floating);
    } catch (e) {
      return [pluginFailure(e, what, state.span)];
    }
    const pool = live.mappers.get(state.table.mapper)!.ir.pool;
    needByPool.set(pool, (needByPool.get(pool) ?? 0) + need);
  }
  const diagnostics: Diagnostic[] = [];
  for (const [name, need] of needByPool) {
    const pool = live.allocators.get(name);
    if (!pool || need <= pool.freeBytes) continue;
    const ir = live.ir.pools.find((p) => p.name === name)!;
    const short = Math.ceil((need - pool.freeBytes) / 4096);
    diagnostics.push(
      diagnostic(D.poolExhausted.messages.tooSmall, ir.span, {
        pool: name,
        need: grouped(Math.ceil(need / 4096)),
        free: grouped(Math.floor(pool.freeBytes / 4096)),
        short: grouped(short),
        shortBytes: grouped(short * 4096),
      }),
    );
  }
  return diagnostics;
}

/** The page runs each table will hold: its unity ranges and the mappings into it. */
function runsByTable(live: LiveTables, mappings: readonly IrMapping[]): Map<string, TableRuns> {
  const byTable = new Map<string, TableRuns>();
  const runsOf = (name: string) => {
    let r = byTable.get(name);
    if (!r) byTable.set(name, (r = { fixed: [], floating: [] }));
    return r;
  };
  for (const d of live.ir.domains) {
    const state = live.tables.get(d.name);
    if (!state) continue;
    for (const r of d.reserved) {
      if (r.kind === "unity")
        runsOf(d.name).fixed.push(
          ...planned(state, r.range.base, [{ pa: r.range.base, size: r.range.size }]),
        );
    }
  }
  for (const m of mappings) {
    const state = m.target.kind === "direct" ? undefined : live.tables.get(m.target.name);
    if (!state) continue;
    const runs = runsOf(m.target.name);
    if (m.iova === "auto") {
      for (const c of m.source.chunks)
        for (const r of planned(state, c.pa, [c], m.pageSize)) runs.floating.push(r);
    } else {
      for (const r of planned(state, m.iova, m.source.chunks, m.pageSize)) runs.fixed.push(r);
    }
  }
  return byTable;
}

/** The page runs of `chunks` placed from `iova` in a table; none when they cannot be planned. */
function planned(
  state: TableState,
  iova: bigint,
  chunks: readonly IrChunk[],
  forced?: bigint,
): PageRun[] {
  const out: PageRun[] = [];
  let at = iova;
  for (const c of chunks) {
    const plan = planPages(at, c.pa, c.size, state.pageSizes, forced);
    if (!Array.isArray(plan)) return [];
    for (const run of plan) out.push(run);
    at += c.size;
  }
  return out;
}
