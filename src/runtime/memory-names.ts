/** Naming the memory behind a physical address: the buffer, else the pool, else the region. */
import type { IrChunk, IrTopology } from "../ir/types.js";

interface Named {
  first: number;
  end: number;
  name: string;
}

export class MemoryNames {
  private readonly buffers: Named[] = [];
  private readonly regions: Named[] = [];

  constructor(ir: IrTopology, bufferChunks?: ReadonlyMap<string, readonly IrChunk[]>) {
    const pfn = (x: bigint) => Number(x >> 12n);
    const endPfn = (x: bigint) => Number((x + 4095n) >> 12n);
    // After a migrate a buffer lives in another region: name the region its frames are in now.
    const regionOf = (pa: bigint, fallback: string) =>
      ir.memories.find((m) => pa >= m.range.base && pa - m.range.base < m.range.size)?.name ??
      fallback;
    for (const b of ir.buffers) {
      const moved = bufferChunks?.get(b.name);
      for (const c of moved ?? b.chunks) {
        const region = moved ? regionOf(c.pa, b.memory) : b.memory;
        this.buffers.push({
          first: pfn(c.pa),
          end: endPfn(c.pa + c.size),
          name: `buffer ${b.name} in ${region}`,
        });
      }
    }
    for (const p of ir.pools) {
      this.buffers.push({
        first: pfn(p.range.base),
        end: endPfn(p.range.base + p.range.size),
        name: `pool ${p.name} (page tables) in ${p.memory}`,
      });
    }
    for (const m of ir.memories) {
      this.regions.push({
        first: pfn(m.range.base),
        end: endPfn(m.range.base + m.range.size),
        name: `${m.kind} region ${m.name}`,
      });
    }
  }

  /** The most specific name for the physical page `pfn`. */
  nameOf(pfn: number): string {
    for (const b of this.buffers) if (pfn >= b.first && pfn < b.end) return b.name;
    for (const r of this.regions) if (pfn >= r.first && pfn < r.end) return r.name;
    return "no declared memory";
  }

  /** Names for the physical pages [pfn, pfn + count), at most a few. */
  namesOf(pfn: number, count: number): string {
    const names = new Set<string>();
    const end = pfn + count;
    for (const list of [this.buffers, this.regions]) {
      for (const n of list) if (n.first < end && n.end > pfn) names.add(n.name);
      if (names.size > 0) break;
    }
    if (names.size === 0) return "no declared memory";
    const all = [...names];
    return all.length > 4
      ? `${all.slice(0, 4).join(", ")} and ${all.length - 4} more`
      : all.join(", ");
  }
}
