/** What `vcm check --list-checks` shows: every catalogue entry, the checks with their engine facts. */
import { catalogueEntries } from "../diagnostics/catalogue.js";
import { prerequisiteName, type CheckCost } from "./check.js";
import type { CheckDefinition } from "./definition.js";
import { CHECKS } from "./impl/index.js";

/** An entry as `vcm check --list-checks` shows it: a check on the IR adds its cost and needs. */
export type CheckListing = CheckDefinition & { cost?: CheckCost; needs?: string[] };

/** Every entry by code, the checks on the IR with their cost and prerequisites. */
export function checkListing(): CheckListing[] {
  const checks = new Map(CHECKS.map((c) => [c.entry, c]));
  return catalogueEntries().map((entry) => {
    const c = checks.get(entry);
    return c ? { ...entry, cost: c.cost, needs: c.needs.map(prerequisiteName) } : { ...entry };
  });
}
