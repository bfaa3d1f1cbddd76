/**
 * A bench topology from text to IR and compiled tables, failing loudly: a bench input that does
 * not resolve or lower is a bug in the bench.
 */
import type { IrTopology } from "../src/ir/types.js";
import type { CompiledTopology } from "../src/lowering/compiled.js";
import { lower } from "../src/lowering/lower.js";
import type { PluginRegistry } from "../src/plugin-host/registry.js";
import { resolve } from "../src/semantics/resolve.js";
import { parseSource } from "../src/syntax/parse.js";

export function resolveText(text: string, file: string, plugins: PluginRegistry): IrTopology {
  const parsed = parseSource(text, file);
  const resolved = resolve([parsed.ast], plugins);
  const errors = [...parsed.diagnostics, ...resolved.diagnostics].filter(
    (d) => d.severity === "error",
  );
  if (errors.length > 0) {
    throw new Error(`${file} does not resolve: ${errors.map((e) => e.message).join("; ")}`);
  }
  return resolved.ir;
}

export function compileText(
  text: string,
  file: string,
  plugins: PluginRegistry,
): { ir: IrTopology; compiled: CompiledTopology } {
  const ir = resolveText(text, file, plugins);
  const result = lower(ir, plugins);
  if (!result.compiled) throw new Error(result.diagnostics.map((d) => d.message).join("; "));
  return { ir, compiled: result.compiled };
}
