/** Diagnostics of name resolution and evaluation (AST -> IR), codes VCM0100-0199. */
import type { CheckDefinition } from "./definition.js";
import { spaprResolveChecks } from "./spapr-definitions.js";

const resolve = (
  code: string,
  name: string,
  description: string,
  severity: CheckDefinition["severity"] = "error",
): CheckDefinition => ({ code, name, phase: "resolve", severity, description });

export const resolveChecks: CheckDefinition[] = [
  resolve("VCM0100", "unresolved-name", "A name refers to nothing declared."),
  resolve("VCM0101", "duplicate-name", "Two declarations share one name."),
  resolve("VCM0102", "wrong-kind", "A name refers to a declaration of the wrong kind."),
  resolve("VCM0103", "arithmetic-overflow", "A constant expression over- or underflows 64 bits."),
  resolve("VCM0104", "division-by-zero", "A constant expression divides by zero."),
  resolve(
    "VCM0105",
    "address-space-mismatch",
    "A physical address is used where an IOVA, VA or bus address is expected.",
  ),
  resolve("VCM0106", "unknown-format", "A mapper names a page-table format no plugin provides."),
  resolve("VCM0107", "unknown-param", "A mapper block has a key its plugin does not define."),
  resolve("VCM0108", "invalid-param", "A mapper parameter has the wrong type or value."),
  resolve("VCM0109", "plugin-param-problem", "The plugin rejects a combination of parameters."),
  resolve("VCM0110", "no-pool", "A mapper's page-table pool is missing or ambiguous."),
  resolve("VCM0111", "region-full", "A buffer does not fit in the free space of its region."),
  resolve("VCM0112", "empty-range", "A range is empty or ends before it starts."),
  resolve("VCM0113", "invalid-index", "An array index is out of bounds or used on a non-array."),
  resolve("VCM0114", "invalid-value", "A value is out of its allowed range (count, align, bits)."),
  resolve(
    "VCM0144",
    "array-exceeds-region",
    "A buffer array needs more bytes than its whole region has.",
  ),
  resolve("VCM0142", "name-too-long", "A declared name is longer than 256 characters."),
  resolve(
    "VCM0143",
    "too-many-diagnostics",
    "A file has more than 1000 diagnostics: the rest are counted in one note.",
    "note",
  ),
  ...spaprResolveChecks,
  resolve(
    "VCM0120",
    "group-attached-whole",
    "A domain attaches one device of a multi-device IOMMU group: the whole group joins it.",
    "note",
  ),
  resolve(
    "VCM0121",
    "group-without-iommu",
    "`group` is given to an endpoint that is not a device behind an IOMMU.",
  ),
  resolve(
    "VCM0122",
    "attach-incompatible",
    "A scenario `attach`/`detach` names a device not behind an IOMMU, or a domain of another IOMMU (EINVAL).",
  ),
  resolve(
    "VCM0115",
    "upper-half-not-cpu",
    "An IOMMU's parameters declare an upper (TTBR1) half, which only a cpu MMU context has.",
  ),
  resolve(
    "VCM0140",
    "pool-misaligned",
    "A page-table pool does not start on a 4 KiB frame boundary (its image is loaded frame by frame).",
  ),
  resolve(
    "VCM0130",
    "pinnable-not-mmio",
    "`pinnable` on a region that is not mmio: RAM always pins, reserved memory is never mapped.",
    "warning",
  ),
  resolve(
    "VCM0131",
    "revoke-not-mmio",
    "`revoke` or `restore` of a region that is not mmio: only an exporter's BAR is revoked.",
  ),
  resolve(
    "VCM0132",
    "reservation-target",
    "A reservation names a target with no address space of its own to reserve in.",
  ),
  resolve(
    "VCM0133",
    "reservation-placement",
    "A reservation lies outside its domain's aperture, overlaps another, or finds no free space.",
  ),
  resolve(
    "VCM0134",
    "reservation-too-small",
    "The memory mapped into a reservation does not fit inside it.",
  ),
  resolve(
    "VCM0135",
    "domain-instance-mismatch",
    "A domain is attached to a device behind an IOMMU instance of another format or table geometry (EINVAL).",
  ),
];
