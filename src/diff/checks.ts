/**
 * Findings of `vcm diff` (VCM0463-0467): what changed in who reaches what, read from the
 * emitted page-table bytes of both topologies.
 */
import type { CheckDefinition } from "../checks/definition.js";

export const diffChecks: CheckDefinition[] = [
  {
    code: "VCM0463",
    name: "diff-input-failed",
    phase: "run",
    severity: "error",
    description:
      "One side of `vcm diff` does not check or compile: its diagnostics are shown and nothing is compared.",
    fixed: true,
  },
  {
    code: "VCM0464",
    name: "reach-gained",
    phase: "run",
    severity: "warning",
    description:
      "An endpoint reaches physical memory, or a right on it, that it did not reach before (an error with --fail-on-gain).",
  },
  {
    code: "VCM0465",
    name: "reach-lost",
    phase: "run",
    severity: "note",
    description:
      "An endpoint no longer reaches physical memory, or a right on it, that it reached before.",
  },
  {
    code: "VCM0466",
    name: "page-size-changed",
    phase: "run",
    severity: "note",
    description:
      "A mapping (same buffer or range, same target) is mapped with other page sizes in the new tables.",
  },
  {
    code: "VCM0467",
    name: "endpoint-added-or-removed",
    phase: "run",
    severity: "note",
    description:
      "An endpoint exists in one topology only; its whole reach counts as gained or lost.",
  },
];
