/**
 * Lowering: from the resolved IR to real page tables in a simulated physical memory, through
 * the driver plugins. Fixed IOVAs are reserved first, unity ranges identity-mapped, then every
 * top-level mapping is mapped in declaration order (auto IOVAs allocated as they come).
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { IrTopology } from "../ir/types.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import type { CompiledTopology } from "./compiled.js";
import { guardRegistry, type CallWatch } from "./plugin-guard.js";
import { LoweringSession, type LoweringProgress } from "./session.js";

export interface LowerResult {
  /** Absent when lowering reported an error. */
  compiled?: CompiledTopology;
  diagnostics: Diagnostic[];
  /** The live session, for scenario steps that map and unmap on the same tables. */
  session?: LoweringSession;
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
  const session = new LoweringSession(ir, guardRegistry(plugins, options.watch), options.watch);
  const topLevel = ir.mappings.filter((m) => m.scenario === undefined);
  if (options.progress) session.trackProgress(options.progress, topLevel);
  session.reserveFixed(topLevel);
  // A pool too small for the tables is refused before any table is filled.
  if (!session.checkPoolCapacity(topLevel)) return { diagnostics: session.diagnostics };
  session.mapUnityRanges();
  for (const m of topLevel) session.mapMapping(m);
  const diagnostics = session.diagnostics;
  if (diagnostics.some((d) => d.severity === "error")) return { diagnostics };
  return { compiled: session.result(), diagnostics, session };
}
