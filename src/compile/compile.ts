/**
 * Lower a resolved topology and write its output directory, only when lowering succeeded: on
 * any error the earlier output directory is left exactly as it was.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { IrTopology } from "../ir/types.js";
import type { CompiledTopology } from "../lowering/compiled.js";
import { lower } from "../lowering/lower.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import { writeCompileOutput, type CompileOutputOptions } from "./write-output.js";

export interface CompileResult {
  compiled?: CompiledTopology;
  diagnostics: Diagnostic[];
  /** true when the output directory was (re)written. */
  written: boolean;
}

export function compileToDirectory(
  ir: IrTopology,
  plugins: PluginRegistry,
  dir: string,
  options: CompileOutputOptions = { format: "default" },
): CompileResult {
  const { compiled, diagnostics } = lower(ir, plugins);
  if (!compiled) return { diagnostics, written: false };
  writeCompileOutput(compiled, dir, options);
  return { compiled, diagnostics, written: true };
}
