/**
 * The check vocabulary of the transition: a `CheckDefinition` is a catalogue entry
 * (src/diagnostics/catalogue.ts), plus, for the checks on the IR, the checks it needs first.
 */
import type { CatalogueEntry, DiagnosticPhase } from "../diagnostics/catalogue.js";

export { CODE_RANGES } from "../diagnostics/catalogue.js";

export type CheckPhase = DiagnosticPhase;

export interface CheckDefinition extends CatalogueEntry {
  /** Names of checks that must pass (report no error) before this one runs. */
  readonly prerequisites?: readonly string[];
}
