/** `-W no-NAME`, `-W NAME`, `-E NAME`: the severity options of every topology command. */
import { findCheck, listChecks } from "../checks/registry.js";
import type { SeverityOptions } from "../checks/severity.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { UsageError } from "./exit.js";

/** The flags as severity options; an unknown check name is a usage error with a suggestion. */
export function severityFromFlags(
  warn: readonly string[],
  error: readonly string[],
): SeverityOptions {
  const options: SeverityOptions = { disable: new Set(), warn: new Set(), error: new Set() };
  /** `written` is the flag as the user typed it, e.g. `-W no-unused-declarations`. */
  const known = (name: string, written: string) => {
    if (findCheck(name)) return;
    const hint = didYouMean(
      name,
      listChecks().map((c) => c.name),
    );
    throw new UsageError(`${written}: no check is named '${name}'${hint ? ` (${hint})` : ""}`);
  };
  for (const w of warn) {
    if (w.startsWith("no-") && !findCheck(w)) {
      known(w.slice(3), `-W ${w}`);
      options.disable.add(w.slice(3));
    } else {
      known(w, `-W ${w}`);
      options.warn.add(w);
    }
  }
  for (const e of error) {
    known(e, `-E ${e}`);
    options.error.add(e);
  }
  return options;
}
