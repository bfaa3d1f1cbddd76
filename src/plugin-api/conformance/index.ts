/**
 * The plugin conformance kit (`vcm/testing`): `runConformance(plugin, { params })` returns the
 * list of failures (empty when the plugin conforms), for vitest
 * (`expect(await runConformance(plugin, { params })).toEqual([])`) and for `vcm plugin-test`.
 * The FUZZ_RUNS environment variable raises the number of random sequences per property.
 * `Fixture` is one fresh table with byte-level readers, for a plugin's own unit and golden tests.
 */
import { PROT_PRIV, type VcmPlugin } from "../types.js";
import type { ConformanceOptions } from "./fixture.js";
import { runFixedWindow } from "./fixed-window.js";
import { runProperties } from "./properties.js";
import { runSelfTests } from "./self-tests.js";

export { replaySequence, type ConformanceCommand } from "./properties.js";
export { Fixture, type ConformanceOptions } from "./fixture.js";
export { IntervalReference, coalesce, type ReferenceRange } from "./reference.js";

export const DEFAULT_RUNS = 20;

function defaultRuns(): number {
  const env = typeof process !== "undefined" ? process.env["FUZZ_RUNS"] : undefined;
  const n = env === undefined ? NaN : Number(env);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_RUNS;
}

export async function runConformance(
  plugin: VcmPlugin,
  options: ConformanceOptions,
): Promise<string[]> {
  const failures: string[] = [];
  const problems = plugin.validate?.(options.params) ?? [];
  if (problems.length > 0) {
    return problems.map((p) => `parameters: ${p.key ? `${p.key}: ` : ""}${p.message}`);
  }
  const runs = options.runs ?? defaultRuns();
  const caps = plugin.capabilities(options.params);
  // A privileged-only format (one privilege level: Arm EL2, EL3) takes privileged requests only.
  if (caps.privilegedOnly) plugin = privilegedRequests(plugin);
  if (caps.levels === 0) {
    // No tables: the translation is a fixed window that map/unmap cannot change.
    failures.push(...runFixedWindow(plugin, options, runs));
    return failures;
  }
  failures.push(...runSelfTests(plugin, options));
  failures.push(...runProperties(plugin, options, runs));
  return failures;
}

/** `plugin` with PROT_PRIV added to every request that asks for a right. */
function privilegedRequests(plugin: VcmPlugin): VcmPlugin {
  return {
    ...plugin,
    map: (handle, iova, pa, pageSize, count, prot, attrs) =>
      plugin.map(handle, iova, pa, pageSize, count, prot === 0 ? 0 : prot | PROT_PRIV, attrs),
  };
}
