/**
 * Who reaches what, from the lowered topology: every piece of every mapping joined with the
 * endpoints that use its table, plus the by-design reach of identity domains and no-MMU
 * endpoints. The layout picture's physical map and the report's address search read this.
 */
import type { CompiledTopology } from "../lowering/compiled.js";
import { protText } from "../lowering/protection.js";

export interface ReachRow {
  endpoint: string;
  /** `table` through a page table, `identity` (iova == pa), `direct` (bus = pa - offset). */
  via: "table" | "identity" | "direct";
  /** The table, identity domain or `bus` the address lives in. */
  table: string;
  /** The address the endpoint uses (IOVA, VA or bus address). */
  address: bigint;
  pa: bigint;
  size: bigint;
  rights: string;
  memory: string;
  buffer?: string;
}

/** Which endpoints use each table (a table name, or a no-MMU endpoint's own name). */
export function tableUsers(compiled: CompiledTopology): Map<string, string[]> {
  const users = new Map<string, string[]>();
  const add = (table: string, endpoint: string) => {
    const list = users.get(table) ?? [];
    if (!list.includes(endpoint)) list.push(endpoint);
    users.set(table, list);
  };
  for (const r of compiled.endpoints) {
    if (r.kind === "table" || r.kind === "iommu") add(r.table, r.endpoint);
    else if (r.kind === "windows") for (const t of r.tables) add(t, r.endpoint);
    else if (r.kind === "direct") add(r.endpoint, r.endpoint);
  }
  return users;
}

/** Every stretch an endpoint reaches, sorted by endpoint, then address. */
export function reachRows(compiled: CompiledTopology): ReachRow[] {
  const users = tableUsers(compiled);
  const rows: ReachRow[] = [];
  for (const m of compiled.mappings) {
    const table = m.table ?? m.target.name;
    const rights = protText(m.prot);
    for (const endpoint of users.get(table) ?? []) {
      for (const c of m.chunks) {
        rows.push({
          endpoint,
          via: "table",
          table,
          address: c.iova,
          pa: c.pa,
          size: c.size,
          rights,
          memory: m.memory,
          ...(m.buffer !== undefined ? { buffer: m.buffer } : {}),
        });
      }
    }
  }
  for (const r of compiled.endpoints) {
    if (r.kind === "identity") {
      for (const mem of compiled.ir.memories) {
        const lo = mem.range.base > r.aperture.base ? mem.range.base : r.aperture.base;
        const endA = r.aperture.base + r.aperture.size;
        const endM = mem.range.base + mem.range.size;
        const hi = endA < endM ? endA : endM;
        if (hi <= lo) continue;
        rows.push({
          endpoint: r.endpoint,
          via: "identity",
          table: r.domain,
          address: lo,
          pa: lo,
          size: hi - lo,
          rights: "rwx",
          memory: mem.name,
        });
      }
    } else if (r.kind === "direct") {
      const limit = r.dmaMaskBits >= 64 ? 1n << 64n : 1n << BigInt(r.dmaMaskBits);
      for (const mem of compiled.ir.memories) {
        if (mem.range.base < r.busOffset) continue;
        const bus = mem.range.base - r.busOffset;
        if (bus >= limit) continue;
        const size = bus + mem.range.size > limit ? limit - bus : mem.range.size;
        rows.push({
          endpoint: r.endpoint,
          via: "direct",
          table: "bus",
          address: bus,
          pa: mem.range.base,
          size,
          rights: "rwx",
          memory: mem.name,
        });
      }
    }
  }
  const cmp = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
  return rows.sort(
    (a, b) =>
      (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0) ||
      cmp(a.address, b.address) ||
      cmp(a.pa, b.pa),
  );
}
