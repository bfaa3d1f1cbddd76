/**
 * Lowering: from the resolved IR to real page tables in a simulated physical memory, through
 * the driver plugins. Tables are created (table-factory.ts), fixed IOVAs reserved, the pools'
 * room for tables checked, unity ranges identity-mapped, then every top-level mapping is mapped
 * in declaration order (auto IOVAs allocated as they come), and the routes built.
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { IrTopology } from "../ir/types.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import type { CompiledMapping, CompiledPool, CompiledTopology } from "./compiled.js";
import { reserveFixed } from "./iova-placement.js";
import type { LiveTables } from "./live-tables.js";
import { mapMapping } from "./map-mapping.js";
import { capDiagnostics } from "../semantics/limits.js";
import { guardRegistry, type CallWatch } from "./plugin-guard.js";
import { checkPoolCapacity } from "./pool-capacity.js";
import { ProgressCounter, type LoweringProgress } from "./progress.js";
import { buildRoutes } from "./routes.js";
import { buildTables } from "./table-factory.js";
import { mapUnityRanges } from "./unity-ranges.js";

export interface LowerResult {
  /** Absent when lowering reported an error. */
  compiled?: CompiledTopology;
  diagnostics: Diagnostic[];
  /** The live tables, for scenario steps that map and unmap on the same tables. */
  live?: LiveTables;
}

export interface LowerOptions {
  /** Called as pages are mapped (for a progress bar). */
  progress?: LoweringProgress;
  /** Told which plugin call is active (a worker's watchdog reads it). */
  watch?: CallWatch;
}

export function lower(
  ir: IrTopology,
  plugins: PluginRegistry,
  options: LowerOptions = {},
): LowerResult {
  // Every plugin result is checked before use; the compiled topology keeps the guarded plugins,
  // so the output writer's calls (describe, tables) are checked too.
  const { live, diagnostics } = buildTables(
    ir,
    guardRegistry(plugins, options.watch),
    options.watch,
  );
  const topLevel = ir.mappings.filter((m) => m.scenario === undefined);
  const progress = options.progress && new ProgressCounter(options.progress, topLevel);
  reserveFixed(live, topLevel);
  // A pool too small for the tables is refused before any table is filled.
  const tooSmall = checkPoolCapacity(live, topLevel);
  if (tooSmall.length > 0) return { diagnostics: capped([...diagnostics, ...tooSmall]) };
  const unity = mapUnityRanges(live, { watch: live.watch, progress });
  for (const d of unity.diagnostics) diagnostics.push(d);
  const records = unity.records;
  for (const m of topLevel) {
    const result = mapMapping(live, m, progress);
    if (result.ok) records.push(result.record);
    else for (const d of result.diagnostics) diagnostics.push(d);
  }
  const shown = capped(diagnostics);
  if (shown.some((d) => d.severity === "error")) return { diagnostics: shown };
  return { compiled: compiledTopology(live, records), diagnostics: shown, live };
}

/** The compiled topology as it stands (live handles included). */
export function compiledTopology(
  live: LiveTables,
  mappings: readonly CompiledMapping[],
): CompiledTopology {
  const ir = live.ir;
  const pools: CompiledPool[] = ir.pools.map((p) => ({
    name: p.name,
    memory: p.memory,
    base: p.range.base,
    size: p.range.size,
    usedBytes: live.allocators.get(p.name)!.usedBytes,
  }));
  const handles = new Map([...live.tables].map(([name, s]) => [name, s.handle]));
  return {
    ir,
    plugins: live.plugins,
    memory: live.memory,
    pools,
    mappers: live.compiledMappers,
    domains: live.compiledDomains,
    tables: [...live.tables.values()].map((s) => s.table),
    mappings: [...mappings].sort((a, b) => a.id - b.id),
    endpoints: buildRoutes(ir, live.attachments, (d) => live.upperTables.get(d)?.table.name),
    live: { handles, instances: live.instances, allocators: live.allocators },
  };
}

/**
 * At most MAX_DIAGNOSTICS_PER_FILE lowering diagnostics per file, then one VCM0324 note: a
 * 150,000-element array into a small aperture is one cause, not 85,000 lines of output.
 */
function capped(diagnostics: Diagnostic[]): Diagnostic[] {
  return capDiagnostics(diagnostics, undefined, (span, count, max) =>
    count === 1
      ? diagnostic(D.tooManyLoweringDiagnostics.messages.one, span, { max })
      : diagnostic(D.tooManyLoweringDiagnostics, span, { count, max }),
  );
}
