/** Resolution and evaluation: AST to IR (VCM0100-0199). */
import { defineEntries } from "./define.js";

export const resolveEntries = defineEntries("resolve", {
  unresolvedName: {
    code: 100,
    description: "A name refers to nothing declared.",
    message: "unknown name '{name}' (expected {wanted})",
    messages: {
      window: "container '{container}' has no window '{window}'",
    },
  },
  duplicateName: {
    code: 101,
    description: "Two declarations share one name.",
    message: "'{name}' is declared twice",
  },
  wrongKind: {
    code: 102,
    description: "A name refers to a declaration of the wrong kind.",
    message: "'{name}' is {kind}, expected {wanted}",
    messages: {
      notDevice: "'{name}' is a {kind}; only devices attach to domains",
      notBehind: "'{name}' is not behind '{mapper}'",
      behindOther: "'{name}' is not behind '{mapper}' (it is behind '{other}')",
      reservationMembers: "reservation '{name}' has no members",
      windowNeeded: "map into a window of '{container}': write '{container}.WINDOW'",
      noMembers: "'{name}' has no members; only containers have windows",
      noDomain: "'{name}' has no domain: map into the window of the container holding its group",
      migrate: "only buffers can migrate",
    },
  },
  arithmeticOverflow: {
    code: 103,
    description: "A constant expression over- or underflows 64 bits.",
    message: "{a} {op} {b} overflows 64 bits",
    messages: {
      negation: "-{value} underflows: values are unsigned",
      subtraction: "{a} - {b} underflows below 0",
      shift: "{a} << {b} overflows 64 bits",
      rangeEnd: "the range ends past 2^64",
      bufferEnd: "buffer '{name}' ends past 2^64",
      sliceEnd: "the slice ends past 2^64",
      mappingEnd: "the mapping ends past 2^64",
    },
  },
  divisionByZero: {
    code: 104,
    description: "A constant expression divides by zero.",
    message: "division by zero",
  },
  addressSpaceMismatch: {
    code: 105,
    description: "A physical address is used where an IOVA, VA or bus address is expected.",
    message: "{what} is a device address, but this is a physical address ({address})",
    messages: {
      aperture: "a domain aperture is an IOVA range, but this is a physical address range",
      reserveRange: "a {kind} range is an IOVA range, but this is a physical address range",
      mapAt: "`at` is {space} address, but {address} is a physical address",
      paramRange: "'{key}' is a device address range, but {address} is a physical address here",
    },
  },
  unknownFormat: {
    code: 106,
    description: "A mapper names a page-table format no plugin provides.",
    message: "no plugin provides the format '{format}' (known formats: {known})",
  },
  unknownParam: {
    code: 107,
    description: "A mapper block has a key its plugin does not define.",
    message: "'{plugin}' has no parameter '{key}' (it has: {known})",
  },
  invalidParam: {
    code: 108,
    description: "A mapper parameter has the wrong type or value.",
    message: "'{key}' cannot be {value} (allowed: {allowed})",
    messages: {
      givenTwice: "parameter '{key}' is given twice",
      pool: "`pool` takes one pool name",
      required: "'{plugin}' needs parameter '{key}' ({description})",
      flag: "'{key}' is a flag and takes no value",
      one: "'{key}' takes one {what}",
      sizes: "'{key}' takes one or more sizes",
      number: "'{key}' takes a number",
      atLeast: "'{key}' must be at least {min}, not {value}",
      atMost: "'{key}' must be at most {max}, not {value}",
      word: "'{key}' takes one word",
      wordOf: "'{key}' takes one word ({allowed})",
      wordNotAllowed: "'{key}' cannot be '{value}' (allowed: {allowed})",
      range: "'{key}' takes one range (A .. B or A .. +SIZE)",
    },
  },
  pluginParamProblem: {
    code: 109,
    description:
      "The plugin rejects a combination of parameters (its `validate`); the plugin's reason is given.",
    message: "{format} refuses these parameters: {problem}",
  },
  noPool: {
    code: 110,
    description: "A mapper's page-table pool is missing or ambiguous.",
    message: "mapper '{mapper}' needs a pool for its page tables, and none is declared",
    messages: {
      several: "several pools are declared: say which holds '{mapper}''s tables with `pool NAME`",
    },
  },
  regionFull: {
    code: 111,
    description: "A buffer does not fit in the free space of its region.",
    message: "no free space for '{name}' ({size}, align {align}) in '{memory}'",
    messages: {
      element:
        "no free space for element {index} of '{name}' ({size}, align {align}) in '{memory}'",
    },
  },
  emptyRange: {
    code: 112,
    description: "A range is empty or ends before it starts.",
    message: "the range {start} .. +0 is empty",
    messages: {
      exclusive: "the range {start} .. {end} is empty (the end is exclusive)",
      window: "window '{name}' has size 0",
      reservation: "reservation '{name}' has size 0",
    },
  },
  invalidIndex: {
    code: 113,
    description: "An array index is out of bounds or used on a non-array.",
    message: "'{name}' is not an array",
    messages: {
      needsIndex: "'{name}' is an array: write '{name}[N]'",
      outOfBounds: "index {index} is out of bounds: '{name}' has {count} element(s)",
      region: "'{name}' is a memory region, not an array",
      notArrayWrite: "'{name}' is not an array: write '{name}'",
      sliceOne: "'{name}' is an array: slice one element",
    },
  },
  invalidValue: {
    code: 114,
    description: "A value is out of its allowed range (count, align, bits).",
    message:
      "the address of '{name}' is chosen by VCM, so it cannot be used in another buffer's size or address",
    messages: {
      ownAddress: "buffer '{name}' depends on its own address",
      arrayCount: "an array has 1 to {max} elements, not {count}",
      alignPower: "align must be a power of two, not {align}",
      bufferSizeZero: "buffer '{name}' has size 0",
      bufferNeedsSize: "buffer '{name}' needs a size",
      chunkedArray: "a buffer with `chunks` cannot be an array",
      chunksOneRegion: "all chunks of '{name}' must be in one region ('{memory}'), not '{other}'",
      chunksTotal: "size {size} differs from the chunks' total {total}",
      bufferPlace: "buffer '{name}' needs `in REGION`, `at ADDRESS` or `chunks`",
      constCycle: "const '{name}' depends on itself",
      reservationAddress:
        "the address of reservation '{name}' is not known here (it is placed after constants and buffers, or failed)",
      containerPage: "{item} must be a power of two of at least 4K, not {value}",
      backingPage:
        "backing-page {backing} is smaller than the host page {host}: memory is backed by whole host pages at least",
      dmaMask: "dma-mask is a number of address bits (1 to 64), not {bits}",
      belowOffset: "{address} is below the bus offset {offset} of '{name}'",
      noMmu: "'{name}' has no MMU: it sees this memory at {address}, not {wanted}",
      reservationNeedsSize: "reservation '{name}' needs a size",
      reservationPages:
        "a reservation is whole pages: {size} is not a multiple of {page}, the smallest page size of '{mapper}'",
    },
  },
  upperHalfNotCpu: {
    code: 115,
    description:
      "An IOMMU's parameters declare an upper (TTBR1) half, which only a cpu MMU context has.",
    message: "iommu '{name}' declares an upper half, which only a cpu MMU context has",
  },
  groupAttachedWhole: {
    code: 120,
    severity: "note",
    description:
      "A domain attaches one device of a multi-device IOMMU group: the whole group joins it.",
    message: "attaching '{device}' attaches {group}: {members} join '{domain}' too",
    messages: {
      one: "attaching '{device}' attaches {group}: {members} joins '{domain}' too",
    },
  },
  groupWithoutIommu: {
    code: 121,
    description: "`group` is given to an endpoint that is not a device behind an IOMMU.",
    message: "'{name}' is a {kind}: only devices behind an IOMMU belong to IOMMU groups",
    messages: {
      noIommu:
        "'{name}' is a device with no IOMMU (no `behind`): only devices behind an IOMMU belong to IOMMU groups",
    },
  },
  attachIncompatible: {
    code: 122,
    description:
      "A scenario `attach`/`detach` names a device not behind an IOMMU, or a domain of another IOMMU (EINVAL).",
    message: "'{name}' is a {kind}: only devices behind an IOMMU attach to domains (EINVAL)",
    messages: {
      noIommu:
        "'{name}' is a device with no IOMMU: only devices behind an IOMMU attach to domains (EINVAL)",
      otherIommu:
        "'{domain}' is a domain of '{mapper}', but '{device}' is behind '{other}' (EINVAL)",
      otherTable:
        "'{domain}' is a domain of '{mapper}', but '{device}' is behind '{other}' (EINVAL), which cannot walk its table: {why}",
    },
  },
  unknownContainerModel: {
    code: 125,
    description: "A container names a model other than spapr-v1 or spapr-v2.",
    message: "'{model}' is not a container model (models: {models})",
  },
  removeUnknownWindow: {
    code: 126,
    description:
      "`remove` names a window the platform does not create (only default32), or one also declared (-EINVAL).",
    message:
      "only the default window '{window}' can be removed, not '{name}' (tce_iommu_remove_window: -EINVAL)",
    messages: {
      declared: "'{window}' is both declared and removed in container '{container}'",
    },
  },
  tceDeviceWithoutContainer: {
    code: 127,
    description: "A device behind a TCE IOMMU is in no container and attached to no domain.",
    message:
      "'{name}' is behind the TCE IOMMU '{iommu}', but its group {group} is in no container and no domain attaches it",
    messages: {
      noGroup:
        "'{name}' is behind the TCE IOMMU '{iommu}', but it has no group and no domain attaches it",
    },
  },
  pinnableNotMmio: {
    code: 130,
    severity: "warning",
    description:
      "`pinnable` on a region that is not mmio: RAM always pins, reserved memory is never mapped.",
    message: "'{name}' is {kind}: `pinnable` is an exporter's word for its mmio (a BAR)",
  },
  revokeNotMmio: {
    code: 131,
    description:
      "`revoke` or `restore` of a region that is not mmio: only an exporter's BAR is revoked.",
    message: "'{name}' is {kind}: only an exporter's mmio (a BAR) can be {verb}",
  },
  reservationTarget: {
    code: 132,
    description: "A reservation names a target with no address space of its own to reserve in.",
    message:
      "a reservation takes address space of a domain, a cpu with an MMU or a device behind an IOMMU; '{name}' is itself a reservation",
    messages: {
      translatesNothing:
        "a reservation takes address space of a domain, a cpu with an MMU or a device behind an IOMMU; '{name}' is {type} domain: it translates nothing",
      noMmu:
        "a reservation takes address space of a domain, a cpu with an MMU or a device behind an IOMMU; '{name}' has no MMU: it sees physical memory as it is",
      window:
        "a reservation takes address space of a domain, a cpu with an MMU or a device behind an IOMMU; '{name}' is a window of a container",
    },
  },
  reservationPlacement: {
    code: 133,
    description:
      "A reservation lies outside its domain's aperture, overlaps another, or finds no free space.",
    message: "no free {size} range (align {align}) in the address space of '{domain}'",
    messages: {
      misaligned: "{address} is not aligned to {align}",
      outsideAperture:
        "{address} .. +{size} is outside the aperture of '{domain}' ({base} .. +{apertureSize})",
      overlapsReservation: "{address} .. +{size} overlaps reservation '{other}' of '{domain}'",
      overlapsRange:
        "{address} .. +{size} overlaps the {kind} range {base} .. +{rangeSize} of '{domain}'",
    },
  },
  reservationTooSmall: {
    code: 134,
    description: "The memory mapped into a reservation does not fit inside it.",
    message: "{address} is outside reservation '{name}' ({base} .. +{size})",
    messages: {
      buffer:
        "'{buffer}' ({size} at {address}) does not fit in reservation '{name}' ({base} .. +{reservationSize})",
      slice:
        "the slice ({size} at {address}) does not fit in reservation '{name}' ({base} .. +{reservationSize})",
    },
  },
  domainInstanceMismatch: {
    code: 135,
    description:
      "A domain is attached to a device behind an IOMMU instance of another format or table geometry (EINVAL).",
    message:
      "'{device}' is behind '{mapper}', which cannot walk the table of '{domain}' on '{owner}' (EINVAL): {why}",
  },
  poolMisaligned: {
    code: 140,
    description:
      "A page-table pool does not start on a 4 KiB frame boundary (its image is loaded frame by frame).",
    message: "pool '{name}' starts at {address}, not on a 4 KiB frame boundary",
  },
  nameTooLong: {
    code: 142,
    description: "A declared name is longer than 256 characters.",
    message: "a name of {length} characters; the maximum is {max}",
  },
  tooManyDiagnostics: {
    code: 143,
    severity: "note",
    description: "A file has more than 1000 diagnostics: the rest are counted in one note.",
    message: "{count} more diagnostics in this file not shown (at most {max} per file)",
    messages: {
      one: "1 more diagnostic in this file not shown (at most {max} per file)",
    },
  },
  arrayExceedsRegion: {
    code: 144,
    description: "A buffer array needs more bytes than its whole region has.",
    message: "{count} elements of {size} need {total}, more than all of '{memory}' ({regionSize})",
  },
  // AArch64 translation regimes and TrustZone (plugins/arm-lpae/README.md, grammar/REFERENCE.md).
  regimeNotCpu: {
    code: 160,
    description:
      "An IOMMU's parameters name a translation regime (`regime`, `wxn`), which only a cpu MMU context has.",
    message: "iommu '{name}' names a translation regime ({key}), which only a cpu MMU context has",
    messages: {
      hint: "an SMMU context is written in the EL1&0 format: drop `{key}`, or give it to an `mmu` that a `cpu ... via` uses",
    },
  },
  nonsecureTablesInSecureMemory: {
    code: 162,
    description:
      "A mapper that walks its tables Non-secure (every one but an EL3 cpu's) takes them from a pool in `secure` memory: its table walks cannot read them.",
    message:
      "'{mapper}' walks its tables with Non-secure accesses, but pool '{pool}' lies in `secure` memory '{memory}': the walks cannot read it",
    messages: {
      hint: "take the tables from a pool in Non-secure memory, or give the mmu `regime el3`",
    },
  },
  securityWordsConflict: {
    code: 161,
    description: "A `map` line says both `secure` and `nonsecure`.",
    message: "a mapping is either `secure` or `nonsecure`, not both",
  },
  guestDomainNotStage2: {
    code: 150,
    description:
      "Guest memory (`memory ... guest DOMAIN`) names a domain that is not a stage-2 domain (`stage 2`).",
    message: "guest memory '{name}' is in '{domain}', which is not a stage-2 domain",
  },
  guestBackingSize: {
    code: 151,
    description:
      "The host memory backing a guest region (`backed REF`) is not the size of the guest region.",
    message: "guest memory '{name}' is {size}, but its backing is {backing}",
  },
  guestBackingNotHost: {
    code: 152,
    description:
      "A guest region is backed by something other than one contiguous piece of host memory inside a host region: another guest region, a scatter-gather buffer, or a range outside its region.",
    message: "guest memory '{name}' must be backed by one contiguous piece of host memory ({why})",
  },
  nestedParentNotStage2: {
    code: 153,
    description:
      "`nested PARENT` names a domain that is not a stage-2 domain of the same IOMMU, or the nested domain is itself `stage 2`.",
    message: "'{name}' is nested on '{parent}', {why}",
  },
  stageValue: {
    code: 154,
    description:
      "`stage` in a domain block is 1 or 2, on an IOMMU whose format has two stages (a `stage` parameter).",
    message: "domain '{name}': {why}",
  },
  nestedNeedsTables: {
    code: 155,
    description:
      "A nested domain names no `tables POOL` (its stage-1 tables live in guest memory), or `tables` is written outside a nested domain.",
    message: "domain '{name}': {why}",
  },
});
