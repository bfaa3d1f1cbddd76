/**
 * The lowering's diagnostics (VCM0300-0399), now entries of the catalogue
 * (src/diagnostics/catalogue.ts): these names stay while call sites move to `diagnostic(D.x, ...)`.
 */
import type { CatalogueEntry as CheckDefinition } from "../diagnostics/catalogue.js";
import { catalogueEntries, entryNamed } from "../diagnostics/catalogue.js";

export const loweringChecks: CheckDefinition[] = catalogueEntries().filter(
  (e) => e.phase === "lower",
);

/** The definition for `name` (the lowering only reports codes it defines). */
export function loweringCheck(name: string): CheckDefinition {
  const def = entryNamed(name);
  if (def.phase !== "lower") throw new Error(`unknown lowering check '${name}'`);
  return def;
}
