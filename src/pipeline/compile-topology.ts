/**
 * The library's `compile`: check a topology (or take an already checked one), lower it to page
 * tables in memory and, when asked, write the output directory; the same steps as `vcm compile`.
 * Never throws for a bad topology: problems are diagnostics and `ok` is false.
 */
import { applySeverityOverrides } from "../checks/severity.js";
import { formatSet, prepareFirmware, type OutputFormat } from "../compile/firmware.js";
import { writeCompileOutputAsync } from "../compile/write-output.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { CompiledTopology } from "../lowering/compiled.js";
import { lower } from "../lowering/lower.js";
import {
  checkTopology,
  type CheckedTopology,
  type CheckTopologyOptions,
} from "./check-topology.js";

export interface CompileOptions extends CheckTopologyOptions {
  /**
   * Write the output directory here (manifest.json, pools/, domains/; docs/MANIFEST.md), only
   * when there are no errors; it replaces an earlier one atomically. Default: memory only.
   */
  output?: string;
  /**
   * One format or several: `c` adds tables.h (every table as a C array); `dts` adds overlay.dtso
   * (docs/DEVICETREE.md); `asm`, `ld` and `elf` add firmware/ for a boot image (docs/FIRMWARE.md).
   */
  format?: OutputFormat | readonly OutputFormat[];
  /**
   * Tables whose table pointers are relative to their pool's base, with relocation lists and the
   * C routine adding the load address (docs/FIRMWARE.md); pools that cannot be are diagnostics.
   */
  relocatable?: boolean;
  /**
   * Replace an `output` that is not a previous VCM output, or a refused place (`.`, `/`, the
   * directory holding the input): it is moved aside, never deleted (docs/CLI.md).
   */
  force?: boolean;
  /** Called as pages are mapped and files written (a progress bar). */
  progress?: (done: number, total: number, label: string) => void;
  /** Polled between write steps: a signal name stops the write cleanly (`WriteInterrupted`). */
  interrupted?: () => string | undefined;
}

export interface Compilation {
  checked: CheckedTopology;
  /** The page tables, in memory; absent when the topology has errors. */
  compiled?: CompiledTopology;
  /** The check diagnostics, then the lowering's (severity overrides applied to both). */
  diagnostics: Diagnostic[];
  /** No diagnostic is an error and the tables were built. */
  ok: boolean;
  /** true when `output` was (re)written. */
  written: boolean;
}

function hasError(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/**
 * `input` is a path to a `.vcm` file (checked first, with `options`) or the result of `check`.
 * An I/O error writing `output` (or `OutputError` for a refused place, `WriteInterrupted` when
 * `interrupted` stops it) is thrown; nothing is half-written and an earlier output stays.
 */
export async function compileTopology(
  input: string | CheckedTopology,
  options: CompileOptions = {},
): Promise<Compilation> {
  const checked = typeof input === "string" ? await checkTopology(input, options) : input;
  if (!checked.ir || hasError(checked.diagnostics)) {
    return { checked, diagnostics: checked.diagnostics, ok: false, written: false };
  }
  const { progress, watch } = options;
  const lowered = lower(checked.ir, checked.registry, {
    ...(progress ? { progress } : {}),
    ...(watch ? { watch } : {}),
  });
  const diagnostics = [
    ...checked.diagnostics,
    ...applySeverityOverrides(lowered.diagnostics, checked.files, checked.severity),
  ];
  if (!lowered.compiled || hasError(diagnostics)) {
    return { checked, diagnostics, ok: false, written: false };
  }
  const compiled = lowered.compiled;
  // Prepared before anything is written: a pool that cannot be relocated or embedded is a
  // diagnostic, and an earlier output stays as it was.
  const { firmware, diagnostics: firmwareDiagnostics } = prepareFirmware(
    compiled,
    formatSet(options.format),
    options.relocatable === true,
  );
  diagnostics.push(...applySeverityOverrides(firmwareDiagnostics, checked.files, checked.severity));
  if (hasError(diagnostics)) return { checked, diagnostics, ok: false, written: false };
  if (options.output !== undefined) {
    watch?.subject?.(`writing '${options.output}'`, compiled.ir.mappers[0]?.span);
    progress?.(0, 0, "writing the output");
    await writeCompileOutputAsync(
      compiled,
      options.output,
      {
        format: options.format ?? "default",
        ...(firmware ? { firmware } : {}),
        force: options.force === true,
        sources: checked.sources,
        ...(typeof input === "string" ? { inputFile: input } : {}),
        ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
      },
      {
        ...(options.interrupted ? { interrupted: options.interrupted } : {}),
        ...(progress ? { progress: (p) => progress(p.done, p.total, p.label) } : {}),
      },
    );
  }
  return { checked, compiled, diagnostics, ok: true, written: options.output !== undefined };
}
