/**
 * The table pages of every table, from bytes: each lies in its mapper's pool and is a page of
 * one table only (a page reached from two tables would let a write through one change the other).
 */
import { D } from "../diagnostics/catalogue.js";
import { hex as hexOf } from "../diagnostics/format.js";
import type { PhysicalMemory } from "../plugin-api/physical-memory.js";
import type { SystemState } from "../model/system-state.js";
import type { TablePath } from "./endpoint-paths.js";
import type { FailureSink } from "./failure-sink.js";

/** One table as walked from one root. */
export interface TableRef {
  table: string;
  mapper: string;
  root: bigint;
}

/** Every table page reachable from one root, as the plugin's `tables` pass lists them. */
export interface TablePages {
  pa: number[];
  level: number[];
}

/** The table pages the plugin lists from bytes (up to where it fails, if it does). */
export function tablePagesOf(memory: PhysicalMemory, tp: TablePath): TablePages {
  const pages: TablePages = { pa: [], level: [] };
  try {
    tp.plugin.tables(memory, tp.context, (pa, _bytes, level) => {
      // Plain numbers: this runs once per table page (32K pages for a 64 GiB domain).
      pages.pa.push(Number(pa));
      pages.level.push(level);
    });
  } catch {
    // Reported by the leaves pass of the same table.
  }
  return pages;
}

export class TablePageCheck {
  private readonly checked = new Set<string>();
  /** Which table owns each table (by its address: sub-page tables share frames) seen so far. */
  private readonly pageOwners = new Map<number, string>();

  constructor(
    private readonly view: SystemState,
    private readonly sink: FailureSink,
  ) {}

  /** True the first time a table and root is seen (each is checked once). */
  firstTime(ref: TableRef): boolean {
    const key = `${ref.table}@${ref.root}`;
    if (this.checked.has(key)) return false;
    this.checked.add(key);
    return true;
  }

  /**
   * Check one table's page list (once per table and root): every page in the mapper's pool, none
   * already a page of another table. `pages` is read only when the table was not checked yet.
   */
  check(ref: TableRef, pages: () => TablePages): void {
    if (!this.firstTime(ref)) return;
    const table = ref.table;
    const list = pages();
    const mapper = this.view.mappers.find((m) => m.name === ref.mapper);
    const pool = this.view.pools.find((p) => p.name === mapper?.pool);
    const first = pool ? Number(pool.base >> 12n) : -Infinity;
    const end = pool ? Number((pool.base + pool.size) >> 12n) : Infinity;
    let reported = 0;
    for (let i = 0; i < list.pa.length; i++) {
      const at = list.pa[i]!;
      const level = list.level[i]!;
      const pfn = Math.floor(at / 4096);
      const outside = pfn < first || pfn >= end;
      const owner = this.pageOwners.get(at);
      if (owner === undefined) this.pageOwners.set(at, table);
      const shared = owner !== undefined && owner !== table;
      if ((!outside && !shared) || reported++ >= 4) continue;
      const pa = BigInt(at);
      const fields = {
        table,
        address: pa,
        expected: `a level-${level} table page of ${table} in pool ${pool?.name ?? "?"}`,
        found: outside
          ? `page ${hexOf(pa)} outside the pool`
          : `page ${hexOf(pa)}, also a table of ${owner}`,
      };
      const args = { table, level, pa: hexOf(pa) };
      if (outside)
        this.sink.report(D.tableOutsidePool, { ...args, pool: pool?.name ?? "?" }, fields);
      else this.sink.report(D.tableOutsidePool.messages.shared, { ...args, owner: owner! }, fields);
    }
  }
}
