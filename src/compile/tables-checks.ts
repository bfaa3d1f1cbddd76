/** Diagnostics of loading a `vcm run --tables DIR` output directory (VCM0455-0457). */
import type { CheckDefinition } from "../checks/definition.js";

export const tablesLoadChecks: CheckDefinition[] = [
  {
    code: "VCM0455",
    name: "tables-file-refused",
    phase: "run",
    severity: "error",
    description:
      "A file of the --tables directory is missing, lies outside it (absolute, `..`, a symbolic link out), or is not a regular file (a FIFO, a device).",
    fixed: true,
  },
  {
    code: "VCM0456",
    name: "manifest-invalid",
    phase: "run",
    severity: "error",
    description:
      "manifest.json is not valid JSON, breaks its schema (docs/manifest.schema.json), names an unknown format or a missing object, or places a pool at an unaligned or overlapping address, or unlike the topology.",
    fixed: true,
  },
  {
    code: "VCM0457",
    name: "tables-file-size",
    phase: "run",
    severity: "error",
    description:
      "A file of the --tables directory does not have the size the manifest claims, or is too large to read.",
    fixed: true,
  },
];
