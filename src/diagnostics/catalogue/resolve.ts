/** Resolution and evaluation: AST to IR (VCM0100-0199). */
import { defineEntries } from "./define.js";

export const resolveEntries = defineEntries("resolve", {
  unresolvedName: {
    code: 100,
    description: "A name refers to nothing declared.",
    message: "{message}",
  },
  duplicateName: {
    code: 101,
    description: "Two declarations share one name.",
    message: "{message}",
  },
  wrongKind: {
    code: 102,
    description: "A name refers to a declaration of the wrong kind.",
    message: "{message}",
  },
  arithmeticOverflow: {
    code: 103,
    description: "A constant expression over- or underflows 64 bits.",
    message: "{message}",
  },
  divisionByZero: {
    code: 104,
    description: "A constant expression divides by zero.",
    message: "{message}",
  },
  addressSpaceMismatch: {
    code: 105,
    description: "A physical address is used where an IOVA, VA or bus address is expected.",
    message: "{message}",
  },
  unknownFormat: {
    code: 106,
    description: "A mapper names a page-table format no plugin provides.",
    message: "{message}",
  },
  unknownParam: {
    code: 107,
    description: "A mapper block has a key its plugin does not define.",
    message: "{message}",
  },
  invalidParam: {
    code: 108,
    description: "A mapper parameter has the wrong type or value.",
    message: "{message}",
  },
  pluginParamProblem: {
    code: 109,
    description: "The plugin rejects a combination of parameters.",
    message: "{message}",
  },
  noPool: {
    code: 110,
    description: "A mapper's page-table pool is missing or ambiguous.",
    message: "{message}",
  },
  regionFull: {
    code: 111,
    description: "A buffer does not fit in the free space of its region.",
    message: "{message}",
  },
  emptyRange: {
    code: 112,
    description: "A range is empty or ends before it starts.",
    message: "{message}",
  },
  invalidIndex: {
    code: 113,
    description: "An array index is out of bounds or used on a non-array.",
    message: "{message}",
  },
  invalidValue: {
    code: 114,
    description: "A value is out of its allowed range (count, align, bits).",
    message: "{message}",
  },
  upperHalfNotCpu: {
    code: 115,
    description:
      "An IOMMU's parameters declare an upper (TTBR1) half, which only a cpu MMU context has.",
    message: "{message}",
  },
  groupAttachedWhole: {
    code: 120,
    severity: "note",
    description:
      "A domain attaches one device of a multi-device IOMMU group: the whole group joins it.",
    message: "{message}",
  },
  groupWithoutIommu: {
    code: 121,
    description: "`group` is given to an endpoint that is not a device behind an IOMMU.",
    message: "{message}",
  },
  attachIncompatible: {
    code: 122,
    description:
      "A scenario `attach`/`detach` names a device not behind an IOMMU, or a domain of another IOMMU (EINVAL).",
    message: "{message}",
  },
  unknownContainerModel: {
    code: 125,
    description: "A container names a model other than spapr-v1 or spapr-v2.",
    message: "{message}",
  },
  removeUnknownWindow: {
    code: 126,
    description:
      "`remove` names a window the platform does not create (only default32), or one also declared (-EINVAL).",
    message: "{message}",
  },
  tceDeviceWithoutContainer: {
    code: 127,
    description: "A device behind a TCE IOMMU is in no container and attached to no domain.",
    message: "{message}",
  },
  pinnableNotMmio: {
    code: 130,
    severity: "warning",
    description:
      "`pinnable` on a region that is not mmio: RAM always pins, reserved memory is never mapped.",
    message: "{message}",
  },
  revokeNotMmio: {
    code: 131,
    description:
      "`revoke` or `restore` of a region that is not mmio: only an exporter's BAR is revoked.",
    message: "{message}",
  },
  reservationTarget: {
    code: 132,
    description: "A reservation names a target with no address space of its own to reserve in.",
    message: "{message}",
  },
  reservationPlacement: {
    code: 133,
    description:
      "A reservation lies outside its domain's aperture, overlaps another, or finds no free space.",
    message: "{message}",
  },
  reservationTooSmall: {
    code: 134,
    description: "The memory mapped into a reservation does not fit inside it.",
    message: "{message}",
  },
  domainInstanceMismatch: {
    code: 135,
    description:
      "A domain is attached to a device behind an IOMMU instance of another format or table geometry (EINVAL).",
    message: "{message}",
  },
  poolMisaligned: {
    code: 140,
    description:
      "A page-table pool does not start on a 4 KiB frame boundary (its image is loaded frame by frame).",
    message: "{message}",
  },
  nameTooLong: {
    code: 142,
    description: "A declared name is longer than 256 characters.",
    message: "{message}",
  },
  tooManyDiagnostics: {
    code: 143,
    severity: "note",
    description: "A file has more than 1000 diagnostics: the rest are counted in one note.",
    message: "{message}",
  },
  arrayExceedsRegion: {
    code: 144,
    description: "A buffer array needs more bytes than its whole region has.",
    message: "{message}",
  },
});
