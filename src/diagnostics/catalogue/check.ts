/** The named checks on the resolved IR (VCM0200-0299). */
import { defineEntries, defineTexts } from "./define.js";

export const checkEntries = defineEntries("check", {
  regionOverlap: {
    code: 200,
    description: "Two physical memory regions overlap.",
    message: "memory '{name}' overlaps '{other}'",
    messages: {
      declaredHere: "'{name}' is declared here",
    },
  },
  outsideRegion: {
    code: 201,
    description: "A buffer, slice or chunk lies outside its memory region.",
    message: "buffer '{name}' ({range}) is outside '{memory}'",
    messages: {
      bufferInNoRegion: "buffer '{name}' at {range} is in no memory region",
      pool: "pool '{name}' ({range}) is outside '{memory}'",
      slice: "the slice {range} is outside '{memory}'",
      registered: "the registered range {range} is in no memory region",
      bufferSlice: "the slice {range} is outside '{buffer}' ({size})",
    },
  },
  poolOutsideRam: {
    code: 202,
    description: "A page-table pool is not inside a RAM region.",
    message:
      "pool '{pool}' is in '{memory}', which is {kind}, not ram: page tables must live in RAM",
  },
  poolTooSmall: {
    code: 203,
    severity: "warning",
    description: "A pool is smaller than the estimated page tables of the mappers using it.",
    message:
      "pool '{pool}' ({size}) is smaller than the ~{need} of page tables its mappers may need",
  },
  iovaOverlap: {
    code: 204,
    description: "Two fixed-address mappings overlap in one address space.",
    message: "{range} overlaps another mapping in '{target}' ({other})",
    messages: {
      other: "the other mapping",
    },
  },
  outsideAperture: {
    code: 205,
    description: "A fixed-address mapping lies outside its domain aperture or window.",
    message: "{range} is outside the aperture of '{domain}' ({aperture})",
    messages: {
      window: "{range} is outside window '{window}' ({aperture})",
    },
  },
  reservedOverlap: {
    code: 206,
    description: "A fixed-address mapping covers a reserved, MSI or unity range.",
    message: "{range} covers the {kind} range {reserved} of '{domain}'",
    messages: {
      reservation: "{range} covers reservation '{reservation}' {reserved} of '{domain}'",
      comesFrom: "the {kind} range comes from here",
    },
  },
  misalignedAddress: {
    code: 207,
    description: "A fixed IOVA or a mapped PA is not aligned to the mapper's smallest page.",
    message: "the address {address} is not aligned to {page}",
    messages: {
      physical: "the physical address {address} is not aligned to {page}",
      size: "the size {size} at {address} is not a multiple of {page}",
      pageAsked: "{size}, the page size its `pages` asks for",
      pageOfWindow: "{size}, the page size of window '{window}'",
      smallestPage: "{size}, the smallest page size of '{mapper}'",
    },
  },
  unsupportedPageSize: {
    code: 208,
    description: "`pages` names a page size the mapper does not support.",
    message: "'{mapper}' has no {size} pages (it has {sizes})",
  },
  dmaMaskTooSmall: {
    code: 209,
    description: "An endpoint cannot drive the addresses it must use.",
    message: "'{endpoint}' drives {bits} address bits, but this mapping is at {range}",
    messages: {
      direct: "'{endpoint}' drives {bits} address bits, but this memory is at bus {range}",
      noMmu:
        "'{endpoint}' drives {bits} address bits and has no MMU, but this memory is at bus {address}",
    },
  },
  multipleDomains: {
    code: 210,
    description: "A device is attached to more than one domain.",
    message: "'{device}' is attached to both '{first}' and '{second}'",
    messages: {
      attachesFirst: "'{domain}' attaches it first",
    },
  },
  groupSplit: {
    code: 211,
    description: "Devices of one IOMMU group are attached to different domains.",
    message:
      "group {group} of '{mapper}' is split: '{device}' is in '{domain}' but '{other}' is in '{otherDomain}'; a group is attached whole, so the second attach is refused (EBUSY)",
    messages: {
      domain: "'{domain}'",
    },
  },
  mmioCacheable: {
    code: 212,
    severity: "warning",
    description: "MMIO memory is mapped cacheable.",
    message: "'{memory}' is MMIO but is mapped cacheable",
    messages: {
      hint: "use `device` or `noncacheable`",
    },
  },
  p2pRam: {
    code: 213,
    description: "A `p2p` mapping maps RAM, not a device's MMIO.",
    message: "`p2p` maps a device's MMIO into another device; '{memory}' is RAM",
  },
  p2pMissing: {
    code: 214,
    description:
      "A device's MMIO is mapped into another device's domain, or to a no-MMU engine, without `p2p`.",
    message: "'{memory}' is MMIO of '{owner}', mapped into '{target}' without `p2p`",
    messages: {
      noMmu:
        "'{memory}' is MMIO of '{owner}', mapped to the no-MMU engine '{engine}' without `p2p` (EOPNOTSUPP)",
      hint: "add `p2p` to declare a peer-to-peer mapping",
    },
  },
  unregisteredMemory: {
    code: 215,
    description:
      "Memory mapped through an spapr-v2 container is not registered by its owner (-EINVAL).",
    message: "{range} is not registered in container '{container}'",
    messages: {
      ofOwner: "{range} is not registered in container '{container}' (owner '{owner}')",
      hint: "add `register` for this memory to '{container}'",
    },
  },
  lockedLimitExceeded: {
    code: 216,
    description:
      "An owner's locked memory (registrations in host pages plus its windows' TCE tables) exceeds its locked-limit (-ENOMEM).",
    message: "{who} locks {total}: {parts}, over its locked-limit {limit} (-ENOMEM)",
    messages: {
      container: "container '{container}'",
      owner: "owner '{owner}' (containers {containers})",
      registered: "{size} registered (in {page} host pages)",
      tables: "{size} of TCE tables (v1: its whole window)",
    },
  },
  windowOverlap: {
    code: 217,
    description: "Two DMA windows of a container overlap.",
    message: "window '{window}' overlaps '{other}'",
    messages: {
      other: "'{window}'",
    },
  },
  windowSize: {
    code: 218,
    description: "A DMA window's size is not a power of two.",
    message: "window '{window}' has size {size}, not a power of two",
  },
  windowLevels: {
    code: 219,
    description: "A DMA window has more than 5 table levels.",
    message: "window '{window}' has {levels} levels; TCE tables have 1 to 5",
  },
  windowPageSize: {
    code: 220,
    description: "A DMA window's page size is not supported by the container's mapper.",
    message: "'{mapper}' has no {size} pages (it has {sizes})",
  },
  expectContradiction: {
    code: 221,
    description: "An `expect` contradicts the declared mappings.",
    message: "nothing maps {what} for '{endpoint}'",
    messages: {
      noMmuDoesNotFault:
        "'{endpoint}' has no MMU: bus {address} is memory '{memory}', so it does not fault",
      noMmuReaches:
        "'{endpoint}' has no MMU and reaches all memory within its dma-mask, so it can {verb} it",
      mappedDoesNotFault: "{address} is mapped for '{endpoint}', so it does not fault",
      coveringMapping: "the mapping covering it",
      unity: "a unity range maps this memory read-write for '{endpoint}'",
      mappedWith: "{what} is mapped with '{perm}' for '{endpoint}'",
      formatGrants:
        "{what} is mapped for '{endpoint}' on a format whose entries grant '{perm}' with '{perms}'",
      allows: "this mapping allows it",
      lacks: "every mapping of {what} for '{endpoint}' lacks '{perm}'",
      without: "a mapping without it",
      passthroughFault:
        "{address} is outside the aperture, where '{endpoint}' passes through untranslated to pa {address}{memory}, so it does not fault",
      passthroughMemory: " (memory '{memory}')",
      passthroughReaches:
        "outside the aperture '{endpoint}' reaches this memory untranslated (iova == pa, every right), so it can {verb} it",
      buffers: "'{buffers}'",
      thisMemory: "this memory",
    },
  },
  unusedDeclaration: {
    code: 222,
    severity: "warning",
    description: "A const, buffer, pool, domain or mapper is never used.",
    message: "{kind} '{name}' is never used",
  },
  writeImpliesRead: {
    code: 223,
    severity: "note",
    description:
      "A write-only mapping on a mapper whose writes imply reads is widened to read-write.",
    message:
      "'{mapper}' (format {format}) cannot express write-only: this mapping will also be readable",
  },
  unknownCheck: {
    code: 224,
    severity: "warning",
    description: "A `// vcm:` directive names no known check.",
    message: "'// vcm: {action} {check}' names no known check",
  },
  nonCanonicalAddress: {
    code: 235,
    description:
      "A cpu mapping or `expect ... sees` address lies in neither half of the cpu's address space (x86-64: not canonical; AArch64: between the TTBR0 and TTBR1 ranges).",
    message:
      "{what} is in neither half of the address space of '{domain}' (lower {lower}, upper {upper})",
    messages: {
      canonical: "a canonical address has bits 63..{bit} all equal (sign-extended)",
      widths: "the upper half is 'va-bits-upper' bits wide, the lower 'va-bits'",
    },
  },
  readImpliesWrite: {
    code: 240,
    severity: "warning",
    description:
      "A read-only mapping on a format that cannot express read-only (GART) will also be writable.",
    message:
      "'{mapper}' (format {format}) cannot express read-only: this mapping will also be writable",
  },
  execImpliesRead: {
    code: 241,
    severity: "note",
    description:
      "An execute-only mapping on a format whose entries always grant read is widened to read+execute.",
    message:
      "'{mapper}' (format {format}) cannot express execute-only: this mapping will also be readable",
  },
  mapIntoIdentityOrBlocked: {
    code: 242,
    description:
      "A `map` (top level or scenario step) targets an identity or blocked domain, which has no table (EINVAL).",
    message:
      "'{domain}' is {kind} domain: it has no page table to map into (iommu_map refuses it, EINVAL)",
    messages: {
      declared: "'{domain}' is declared `type {type}` here",
      identityHint:
        "an identity domain already reaches all memory at iova == pa; map into a dma domain instead",
      blockedHint: "a blocked domain reaches nothing; map into a dma domain instead",
    },
  },
  apertureBeyondInput: {
    code: 243,
    description: "A domain's aperture reaches past the IOMMU's input address size (ERANGE).",
    message:
      "the aperture of '{domain}' ends at {end}, past the {bits}-bit input range of '{mapper}' (format {format}): its tables cannot translate beyond {limit} (ERANGE)",
    messages: {
      hint: "end the aperture at or below {limit}",
    },
  },
  paBeyondOutput: {
    code: 244,
    description:
      "A mapping's memory lies past the output address size of the mapper translating it (ERANGE).",
    message:
      "{what} lies at pa {start}..{end}, past the {bits}-bit output range of '{mapper}' (format {format}) (ERANGE)",
  },
  scenarioAttachBusy: {
    code: 245,
    description:
      "A scenario `attach` moves a group already in a domain other than its default (EBUSY): `detach` it first.",
    message:
      "{group} is in '{domain}', not its default domain: attaching it elsewhere is refused (EBUSY); `detach {device}` first",
    messages: {
      domain: "'{domain}'",
    },
  },
  windowBaseAlignment: {
    code: 250,
    description: "A DMA window's base is not aligned to its page size (-EINVAL).",
    message: "window '{window}' starts at {base}, not a multiple of its {page} page (-EINVAL)",
  },
  tooManyWindows: {
    code: 251,
    description:
      "A container has more than two DMA windows, the default one included (IOMMU_TABLE_GROUP_MAX_TABLES; -ENOSPC).",
    message:
      "container '{container}' already has {max} DMA windows ({held}): '{window}' finds no free table slot (-ENOSPC)",
    messages: {
      hint: "the default window counts: `remove {window}` frees its slot",
    },
  },
  containerNotTce: {
    code: 252,
    description:
      "A container is on an IOMMU whose format has no DMA windows, i.e. not a TCE IOMMU (-ENODEV).",
    message:
      "container '{container}' is on '{mapper}', whose format has no DMA windows: sPAPR containers need a TCE IOMMU (-ENODEV)",
  },
  spaprV1Rules: {
    code: 253,
    description:
      "An spapr-v1 container registers memory or creates/removes windows (-ENOTTY), or holds more than one group (-EBUSY).",
    message: "spapr-v1 container '{container}' holds {groups} groups; v1 takes one group (-EBUSY)",
    messages: {
      register:
        "spapr-v1 container '{container}' has no pre-registration: VFIO_IOMMU_SPAPR_REGISTER_MEMORY is a v2 ioctl (-ENOTTY)",
      registerHint: "use `spapr-v2`, or drop the `register`",
      createWindow:
        "spapr-v1 container '{container}' cannot create window '{window}': only the platform's {default} exists (VFIO_IOMMU_SPAPR_TCE_CREATE: -ENOTTY)",
      removeWindow:
        "spapr-v1 container '{container}' cannot remove its window (VFIO_IOMMU_SPAPR_TCE_REMOVE: -ENOTTY)",
    },
  },
  registerUnaligned: {
    code: 254,
    description: "A `register` range is not aligned to the host page (-EINVAL); it is not rounded.",
    message:
      "{container}: register {range} is not aligned to the {hostPage}-byte host page (-EINVAL)",
  },
  registerConflict: {
    code: 255,
    description:
      "A `register` overlaps a different registration of the same owner (-EINVAL), or repeats one in the same container (-EBUSY).",
    message: "{container}: register {range} overlaps {other}, registered by {holders} (-EINVAL)",
    messages: {
      busy: "{container}: register {range}: container {container} already holds this region (-EBUSY)",
    },
  },
  tceNotInOneRegion: {
    code: 256,
    description:
      "A TCE of a window mapping is not inside one registered region whose pages can back the IOMMU page size (-EINVAL).",
    message:
      "{problem}: window '{window}' cannot map it (mm_iommu_lookup / mm_iommu_ua_to_hpa: -EINVAL)",
    messages: {
      crossesHint: "register the memory as one region covering whole IOMMU pages",
      backingHint:
        "back the memory with pages of at least {page} (`backing-page`), aligned to them",
    },
  },
  ownerLimitConflict: {
    code: 257,
    description:
      "Containers of one owner declare different locked-limits (RLIMIT_MEMLOCK belongs to the process).",
    message:
      "containers '{first}' and '{second}' belong to '{owner}' but declare locked-limits {firstLimit} and {secondLimit}: one process has one RLIMIT_MEMLOCK",
    messages: {
      declared: "'{container}' is declared here",
    },
  },
  pinRefused: {
    code: 260,
    description:
      "A `pin` mapping of mmio whose exporter does not accept pins (no `pinnable`): EOPNOTSUPP.",
    message:
      "'{memory}' does not accept pinned importers: its exporter refuses the pin (EOPNOTSUPP)",
    messages: {
      hint: "add `pinnable` to the memory line of '{memory}' if the exporter can pin, or drop `pin` so a revoke reaches this importer",
      declared: "'{memory}' is declared here",
    },
  },
  mapAfterRevoke: {
    code: 261,
    description:
      "A scenario maps a region it revoked, before `restore` (the exporter refuses: ENODEV).",
    message:
      "'{memory}' is revoked at this point of scenario '{scenario}': its exporter refuses new importers (ENODEV) until `restore {memory}`",
  },
  revokeWhilePinned: {
    code: 262,
    description: "A scenario revokes a region a pinned mapping still holds (EBUSY).",
    message: "'{memory}' cannot be revoked while pinned importers hold it (EBUSY): {pinned}",
    messages: {
      hint: "unmap the pinned mappings first: a pinned dma-buf attachment gets no move_notify",
      pinnedHere: "pinned here",
    },
  },
  revokeNoMmu: {
    code: 263,
    description:
      "A scenario revokes a region a no-MMU engine still maps: nothing can make it fault.",
    message:
      "revoking '{memory}' cannot stop {engines}: a no-MMU engine reaches it by bus address, and nothing makes that fault",
    messages: {
      hint: "unmap the engine's mapping (stop the engine) before the revoke",
      mappedHere: "mapped here",
    },
  },
  // AArch64 translation regimes and TrustZone (plugins/arm-lpae/README.md).
  regimeRights: {
    code: 288,
    description:
      "A mapping asks for rights its cpu's translation regime cannot grant: user (EL0) access where the regime has one privilege level (EL2 without VHE, EL3), or write and execute together under `wxn`.",
    message:
      "'{mapper}' translates for {regime}, which has one privilege level: this mapping cannot grant user (EL0) access",
    messages: {
      userHint: "add `priv`: at {regime} every access is privileged",
      wxn: "'{mapper}' sets SCTLR_{el}.WXN (`wxn on`): a writable mapping is never executable, so this `{perms}` mapping cannot execute",
      wxnHint: "split the code and data, or drop `wxn on` from '{mapper}'",
    },
  },
  securityStateMismatch: {
    code: 289,
    description:
      "A mapping's security state cannot be what it asks: a Non-secure access to `secure` memory (TrustZone blocks it), or a Secure access from a context that makes Non-secure accesses only (everything but an EL3 cpu).",
    message:
      "'{memory}' is `secure` memory, but this mapping's accesses are Non-secure{why}: they never reach it",
    messages: {
      nonsecureWord: " (the line says `nonsecure`)",
      nonsecureContext: " ({target} makes Non-secure accesses only)",
      secureFromNonsecure:
        "this mapping asks for Secure accesses (`secure`), but {target} makes Non-secure accesses only",
      hint: "only a cpu whose mmu has `regime el3` makes Secure accesses",
      declared: "'{memory}' is declared `secure` here",
    },
  },
  secureTablesInNonsecureMemory: {
    code: 290,
    description:
      "A Secure (EL3) context's page tables lie in memory that is not `secure`: the Normal world could rewrite the firmware's translations.",
    message:
      "'{mapper}' translates for EL3, but its tables come from pool '{pool}' in '{memory}', which is not `secure` memory",
    messages: {
      hint: "put the pool in a `secure` region (e.g. `memory sram ... ram secure`)",
    },
  },
  guestMemoryUnbacked: {
    code: 284,
    description:
      "Guest memory (`memory ... guest DOMAIN`) with no `backed` clause: stage 2 has nothing to map it to, so the VM's accesses there fault.",
    message: "guest memory '{name}' of '{domain}' is not backed by host memory",
    messages: {
      hint: "add `backed REGION[A .. +SIZE]`: the host memory stage 2 maps it to",
    },
  },
  nestedPoolOutsideGuest: {
    code: 285,
    description:
      "The pool a nested domain's stage-1 tables come from (`tables POOL`) is not inside one backed guest region of its stage-2 parent: the guest's tables must be in its own memory, at IPAs.",
    message:
      "pool '{pool}' holds the stage-1 tables of '{domain}' but is not in the guest memory of '{parent}'",
    messages: {
      hint: "declare the pool in a guest region of '{parent}', e.g. `pool {pool} in {region}[0 .. +1M]`",
    },
  },
  nestedMapOutsideGuest: {
    code: 286,
    description:
      "Memory mapped into a nested domain is not guest memory of its stage-2 parent: stage 2 does not map it, so the device cannot reach it (the guest has no IPA for it).",
    message: "{what} is mapped into '{domain}', but it is not guest memory of '{parent}'",
  },
  guestMemoryOverlap: {
    code: 287,
    description:
      "Two guest regions of one stage-2 domain overlap in guest-physical (IPA) space, or two guest regions share host memory (one VM's memory would be another's).",
    message: "guest memory '{name}' overlaps '{other}' at IPA {range} in '{domain}'",
    messages: {
      backing: "guest memory '{name}' and '{other}' are backed by the same host memory {range}",
    },
  },
  pluginFailed: {
    code: 270,
    fixed: true,
    description:
      "A plugin threw, or returned a value the plugin API does not allow, while the topology was checked (`validate`, `capabilities`).",
    message: "plugin '{plugin}' failed validating parameters: {error}",
    messages: {
      capabilities: "plugin '{plugin}' failed computing capabilities: {error}",
    },
  },
  streamIdTooWide: {
    code: 280,
    description:
      "A device's `stream` does not fit the StreamIDs its IOMMU's binding structures cover (SMMU `sid-bits`, the stream table's size, SMR.ID).",
    message:
      "device '{device}': stream {stream} needs {need} bits, but '{mapper}' binds {bits}-bit stream ids",
    messages: {
      hint: "give '{mapper}' a larger `sid-bits`, or the device a stream below {limit}",
    },
  },
  streamIdShared: {
    code: 281,
    description:
      "Two devices behind one IOMMU whose plugin gives each stream its own entry (`uniqueStreams`: an SMMUv3 STE) have the same `stream` (Linux arm_smmu_insert_master: -EINVAL).",
    message: "devices '{device}' and '{other}' share stream {stream} behind '{mapper}'",
    messages: {
      other: "'{other}' has stream {stream} here",
    },
  },
  unusedDirective: {
    code: 291,
    severity: "warning",
    description:
      "A line-scoped `// vcm: disable-line` or `disable-next-line` directive silences nothing: its check ran and found nothing on that line.",
    message: "'// vcm: {action} {check}' silences nothing: no '{name}' finding on line {line}",
  },
  internalError: {
    code: 299,
    fixed: true,
    description: "A check or plugin failed unexpectedly; please report it.",
    message: "check '{check}' failed: {message}",
  },
});

/** The check engine's notes, reported under the code of the check they concern. */
export const checkTexts = defineTexts({
  prerequisiteFailed: "check '{check}' skipped: its prerequisite '{prerequisite}' reported errors",
  prerequisiteSkipped: "check '{check}' skipped: its prerequisite '{prerequisite}' was skipped",
  prerequisiteDisabled: "check '{check}' skipped: its prerequisite '{prerequisite}' is disabled",
});
