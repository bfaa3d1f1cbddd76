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
  /** The pool its pages must lie in, when not its mapper's (a nested domain's `tables`). */
  pool?: string;
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

/**
 * Which table owns each table page seen so far, by its address (sub-page tables share frames):
 * owner numbers in Int32Array chunks of 4096 64-byte slots, the last chunk remembered, since the
 * pages of a table mostly follow one another (a Map entry per page cost ~10% of a proof of 32K
 * table pages); addresses off the 64-byte grid go to a Map.
 */
class PageOwners {
  private readonly chunks = new Map<number, Int32Array>();
  private readonly odd = new Map<number, number>();
  private lastKey = -1;
  private last: Int32Array = new Int32Array(0);

  /** The owner of the page at `pa`, or -1. */
  get(pa: number): number {
    if (pa % 64 !== 0) return this.odd.get(pa) ?? -1;
    const slot = pa / 64;
    const key = Math.floor(slot / 4096);
    if (key !== this.lastKey) {
      const c = this.chunks.get(key);
      if (c === undefined) return -1;
      this.lastKey = key;
      this.last = c;
    }
    return this.last[slot - key * 4096]! - 1;
  }

  set(pa: number, owner: number): void {
    if (pa % 64 !== 0) {
      this.odd.set(pa, owner);
      return;
    }
    const slot = pa / 64;
    const key = Math.floor(slot / 4096);
    let c = this.chunks.get(key);
    if (c === undefined) this.chunks.set(key, (c = new Int32Array(4096)));
    c[slot - key * 4096] = owner + 1;
    this.lastKey = key;
    this.last = c;
  }
}

export class TablePageCheck {
  private readonly checked = new Set<string>();
  private readonly pageOwners = new PageOwners();
  /** Owner numbers of PageOwners: table names, and the number of each. */
  private readonly tableNames: string[] = [];
  private readonly tableNumbers = new Map<string, number>();

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
    const pool = this.view.pools.find((p) => p.name === (ref.pool ?? mapper?.pool));
    const first = pool ? Number(pool.base >> 12n) : -Infinity;
    const end = pool ? Number((pool.base + pool.size) >> 12n) : Infinity;
    let reported = 0;
    let number = this.tableNumbers.get(table);
    if (number === undefined) {
      number = this.tableNames.push(table) - 1;
      this.tableNumbers.set(table, number);
    }
    for (let i = 0; i < list.pa.length; i++) {
      const at = list.pa[i]!;
      const level = list.level[i]!;
      const pfn = Math.floor(at / 4096);
      const outside = pfn < first || pfn >= end;
      const ownerNumber = this.pageOwners.get(at);
      if (ownerNumber < 0) this.pageOwners.set(at, number);
      const owner = ownerNumber < 0 ? undefined : this.tableNames[ownerNumber]!;
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
