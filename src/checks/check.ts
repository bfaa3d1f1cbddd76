/**
 * A check on the IR, in the style of dtc's checks.c: one object holds the catalogue entry it
 * reports (its definition), the function and the checks it needs first, as references, so a
 * misspelt prerequisite does not compile. A prerequisite is another check, or a diagnostic of
 * an earlier phase (loading, resolution) that must not have fired. A cost category says what
 * running it takes, so a language server can run the cheap checks on every keystroke.
 */
import type { CatalogueEntry, DiagnosticArgs, Message } from "../diagnostics/catalogue.js";
import type { Span } from "../diagnostics/span.js";
import type { IrTopology } from "../ir/types.js";
import type { Capabilities } from "../plugin-api/types.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import type { SourceFile } from "../syntax/ast.js";

/**
 * What a check needs: `cheap` reads the IR only; `needs-plugins` asks plugins (capabilities);
 * `needs-lowering` would need built tables. Ordered: running up to a cost runs the ones before.
 */
export const CHECK_COSTS = ["cheap", "needs-plugins", "needs-lowering"] as const;
export type CheckCost = (typeof CHECK_COSTS)[number];

export interface CheckContext {
  ir: IrTopology;
  files: SourceFile[];
  plugins: PluginRegistry;
  /** Report one of this check's own messages (another entry's is an internal error). */
  report<M extends string>(
    message: Message<M>,
    span: Span | undefined,
    ...args: DiagnosticArgs<M>
  ): void;
  /** A mapper's plugin capabilities; undefined if unknown or failing. Not for cheap checks. */
  capabilities(mapper: string): Capabilities | undefined;
}

/** A check, or a diagnostic of an earlier phase that must not have fired. */
export type Prerequisite = Check | CatalogueEntry;

export interface Check {
  /** The catalogue entry this check reports under: its code, name and default severity. */
  readonly entry: CatalogueEntry;
  readonly cost: CheckCost;
  /** What must have passed first. */
  readonly needs: readonly Prerequisite[];
  run(context: CheckContext): void;
}

export interface CheckSpec {
  /** Default "cheap". */
  cost?: CheckCost;
  needs?: readonly Prerequisite[];
  run(context: CheckContext): void;
}

export function defineCheck(entry: CatalogueEntry, spec: CheckSpec): Check {
  return { entry, cost: spec.cost ?? "cheap", needs: spec.needs ?? [], run: spec.run };
}

export function isCheck(p: Prerequisite): p is Check {
  return "run" in p && "needs" in p;
}

/** The name a prerequisite goes by: its entry's. */
export function prerequisiteName(p: Prerequisite): string {
  return isCheck(p) ? p.entry.name : p.name;
}
