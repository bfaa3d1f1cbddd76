import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCompiled } from "../../src/compile/load-compiled.js";
import { writeCompileOutput } from "../../src/compile/write-output.js";
import type { CompiledTable, CompiledTopology } from "../../src/lowering/compiled.js";
import { tableInput } from "../../src/lowering/address-halves.js";
import { lower } from "../../src/lowering/lower.js";
import { irFromText, realPlugins } from "../fixtures/lowering/from-text.js";
import { Stage2Reach } from "../../src/runtime/stage2.js";

const SAMPLES = "samples";

/** Every leaf run of every table, read from bytes. */
function leafRuns(compiled: CompiledTopology): string[] {
  const out: string[] = [];
  for (const t of compiled.tables) {
    compiled.plugins.get(t.format)!.leaves(compiled.memory, t.context, (...run) => {
      out.push(`${t.name} ${run.join(" ")}`);
    });
  }
  return out;
}

/** The stage 2 of a nested table, read from bytes. */
function nested(compiled: CompiledTopology, table: CompiledTable): Stage2Reach | undefined {
  const s2 = table.stage2 && compiled.tables.find((t) => t.name === table.stage2);
  if (!s2) return undefined;
  const plugin = compiled.plugins.get(s2.format)!;
  const caps = plugin.capabilities(s2.context.params);
  return new Stage2Reach(compiled.memory, { table: s2, context: s2.context, plugin, caps });
}

describe("every sample lowers with the real plugins", () => {
  const files = readdirSync(SAMPLES).filter((f) => f.endsWith(".vcm"));
  for (const f of files) {
    it(f, () => {
      const plugins = realPlugins();
      const path = join(SAMPLES, f);
      const { ir, errors } = irFromText(readFileSync(path, "utf8"), plugins, path);
      expect(errors.map((e) => e.message)).toEqual([]);
      const result = lower(ir, plugins);
      expect(result.diagnostics.map((d) => `${d.check}: ${d.message}`)).toEqual([]);
      const compiled = result.compiled!;
      // Every page of every table mapping translates, walked from bytes, to its chunk's PA.
      for (const m of compiled.mappings) {
        if (m.table === undefined) continue;
        const table = compiled.tables.find((t) => t.name === m.table)!;
        const plugin = plugins.get(table.format)!;
        for (const c of m.chunks) {
          for (const off of [0n, c.size / 2n, c.size - 1n]) {
            // A cpu's upper half is walked at its table input address (sign extension, TTBR1).
            const input = tableInput(table, c.iova + off);
            // A nested table's IPAs go through its stage 2 (runtime/stage2.ts).
            const w = nested(compiled, table)
              ? nested(compiled, table)!.walk(
                  compiled.memory,
                  { plugin, context: table.context },
                  input,
                )
              : plugin.walk(compiled.memory, table.context, input);
            expect(w.ok ? w.pa : w.reason, `${m.table} #${m.id} +${off}`).toBe(c.pa + off);
          }
        }
      }
      // The output directory alone rebuilds tables that read the same, device bindings too.
      const dir = mkdtempSync(join(tmpdir(), "vcm-sample-"));
      try {
        writeCompileOutput(compiled, join(dir, "out"), { format: "default" });
        const loaded = loadCompiled(join(dir, "out"), ir, plugins);
        expect(leafRuns(loaded)).toEqual(leafRuns(compiled));
        expect(leafRuns(compiled).length).toBeGreaterThan(0);
        for (const route of loaded.endpoints) {
          if (route.kind !== "iommu" || route.stream === undefined) continue;
          const mapper = loaded.mappers.find((m) => m.name === route.mapper)!;
          const plugin = plugins.get(mapper.format)!;
          if (!plugin.lookupDevice || !mapper.instance) continue;
          const table = loaded.tables.find((t) => t.name === route.table)!;
          const params = ir.mappers.find((m) => m.name === mapper.name)!.params;
          const found = plugin.lookupDevice(
            loaded.memory,
            params,
            mapper.instance.registers,
            route.stream,
          );
          expect(found, route.endpoint).toMatchObject({
            root: table.context.root,
            domainId: table.domainId,
          });
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
