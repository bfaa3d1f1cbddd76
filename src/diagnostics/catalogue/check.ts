/** The named checks on the resolved IR (VCM0200-0299). */
import { defineEntries } from "./define.js";

export const checkEntries = defineEntries("check", {
  regionOverlap: {
    code: 200,
    description: "Two physical memory regions overlap.",
    message: "{message}",
  },
  outsideRegion: {
    code: 201,
    description: "A buffer, slice or chunk lies outside its memory region.",
    message: "{message}",
  },
  poolOutsideRam: {
    code: 202,
    description: "A page-table pool is not inside a RAM region.",
    message: "{message}",
  },
  poolTooSmall: {
    code: 203,
    severity: "warning",
    description: "A pool is smaller than the estimated page tables of the mappers using it.",
    message: "{message}",
  },
  iovaOverlap: {
    code: 204,
    description: "Two fixed-address mappings overlap in one address space.",
    message: "{message}",
  },
  outsideAperture: {
    code: 205,
    description: "A fixed-address mapping lies outside its domain aperture or window.",
    message: "{message}",
  },
  reservedOverlap: {
    code: 206,
    description: "A fixed-address mapping covers a reserved, MSI or unity range.",
    message: "{message}",
  },
  misalignedAddress: {
    code: 207,
    description: "A fixed IOVA or a mapped PA is not aligned to the mapper's smallest page.",
    message: "{message}",
  },
  unsupportedPageSize: {
    code: 208,
    description: "`pages` names a page size the mapper does not support.",
    message: "{message}",
  },
  dmaMaskTooSmall: {
    code: 209,
    description: "An endpoint cannot drive the addresses it must use.",
    message: "{message}",
  },
  multipleDomains: {
    code: 210,
    description: "A device is attached to more than one domain.",
    message: "{message}",
  },
  groupSplit: {
    code: 211,
    description: "Devices of one IOMMU group are attached to different domains.",
    message: "{message}",
  },
  mmioCacheable: {
    code: 212,
    severity: "warning",
    description: "MMIO memory is mapped cacheable.",
    message: "{message}",
  },
  p2pRam: {
    code: 213,
    description: "A `p2p` mapping maps RAM, not a device's MMIO.",
    message: "{message}",
  },
  p2pMissing: {
    code: 214,
    description:
      "A device's MMIO is mapped into another device's domain, or to a no-MMU engine, without `p2p`.",
    message: "{message}",
  },
  unregisteredMemory: {
    code: 215,
    description:
      "Memory mapped through an spapr-v2 container is not registered by its owner (-EINVAL).",
    message: "{message}",
  },
  lockedLimitExceeded: {
    code: 216,
    description:
      "An owner's locked memory (registrations in host pages plus its windows' TCE tables) exceeds its locked-limit (-ENOMEM).",
    message: "{message}",
  },
  windowOverlap: {
    code: 217,
    description: "Two DMA windows of a container overlap.",
    message: "{message}",
  },
  windowSize: {
    code: 218,
    description: "A DMA window's size is not a power of two.",
    message: "{message}",
  },
  windowLevels: {
    code: 219,
    description: "A DMA window has more than 5 table levels.",
    message: "{message}",
  },
  windowPageSize: {
    code: 220,
    description: "A DMA window's page size is not supported by the container's mapper.",
    message: "{message}",
  },
  expectContradiction: {
    code: 221,
    description: "An `expect` contradicts the declared mappings.",
    message: "{message}",
  },
  unusedDeclaration: {
    code: 222,
    severity: "warning",
    description: "A const, buffer, pool, domain or mapper is never used.",
    message: "{message}",
  },
  writeImpliesRead: {
    code: 223,
    severity: "note",
    description:
      "A write-only mapping on a mapper whose writes imply reads is widened to read-write.",
    message: "{message}",
  },
  unknownCheck: {
    code: 224,
    severity: "warning",
    description: "A `// vcm:` directive names no known check.",
    message: "{message}",
  },
  nonCanonicalAddress: {
    code: 235,
    description:
      "A cpu mapping or `expect ... sees` address lies in neither half of the cpu's address space (x86-64: not canonical; AArch64: between the TTBR0 and TTBR1 ranges).",
    message: "{message}",
  },
  readImpliesWrite: {
    code: 240,
    severity: "warning",
    description:
      "A read-only mapping on a format that cannot express read-only (GART) will also be writable.",
    message: "{message}",
  },
  execImpliesRead: {
    code: 241,
    severity: "note",
    description:
      "An execute-only mapping on a format whose entries always grant read is widened to read+execute.",
    message: "{message}",
  },
  mapIntoIdentityOrBlocked: {
    code: 242,
    description:
      "A `map` (top level or scenario step) targets an identity or blocked domain, which has no table (EINVAL).",
    message: "{message}",
  },
  apertureBeyondInput: {
    code: 243,
    description: "A domain's aperture reaches past the IOMMU's input address size (ERANGE).",
    message: "{message}",
  },
  paBeyondOutput: {
    code: 244,
    description:
      "A mapping's memory lies past the output address size of the mapper translating it (ERANGE).",
    message: "{message}",
  },
  scenarioAttachBusy: {
    code: 245,
    description:
      "A scenario `attach` moves a group already in a domain other than its default (EBUSY): `detach` it first.",
    message: "{message}",
  },
  windowBaseAlignment: {
    code: 250,
    description: "A DMA window's base is not aligned to its page size (-EINVAL).",
    message: "{message}",
  },
  tooManyWindows: {
    code: 251,
    description:
      "A container has more than two DMA windows, the default one included (IOMMU_TABLE_GROUP_MAX_TABLES; -ENOSPC).",
    message: "{message}",
  },
  containerNotTce: {
    code: 252,
    description:
      "A container is on an IOMMU whose format has no DMA windows, i.e. not a TCE IOMMU (-ENODEV).",
    message: "{message}",
  },
  spaprV1Rules: {
    code: 253,
    description:
      "An spapr-v1 container registers memory or creates/removes windows (-ENOTTY), or holds more than one group (-EBUSY).",
    message: "{message}",
  },
  registerUnaligned: {
    code: 254,
    description: "A `register` range is not aligned to the host page (-EINVAL); it is not rounded.",
    message: "{message}",
  },
  registerConflict: {
    code: 255,
    description:
      "A `register` overlaps a different registration of the same owner (-EINVAL), or repeats one in the same container (-EBUSY).",
    message: "{message}",
  },
  tceNotInOneRegion: {
    code: 256,
    description:
      "A TCE of a window mapping is not inside one registered region whose pages can back the IOMMU page size (-EINVAL).",
    message: "{message}",
  },
  ownerLimitConflict: {
    code: 257,
    description:
      "Containers of one owner declare different locked-limits (RLIMIT_MEMLOCK belongs to the process).",
    message: "{message}",
  },
  pinRefused: {
    code: 260,
    description:
      "A `pin` mapping of mmio whose exporter does not accept pins (no `pinnable`): EOPNOTSUPP.",
    message: "{message}",
  },
  mapAfterRevoke: {
    code: 261,
    description:
      "A scenario maps a region it revoked, before `restore` (the exporter refuses: ENODEV).",
    message: "{message}",
  },
  revokeWhilePinned: {
    code: 262,
    description: "A scenario revokes a region a pinned mapping still holds (EBUSY).",
    message: "{message}",
  },
  revokeNoMmu: {
    code: 263,
    description:
      "A scenario revokes a region a no-MMU engine still maps: nothing can make it fault.",
    message: "{message}",
  },
  pluginFailed: {
    code: 270,
    fixed: true,
    description:
      "A plugin threw, or returned a value the plugin API does not allow, while the topology was checked (`validate`, `capabilities`).",
    message: "{message}",
  },
  internalError: {
    code: 299,
    fixed: true,
    description: "A check or plugin failed unexpectedly; please report it.",
    message: "{message}",
  },
});
