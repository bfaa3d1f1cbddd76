/**
 * A named check, in the style of dtc's checks.c: a stable code, a kebab name, a default
 * severity a flag can change, prerequisites, and a one-line description for
 * `vcm check --list-checks`. Every diagnostic VCM emits (syntax, loading, resolution, checks,
 * lowering, runtime) belongs to exactly one CheckDefinition, so every code is listed and every
 * one can be turned off (`-W no-NAME`) or up (`-E NAME`), unless `fixed` says otherwise.
 */
import type { Severity } from "../diagnostics/diagnostic.js";

export type CheckPhase = "syntax" | "load" | "resolve" | "check" | "lower" | "run";

export interface CheckDefinition {
  /** Stable code, e.g. `VCM0123`. Never reused for another meaning. */
  code: string;
  /** Stable kebab name, e.g. `iova-outside-aperture`. */
  name: string;
  phase: CheckPhase;
  severity: Severity;
  /** One line, shown by `--list-checks` and in docs. */
  description: string;
  /** Names of checks that must pass (report no error) before this one runs. */
  prerequisites?: readonly string[];
  /** true: the severity cannot be lowered (syntax errors, I/O errors, internal errors). */
  fixed?: boolean;
}

/** Code ranges, so each layer can add codes without colliding with another. */
export const CODE_RANGES: Record<CheckPhase, [number, number]> = {
  syntax: [1, 9],
  load: [10, 29],
  resolve: [100, 199],
  check: [200, 299],
  lower: [300, 399],
  run: [400, 499],
};
