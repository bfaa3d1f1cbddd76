/** Diagnostics of the lowering phase (VCM0300-0399): what can go wrong building real tables. */
import type { CheckDefinition } from "../checks/definition.js";
import { spaprLoweringChecks } from "../checks/spapr-definitions.js";

export const loweringChecks: CheckDefinition[] = [
  {
    code: "VCM0300",
    name: "format-plugin-missing",
    phase: "lower",
    severity: "error",
    description:
      "A mapper's page-table format has no plugin loaded, so its tables cannot be built.",
    fixed: true,
  },
  {
    code: "VCM0301",
    name: "iova-space-exhausted",
    phase: "lower",
    severity: "error",
    description: "An `at auto` mapping finds no free IOVA range of its size in its domain.",
    fixed: true,
  },
  {
    code: "VCM0302",
    name: "iova-wraps",
    phase: "lower",
    severity: "error",
    description: "A mapping or aperture would run past the end of the 64-bit address space.",
    fixed: true,
  },
  {
    code: "VCM0303",
    name: "pool-exhausted",
    phase: "lower",
    severity: "error",
    description: "A table pool is too small for the tables the topology needs.",
    fixed: true,
  },
  {
    code: "VCM0304",
    name: "mapping-refused",
    phase: "lower",
    severity: "error",
    description: "The page-table format refuses a mapping (overlap, range, permissions).",
    fixed: true,
  },
  {
    code: "VCM0305",
    name: "mapping-unaligned",
    phase: "lower",
    severity: "error",
    description: "A mapping's IOVA, PA or size is not a multiple of the smallest usable page size.",
    fixed: true,
  },
  {
    code: "VCM0306",
    name: "page-size-unsupported",
    phase: "lower",
    severity: "error",
    description: "`pages SIZE` names a page size the mapper's format does not support.",
    fixed: true,
  },
  {
    code: "VCM0307",
    name: "mapping-into-untranslated-domain",
    phase: "lower",
    severity: "error",
    description: "A mapping targets an identity or blocked domain, which has no table.",
    fixed: true,
  },
  {
    code: "VCM0308",
    name: "unknown-mapping-target",
    phase: "lower",
    severity: "error",
    description: "A mapping names a domain, window or endpoint the lowering cannot find.",
    fixed: true,
  },
  {
    code: "VCM0309",
    name: "table-create-failed",
    phase: "lower",
    severity: "error",
    description: "A plugin could not create a table or bind devices to it.",
    fixed: true,
  },
  {
    code: "VCM0310",
    name: "plugin-internal-error",
    phase: "lower",
    severity: "error",
    description: "A plugin threw an unexpected exception while building tables.",
    fixed: true,
  },
  {
    code: "VCM0311",
    name: "unity-map-failed",
    phase: "lower",
    severity: "error",
    description: "A unity (direct-mapped) reserved range could not be identity-mapped.",
    fixed: true,
  },
  ...spaprLoweringChecks,
  {
    code: "VCM0312",
    name: "address-outside-halves",
    phase: "lower",
    severity: "error",
    description:
      "A cpu mapping (e.g. a scenario's `map`) lies in neither half of its address space: a non-canonical x86-64 address, or between the AArch64 TTBR0 and TTBR1 ranges.",
    fixed: true,
  },
  {
    code: "VCM0321",
    name: "plugin-returned-invalid",
    phase: "lower",
    severity: "error",
    description:
      "A plugin returned a value the plugin API does not allow (a wrong type, an out-of-range number, too many items); nothing is written.",
    fixed: true,
  },
  {
    code: "VCM0322",
    name: "plugin-timeout",
    phase: "lower",
    severity: "error",
    description:
      "A third-party plugin call ran past its time budget (`--plugin-timeout`); the compile is stopped and nothing is written.",
    fixed: true,
  },
  {
    code: "VCM0323",
    name: "plugin-worker-failed",
    phase: "lower",
    severity: "error",
    description:
      "The worker thread running third-party plugins stopped (out of memory, a crash) before the compile finished; nothing is written.",
    fixed: true,
  },
  {
    code: "VCM0319",
    name: "shared-table-mismatch",
    phase: "lower",
    severity: "error",
    description:
      "A device is bound to a domain whose table its IOMMU instance cannot walk (another format or geometry).",
    fixed: true,
  },
];

/** The definition for `name` (the lowering only reports codes it defines). */
export function loweringCheck(name: string): CheckDefinition {
  const def = loweringChecks.find((c) => c.name === name);
  if (!def) throw new Error(`unknown lowering check '${name}'`);
  return def;
}
