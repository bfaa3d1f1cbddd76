/**
 * A VM's guest-physical address map as the lowering knows it from the IR: each backed guest
 * region of one stage-2 domain is an IPA range over a host range. It turns the host memory a
 * nested domain maps into the IPAs its stage-1 leaves hold, and gives the IPA view the plugin
 * writes the stage-1 tables through (`TranslatedMemory`). The proof never uses it: it reads the
 * stage-2 table's bytes (runtime/stage2-view.ts).
 */
import type { IrChunk, IrTopology } from "../ir/types.js";
import { PhysicalMemory } from "../plugin-api/physical-memory.js";
import { TranslatedMemory } from "../plugin-api/translated-memory.js";

interface GuestRange {
  name: string;
  ipa: bigint;
  pa: bigint;
  size: bigint;
}

export class GuestAddresses {
  private readonly ranges: GuestRange[] = [];

  constructor(
    ir: IrTopology,
    /** The stage-2 domain. */
    readonly domain: string,
  ) {
    for (const g of ir.guestMemories ?? [])
      if (g.domain === domain && g.backing)
        this.ranges.push({ name: g.name, ipa: g.ipa.base, pa: g.backing.pa, size: g.ipa.size });
  }

  /**
   * `chunks` of host memory as IPA chunks, split where guest regions end; undefined when some of
   * it is no guest memory of the domain (stage 2 does not map it: the device could not reach it).
   */
  toIpa(chunks: readonly IrChunk[]): IrChunk[] | undefined {
    const out: IrChunk[] = [];
    for (const c of chunks) {
      let pa = c.pa;
      const end = c.pa + c.size;
      while (pa < end) {
        const r = this.ranges.find((g) => pa >= g.pa && pa < g.pa + g.size);
        if (!r) return undefined;
        const take = (r.pa + r.size < end ? r.pa + r.size : end) - pa;
        out.push({ pa: r.ipa + (pa - r.pa), size: take });
        pa += take;
      }
    }
    return out;
  }

  /** The host address of an IPA, or undefined outside guest memory. */
  toHost(ipa: bigint): bigint | undefined {
    const r = this.ranges.find((g) => ipa >= g.ipa && ipa < g.ipa + g.size);
    return r && r.pa + (ipa - r.ipa);
  }

  /** Guest memory as the nested table's plugin sees it: IPA frames over host frames. */
  view(host: PhysicalMemory): TranslatedMemory {
    const frames = this.ranges.map((r) => ({
      ipa: Number(r.ipa >> 12n),
      pa: Number(r.pa >> 12n),
      count: Number(r.size >> 12n),
    }));
    return new TranslatedMemory(host, (pfn) => {
      for (const f of frames)
        if (pfn >= f.ipa && pfn < f.ipa + f.count) return f.pa + (pfn - f.ipa);
      return undefined;
    });
  }
}
