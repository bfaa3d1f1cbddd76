/**
 * The built-in driver plugins. Each lives in plugins/<name>/ and is written only against the
 * public plugin API, exactly as a third-party plugin would be.
 */
import type { VcmPlugin } from "../plugin-api/types.js";
import { PluginRegistry } from "./registry.js";

export const BUILTIN_PLUGINS: readonly VcmPlugin[] = [];

/** A registry holding every built-in plugin. */
export function builtinRegistry(): PluginRegistry {
  const registry = new PluginRegistry();
  for (const plugin of BUILTIN_PLUGINS) registry.register(plugin, "built-in");
  return registry;
}
