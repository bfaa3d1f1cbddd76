/**
 * Failures of `vcm run` (VCM0400-0499), now entries of the catalogue
 * (src/diagnostics/catalogue.ts); the runtime reports them as `sink.report(D.x, args, details)`.
 */
import type { CatalogueEntry as CheckDefinition } from "../diagnostics/catalogue.js";
import { catalogueEntries, D } from "../diagnostics/catalogue.js";

/** The proof's own checks; the `--tables` loading problems (also phase "run") are not among them. */
const TABLES_LOAD = new Set<string>([
  D.tablesFileRefused.name,
  D.manifestInvalid.name,
  D.tablesFileSize.name,
]);

export const runChecks: CheckDefinition[] = catalogueEntries().filter(
  (e) => e.phase === "run" && !TABLES_LOAD.has(e.name),
);
