/**
 * Lowering: from the resolved IR to real page tables in a simulated physical memory, through
 * the driver plugins. Fixed IOVAs are reserved first, unity ranges identity-mapped, then every
 * top-level mapping is mapped in declaration order (auto IOVAs allocated as they come).
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { IrTopology } from "../ir/types.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import type { CompiledTopology } from "./compiled.js";
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
}

export function lower(
  ir: IrTopology,
  plugins: PluginRegistry,
  options: LowerOptions = {},
): LowerResult {
  const session = new LoweringSession(ir, plugins);
  const topLevel = ir.mappings.filter((m) => m.scenario === undefined);
  if (options.progress) session.trackProgress(options.progress, topLevel);
  session.reserveFixed(topLevel);
  session.mapUnityRanges();
  for (const m of topLevel) session.mapMapping(m);
  const diagnostics = session.diagnostics;
  if (diagnostics.some((d) => d.severity === "error")) return { diagnostics };
  return { compiled: session.result(), diagnostics, session };
}
