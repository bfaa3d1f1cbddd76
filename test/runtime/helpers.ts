/** Lowering real `.vcm` text with the real plugins, for the runtime tests. */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import type { IrTopology } from "../../src/ir/types.js";
import type { CompiledTopology } from "../../src/lowering/compiled.js";
import { lower } from "../../src/lowering/lower.js";
import { PluginRegistry } from "../../src/plugin-host/registry.js";
import type { VcmPlugin } from "../../src/plugin-api/types.js";
import { irFromText, realPlugins } from "../fixtures/lowering/from-text.js";

export interface Lowered {
  ir: IrTopology;
  compiled: CompiledTopology;
  plugins: PluginRegistry;
}

export function lowerText(text: string, file = "test.vcm", extra: VcmPlugin[] = []): Lowered {
  const plugins = realPlugins(extra);
  const { ir, errors } = irFromText(text, plugins, file);
  expect(errors.map((e) => e.message)).toEqual([]);
  const result = lower(ir, plugins);
  expect(result.diagnostics.filter((d) => d.severity === "error").map((d) => d.message)).toEqual(
    [],
  );
  return { ir, compiled: result.compiled!, plugins };
}

export function lowerFile(path: string): Lowered {
  return lowerText(readFileSync(path, "utf8"), path);
}

/** The built-in plugins with `format` replaced by `replace(original)`. */
export function pluginsWith(format: string, replace: (p: VcmPlugin) => VcmPlugin): PluginRegistry {
  const r = new PluginRegistry();
  for (const entry of realPlugins().all()) {
    r.register(entry.plugin.name === format ? replace(entry.plugin) : entry.plugin, entry.origin);
  }
  return r;
}

export function lowerWith(text: string, plugins: PluginRegistry): Lowered {
  const { ir, errors } = irFromText(text, plugins);
  expect(errors.map((e) => e.message)).toEqual([]);
  const result = lower(ir, plugins);
  expect(result.diagnostics.filter((d) => d.severity === "error").map((d) => d.message)).toEqual(
    [],
  );
  return { ir, compiled: result.compiled!, plugins };
}
