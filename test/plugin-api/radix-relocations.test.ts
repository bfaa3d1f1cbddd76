/**
 * `relocations` of the radix engine, on every built-in radix format: the entries it lists are
 * exactly the table pointers (one per table below the root), and adding an offset to each of
 * them, with every table page moved by that offset, leaves every translation as it was, read
 * back by the plugin's own walk. sPAPR TCE (big-endian) and LPAE with 52-bit output say why
 * they cannot be relocated.
 */
import { describe, expect, it } from "vitest";
import { PhysicalMemory } from "../../src/plugin-api/physical-memory.js";
import { allFormatsTopology, FORMAT_CASES } from "../runtime/all-formats.js";
import { lowerText } from "../runtime/helpers.js";

const DELTA = 0x3000_0000n;

describe("radix relocations on every built-in format", () => {
  const { compiled } = lowerText(allFormatsTopology());
  const poolOf = new Map(compiled.mappers.map((m) => [m.name, m.pool]));
  for (const c of FORMAT_CASES) {
    it(`${c.format}: table pointers listed; moved by them, every page translates as before`, () => {
      const t = compiled.tables.find((x) => x.name === c.table)!;
      const plugin = compiled.plugins.get(t.format)!;
      const entries: { pa: bigint; bytes: 4 | 8 }[] = [];
      const reason = plugin.relocations!(compiled.memory, t.context, (pa, bytes) =>
        entries.push({ pa, bytes }),
      );
      if (c.format === "spapr-tce") {
        expect(reason).toMatch(/big-endian/);
        return;
      }
      expect(reason).toBeUndefined();
      let pages = 0;
      plugin.tables(compiled.memory, t.context, () => pages++);
      expect(entries.length).toBe(pages - 1);
      expect(entries.length > 0).toBe(c.multiLevel);
      // Move the whole pool by DELTA and add DELTA to each listed word.
      const pool = compiled.pools.find((p) => p.name === poolOf.get(t.mapper))!;
      const moved = new PhysicalMemory();
      for (const pfn of compiled.memory.framePfns()) {
        const pa = BigInt(pfn) * 4096n;
        if (pa < pool.base || pa >= pool.base + pool.size) continue;
        moved.writeBytes(pa + DELTA, compiled.memory.readBytes(pa, 4096));
      }
      const context = { ...t.context, root: t.context.root + DELTA };
      const first = compiled.mappings.find((x) => x.table === t.name)!.chunks[0]!.iova;
      // Moved but not relocated, the table pointers lead back to the old place, now empty.
      expect(plugin.walk(moved, context, first).ok).toBe(entries.length === 0);
      for (const e of entries) {
        const at = e.pa + DELTA;
        if (e.bytes === 8) moved.write64(at, moved.read64(at) + DELTA);
        else moved.write32(Number(at), (moved.read32(Number(at)) + Number(DELTA)) >>> 0);
      }
      let walked = 0;
      for (const m of compiled.mappings.filter((x) => x.table === t.name)) {
        for (const chunk of m.chunks) {
          // The first and last pages of each chunk: every table on their walks.
          for (const off of new Set([0n, chunk.size - 0x1000n])) {
            const before = plugin.walk(compiled.memory, t.context, chunk.iova + off);
            const after = plugin.walk(moved, context, chunk.iova + off);
            expect(before.ok).toBe(true);
            expect(after.ok && [after.pa, after.prot, after.attrs]).toEqual(
              before.ok && [before.pa, before.prot, before.attrs],
            );
            walked++;
          }
        }
      }
      expect(walked).toBeGreaterThan(0);
    });
  }
});
