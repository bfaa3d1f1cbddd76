/**
 * The check vocabulary of the transition: a `CheckDefinition` is a catalogue entry
 * (src/diagnostics/catalogue.ts). New code uses `CatalogueEntry` and `D` directly.
 */
import type { CatalogueEntry, DiagnosticPhase } from "../diagnostics/catalogue.js";

export { CODE_RANGES } from "../diagnostics/catalogue.js";

export type CheckPhase = DiagnosticPhase;

export type CheckDefinition = CatalogueEntry;
