/** The checks each IR check needs to have passed first (dtc's prerequisites), by reference. */
import { D, type CatalogueEntry } from "../diagnostics/catalogue.js";

/**
 * Checks that read plugin capabilities run only when every mapper's format and params are good,
 * and every plugin a `use` line names was loaded.
 */
const NEEDS_PLUGINS = [
  D.pluginNotAllowed,
  D.unknownFormat,
  D.invalidParam,
  D.pluginParamProblem,
] as const;

const PREREQUISITES = new Map<CatalogueEntry, readonly CatalogueEntry[]>([
  [D.poolTooSmall, NEEDS_PLUGINS],
  [D.misalignedAddress, NEEDS_PLUGINS],
  [D.unsupportedPageSize, NEEDS_PLUGINS],
  [D.windowPageSize, NEEDS_PLUGINS],
  [D.expectContradiction, NEEDS_PLUGINS],
  [D.writeImpliesRead, NEEDS_PLUGINS],
  [D.readImpliesWrite, NEEDS_PLUGINS],
  [D.execImpliesRead, NEEDS_PLUGINS],
  [D.apertureBeyondInput, NEEDS_PLUGINS],
  [D.paBeyondOutput, NEEDS_PLUGINS],
  [D.containerNotTce, [D.unknownFormat, D.invalidParam, D.pluginParamProblem]],
]);

/** The checks `entry` needs first (none for most). */
export function prerequisitesOf(entry: CatalogueEntry): readonly CatalogueEntry[] {
  return PREREQUISITES.get(entry) ?? [];
}
