/** Diagnostics of `vcm import-dt` (VCM0030-0039): reading a device tree and mapping it to VCM. */
import type { CheckDefinition } from "../checks/definition.js";

export const deviceTreeChecks: CheckDefinition[] = [
  {
    code: "VCM0030",
    name: "dt-unreadable",
    phase: "load",
    severity: "error",
    description:
      "A device-tree input cannot be read: missing, not a regular file, or larger than 64 MiB.",
    fixed: true,
  },
  {
    code: "VCM0031",
    name: "dtc-missing",
    phase: "load",
    severity: "error",
    description:
      "A .dts source needs the device-tree compiler `dtc` (Debian: device-tree-compiler), which is not installed.",
    fixed: true,
  },
  {
    code: "VCM0032",
    name: "dtc-failed",
    phase: "load",
    severity: "error",
    description: "`dtc` refused the .dts source (its message is given, at its file:line:col).",
    fixed: true,
  },
  {
    code: "VCM0033",
    name: "fdt-malformed",
    phase: "load",
    severity: "error",
    description:
      "The flattened device tree is malformed: bad magic or version, a header offset or size outside the blob, overlapping blocks, an unknown structure token, an unterminated name, a property past its block (with the byte offset).",
    fixed: true,
  },
  {
    code: "VCM0034",
    name: "dt-property-malformed",
    phase: "load",
    severity: "warning",
    description:
      "A property the importer reads (reg, ranges, dma-ranges, iommus, iommu-map, msi-map, size, alloc-ranges) has the wrong shape or does not translate; the node is listed as not mapped.",
  },
  {
    code: "VCM0035",
    name: "dt-phandle-unresolved",
    phase: "load",
    severity: "warning",
    description:
      "A phandle (in iommus, iommu-map, msi-map, memory-region) names no node of the tree; the reference is skipped.",
  },
  {
    code: "VCM0036",
    name: "dt-no-memory",
    phase: "load",
    severity: "warning",
    description:
      "The tree declares no memory node: the skeleton has no RAM and no page-table pool, so nothing can be mapped until memory is added.",
  },
];
