/**
 * The built-in driver plugins. Each lives in plugins/<name>/ and is written only against the
 * public plugin API, exactly as a third-party plugin would be.
 */
import amdV1 from "../../plugins/amd-v1/index.js";
import armLpae from "../../plugins/arm-lpae/index.js";
import armV7s from "../../plugins/arm-v7s/index.js";
import direct from "../../plugins/direct/index.js";
import gart from "../../plugins/gart/index.js";
import intelVtd from "../../plugins/intel-vtd/index.js";
import spaprTce from "../../plugins/spapr-tce/index.js";
import x8664 from "../../plugins/x86-64/index.js";
import type { VcmPlugin } from "../plugin-api/types.js";
import { PluginRegistry } from "./registry.js";

export const BUILTIN_PLUGINS: readonly VcmPlugin[] = [
  armLpae,
  armV7s,
  x8664,
  intelVtd,
  amdV1,
  spaprTce,
  gart,
  direct,
];

/** A registry holding every built-in plugin. */
export function builtinRegistry(): PluginRegistry {
  const registry = new PluginRegistry();
  for (const plugin of BUILTIN_PLUGINS) registry.register(plugin, "built-in");
  return registry;
}
