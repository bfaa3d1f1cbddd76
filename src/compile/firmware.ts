/**
 * The firmware outputs of `vcm compile` (docs/FIRMWARE.md), prepared before anything is written
 * so that a pool that cannot be relocated, or one whose tables mix architectures, is a diagnostic
 * and the output directory is left as it was: `--format asm` (firmware/<pool>.s), `ld`
 * (firmware/tables.ld), `elf` (firmware/<pool>.o) and `--relocatable` (relative images and their
 * relocation lists, firmware/<pool>.rel.bin and .relocs, and tables.h with `vcm_relocate`).
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { CompiledTopology } from "../lowering/compiled.js";
import { poolRelocations, type PoolRelocation } from "../lowering/relocation.js";
import { firmwarePools, type FirmwarePool } from "./firmware-pools.js";

/** What `--format` may name (several, comma-separated on the command line). */
export const OUTPUT_FORMATS = ["default", "c", "dts", "asm", "ld", "elf"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface FirmwareOutput {
  pools: FirmwarePool[];
  /** Set with --relocatable. */
  relocations?: PoolRelocation[];
}

/** The formats asked for, as a set (`default` adds nothing). */
export function formatSet(
  format: OutputFormat | readonly OutputFormat[] | undefined,
): Set<OutputFormat> {
  if (format === undefined) return new Set();
  return new Set(typeof format === "string" ? [format] : format);
}

/** Undefined when no firmware output is asked for. */
export function prepareFirmware(
  compiled: CompiledTopology,
  formats: ReadonlySet<OutputFormat>,
  relocatable: boolean,
): { firmware?: FirmwareOutput; diagnostics: Diagnostic[] } {
  const wanted = formats.has("asm") || formats.has("ld") || formats.has("elf");
  if (!wanted && !relocatable) return { diagnostics: [] };
  const diagnostics: Diagnostic[] = [];
  let relocations: PoolRelocation[] | undefined;
  if (relocatable) {
    const r = poolRelocations(compiled);
    diagnostics.push(...r.diagnostics);
    relocations = r.relocations;
  }
  const needs = formats.has("asm") ? "asm" : formats.has("elf") ? "elf" : undefined;
  const fp = firmwarePools(compiled, {
    ...(relocations ? { relocations } : {}),
    ...(needs ? { needsArchitecture: needs } : {}),
  });
  diagnostics.push(...fp.diagnostics);
  return { firmware: { pools: fp.pools, ...(relocations ? { relocations } : {}) }, diagnostics };
}
