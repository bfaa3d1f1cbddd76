/** Physical memory: regions, buffers, slices and pools must sit where they claim to. */
import type { IrChunk, IrMemory } from "../../ir/types.js";
import { formatSize, hex } from "../../semantics/evaluate.js";
import type { CheckImplementation } from "../runner.js";
import { indexIr, mapperOfTarget, sweepOverlaps } from "./ir-index.js";

export const regionOverlap: CheckImplementation = {
  check: "region-overlap",
  run({ ir, report }) {
    sweepOverlaps(
      ir.memories,
      (m) => m.range.base,
      (m) => m.range.size,
      (later, earlier) =>
        report(later.span, `memory '${later.name}' overlaps '${earlier.name}'`, {
          related: [{ span: earlier.span, message: `'${earlier.name}' is declared here` }],
        }),
    );
  },
};

function inside(c: IrChunk, m: IrMemory): boolean {
  return c.pa >= m.range.base && c.pa + c.size <= m.range.base + m.range.size;
}

export const outsideRegion: CheckImplementation = {
  check: "outside-region",
  run({ ir, report }) {
    const memories = new Map(ir.memories.map((m) => [m.name, m]));
    const describe = (c: IrChunk) => `${hex(c.pa)} .. +${formatSize(c.size)}`;
    for (const b of ir.buffers) {
      const m = memories.get(b.memory);
      if (!m) {
        if (b.memory === "" && b.chunks[0])
          report(b.span, `buffer '${b.name}' at ${describe(b.chunks[0])} is in no memory region`);
        continue;
      }
      const bad = b.chunks.find((c) => !inside(c, m));
      if (bad) report(b.span, `buffer '${b.name}' (${describe(bad)}) is outside '${m.name}'`);
    }
    for (const p of ir.pools) {
      const m = memories.get(p.memory);
      const c = { pa: p.range.base, size: p.range.size };
      if (m && !inside(c, m))
        report(p.span, `pool '${p.name}' (${describe(c)}) is outside '${m.name}'`);
    }
    for (const m of ir.mappings) {
      if (m.source.buffer) continue; // buffers are checked once above
      const mem = memories.get(m.source.memory);
      const bad = mem ? m.source.chunks.find((c) => !inside(c, mem)) : undefined;
      if (mem && bad) report(m.span, `the slice ${describe(bad)} is outside '${mem.name}'`);
    }
    for (const c of ir.containers)
      for (const r of c.registered) {
        const chunk = { pa: r.range.base, size: r.range.size };
        if (!ir.memories.some((m) => inside(chunk, m)))
          report(r.span, `the registered range ${describe(chunk)} is in no memory region`);
      }
  },
};

export const poolOutsideRam: CheckImplementation = {
  check: "pool-outside-ram",
  run({ ir, report }) {
    const memories = new Map(ir.memories.map((m) => [m.name, m]));
    for (const p of ir.pools) {
      const m = memories.get(p.memory);
      if (m && m.kind !== "ram")
        report(
          p.span,
          `pool '${p.name}' is in '${m.name}', which is ${m.kind}, not ram: page tables must live in RAM`,
        );
    }
  },
};

/**
 * An upper-bound estimate of table pages: per mapping, the leaf tables its size needs at the
 * smallest page plus one table per upper level; per address space, one root.
 */
export const poolTooSmall: CheckImplementation = {
  check: "pool-too-small",
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
    for (const m of ir.mappings) {
      const mapper = mapperOfTarget(index, m);
      const caps = mapper ? capabilities(mapper) : undefined;
      const pool = mapper ? poolOf.get(mapper) : undefined;
      if (!caps || !pool || caps.levels === 0) continue;
      const windowPage =
        m.target.kind === "window" ? index.windows.get(m.target.name)?.window.pageSize : undefined;
      const page = m.pageSize ?? windowPage ?? caps.pageSizes[0] ?? 4096n;
      const entries = caps.granule / BigInt(caps.entryBytes);
      const span = entries * page;
      if (span === 0n) continue;
      const leaves = (m.source.size + span - 1n) / span + 1n; // +1: an unaligned IOVA can straddle
      add(pool, (leaves + BigInt(Math.max(0, caps.levels - 2))) * caps.granule);
    }
    for (const p of ir.pools) {
      const bytes = need.get(p.name);
      if (bytes !== undefined && bytes > p.range.size)
        report(
          p.span,
          `pool '${p.name}' (${formatSize(p.range.size)}) is smaller than the ~${formatSize(bytes)} of page tables its mappers may need`,
        );
    }
  },
};
