/** Physical memory: regions, buffers, slices and pools must sit where they claim to. */
import { D, text } from "../../diagnostics/catalogue.js";
import { formatSize, hex } from "../../diagnostics/format.js";
import type { IrChunk, IrMemory } from "../../ir/types.js";
import type { Capabilities } from "../../plugin-api/types.js";
import { defineCheck } from "../check.js";
import { PLUGINS_USABLE } from "./needs.js";
import { indexIr, sweepOverlaps } from "./ir-index.js";

export const regionOverlap = defineCheck(D.regionOverlap, {
  run({ ir, report }) {
    sweepOverlaps(
      ir.memories,
      (m) => m.range.base,
      (m) => m.range.size,
      (later, earlier) =>
        report(
          D.regionOverlap,
          later.span,
          { name: later.name, other: earlier.name },
          {
            related: [
              {
                span: earlier.span,
                message: text(D.regionOverlap.messages.declaredHere, { name: earlier.name }),
              },
            ],
          },
        ),
    );
  },
});

function inside(c: IrChunk, m: IrMemory): boolean {
  return c.pa >= m.range.base && c.pa + c.size <= m.range.base + m.range.size;
}

/** The first chunk not inside `m` (its end computed once, not per chunk). */
function firstOutside(chunks: readonly IrChunk[], m: IrMemory): IrChunk | undefined {
  const base = m.range.base;
  const end = base + m.range.size;
  for (const c of chunks) if (c.pa < base || c.pa + c.size > end) return c;
  return undefined;
}

export const outsideRegion = defineCheck(D.outsideRegion, {
  run({ ir, report }) {
    const memories = new Map(ir.memories.map((m) => [m.name, m]));
    const describe = (c: IrChunk) => `${hex(c.pa)} .. +${formatSize(c.size)}`;
    const said = D.outsideRegion.messages;
    for (let i = 0; i < ir.buffers.length; i++) {
      const b = ir.buffers[i]!;
      const m = memories.get(b.memory);
      if (!m) {
        if (b.memory === "" && b.chunks[0])
          report(said.bufferInNoRegion, b.span, { name: b.name, range: describe(b.chunks[0]) });
        continue;
      }
      const bad = firstOutside(b.chunks, m);
      if (bad)
        report(D.outsideRegion, b.span, { name: b.name, range: describe(bad), memory: m.name });
    }
    for (const p of ir.pools) {
      const m = memories.get(p.memory);
      const c = { pa: p.range.base, size: p.range.size };
      if (m && !inside(c, m))
        report(said.pool, p.span, { name: p.name, range: describe(c), memory: m.name });
    }
    for (let i = 0; i < ir.mappings.length; i++) {
      const m = ir.mappings[i]!;
      if (m.source.buffer) continue; // buffers are checked once above
      const mem = memories.get(m.source.memory);
      const bad = mem ? firstOutside(m.source.chunks, mem) : undefined;
      if (mem && bad) report(said.slice, m.span, { range: describe(bad), memory: mem.name });
    }
    for (const c of ir.containers)
      for (const r of c.registered) {
        const chunk = { pa: r.range.base, size: r.range.size };
        if (!ir.memories.some((m) => inside(chunk, m)))
          report(said.registered, r.span, { range: describe(chunk) });
      }
  },
});

export const poolOutsideRam = defineCheck(D.poolOutsideRam, {
  run({ ir, report }) {
    const memories = new Map(ir.memories.map((m) => [m.name, m]));
    for (const p of ir.pools) {
      const m = memories.get(p.memory);
      if (m && m.kind !== "ram")
        report(D.poolOutsideRam, p.span, { pool: p.name, memory: m.name, kind: m.kind });
    }
  },
});

/** A mapper's table geometry, and the tables its mappings need so far. */
interface MapperTables {
  pool: string;
  granule: bigint;
  /** Entries per table. */
  entries: bigint;
  /** Bytes one leaf table covers at the smallest page. */
  span: bigint;
  /** Tables a mapping needs besides its leaves: 1 (straddling) + the levels above the leaf. */
  upper: bigint;
  tables: bigint;
  /**
   * Mappings no larger than one leaf table's reach (the usual buffer): one leaf each, counted
   * without BigInt arithmetic per mapping (that was most of this check's allocation).
   */
  small: number;
}

function mapperTables(
  caps: Capabilities | undefined,
  pool: string | undefined,
): MapperTables | null {
  if (!caps || !pool || caps.levels === 0) return null;
  const entries = caps.granule / BigInt(caps.entryBytes);
  const upper = 1n + BigInt(Math.max(0, caps.levels - 2));
  return {
    pool,
    granule: caps.granule,
    entries,
    span: entries * (caps.pageSizes[0] ?? 4096n),
    upper,
    tables: 0n,
    small: 0,
  };
}

/**
 * An upper-bound estimate of table pages: per mapping, the leaf tables its size needs at the
 * smallest page plus one table per upper level; per address space, one root.
 */
export const poolTooSmall = defineCheck(D.poolTooSmall, {
  cost: "needs-plugins",
  needs: PLUGINS_USABLE,
  run({ ir, report, capabilities }) {
    const index = indexIr(ir);
    const need = new Map<string, bigint>();
    const add = (pool: string, bytes: bigint) => need.set(pool, (need.get(pool) ?? 0n) + bytes);
    const poolOf = new Map(ir.mappers.map((m) => [m.name, m.pool]));
    for (const d of ir.domains) {
      const caps = capabilities(d.mapper);
      const pool = poolOf.get(d.mapper);
      if (caps && pool && caps.levels > 0) add(pool, caps.granule);
    }
    // What depends on the mapper only, worked out once per mapper; per mapping, the table
    // count is summed per mapper and turned into bytes of its pool at the end.
    const perMapper = new Map<string, MapperTables | null>();
    let lastName: string | undefined;
    let last: MapperTables | null = null;
    // The top-level mappings come first in `index.all`, with their mappers.
    for (let i = 0; i < ir.mappings.length; i++) {
      const mapper = index.mapperOf[i];
      if (!mapper) continue;
      if (mapper !== lastName) {
        let t = perMapper.get(mapper);
        if (t === undefined)
          perMapper.set(mapper, (t = mapperTables(capabilities(mapper), poolOf.get(mapper))));
        lastName = mapper;
        last = t;
      }
      if (!last) continue;
      const m = ir.mappings[i]!;
      const windowPage =
        m.target.kind === "window" ? index.windows.get(m.target.name)?.window.pageSize : undefined;
      const page = m.pageSize ?? windowPage;
      const span = page === undefined ? last.span : last.entries * page;
      if (span === 0n) continue;
      // +1: an unaligned IOVA can straddle; + the upper levels.
      const size = m.source.size;
      if (size > 0n && size <= span) last.small++;
      else last.tables += (size + span - 1n) / span + last.upper;
    }
    for (const t of perMapper.values()) {
      const tables = t ? t.tables + BigInt(t.small) * (1n + t.upper) : 0n;
      if (t && tables > 0n) add(t.pool, tables * t.granule);
    }
    for (const p of ir.pools) {
      const bytes = need.get(p.name);
      if (bytes !== undefined && bytes > p.range.size)
        report(D.poolTooSmall, p.span, {
          pool: p.name,
          size: formatSize(p.range.size),
          need: formatSize(bytes),
        });
    }
  },
});
