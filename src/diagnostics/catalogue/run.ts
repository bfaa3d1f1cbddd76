/** `vcm run`: what the runtime proves from the emitted bytes, and loading `--tables` (VCM0400-0499). */
import { defineEntries } from "./define.js";

export const runEntries = defineEntries("run", {
  translationMissing: {
    code: 400,
    description: "A page of a declared mapping does not translate (it faults).",
    message: "{endpoint}: {range}{mapping} should reach {expected} but faults ({outcome})",
  },
  translationWrongFrame: {
    code: 401,
    description: "A page of a mapping translates to a frame other than the one intended.",
    message: "{endpoint}: {range}{mapping} reaches {found}, expected {expected}",
  },
  permissionMismatch: {
    code: 402,
    description: "A mapped page grants other permissions than declared (wider or narrower).",
    message: "{endpoint}: {range}{mapping} grants {granted}, declared {declared}",
  },
  undeclaredReach: {
    code: 403,
    description: "An endpoint reaches memory no mapping or unity range declares (isolation).",
    message: "{endpoint}: {range} reaches {found}, which no mapping declares",
    messages: {
      inReservation:
        "{endpoint}: {range} reaches {found}, which no mapping declares (inside reservation '{reservation}', which must fault while unbacked)",
    },
  },
  deviceBindingWrong: {
    code: 404,
    description:
      "A device's stream id resolves, from the IOMMU's own structures, to no table or to another domain's table.",
    message:
      "{endpoint}: the IOMMU's entry for its stream (context, device-table or stream-table entry) selects {found}, expected {expected}",
  },
  beyondDmaMask: {
    code: 405,
    description: "A mapping lies above the addresses the endpoint can drive (its DMA mask).",
    message: "{endpoint}: {mapping} at {address} lies above its {bits}-bit DMA mask",
    messages: {
      busWindow: "{endpoint}: {mapping} needs bus addresses up to {end}, above its DMA mask",
    },
  },
  expectFailed: {
    code: 406,
    description: "An `expect` line does not hold on the compiled tables.",
    message: "expect {expect}: {detail}",
  },
  staleAfterMigrate: {
    code: 407,
    description: "After `migrate`, an endpoint still reaches the buffer's old frames.",
    message: "{endpoint}: {range} still reaches the old frames at {pa} after migrate",
  },
  staleAfterRevoke: {
    code: 408,
    description: "After `revoke`, an importer still reaches the revoked BAR.",
    message: "{endpoint}: {range} still reaches the revoked {memory} at {pa}",
  },
  unregisterNotFound: {
    code: 409,
    description: "`unregister` names a range that was not registered exactly (ENOENT).",
    message: "{problem}",
  },
  registerOverlap: {
    code: 410,
    description:
      "`register` overlaps a range its owner registered without being identical to it (-EINVAL).",
    message: "{problem}",
  },
  unregisterBusy: {
    code: 411,
    description: "`unregister` of memory that is still mapped through a window (EBUSY).",
    message: "{problem}",
  },
  lockedLimitExceededAtRun: {
    code: 412,
    description:
      "A `register` would take the owner's locked memory over its limit; it is refused and nothing is locked (-ENOMEM).",
    message: "{problem}",
  },
  lockedAccountingLeak: {
    code: 413,
    description:
      "Locked memory does not return to its starting value once everything is unregistered.",
    message:
      "{owner}: nothing is registered, yet {locked} bytes stay locked (its TCE tables take {start})",
  },
  powerOffStillMapped: {
    code: 414,
    description: "`power-off` of a region some mapper still maps.",
    message: "power-off {memory}: {endpoint} still maps {range} to {pa}",
  },
  scenarioStepFailed: {
    code: 415,
    description:
      "A scenario step could not be carried out (the format refused it, or no room to migrate).",
    message: "{check}: {problem}",
    messages: {
      baseState: "scenario {scenario}: the base state does not lower",
      nothingMapped: "nothing of {object} is mapped into {target}",
      noRegion: "no region named {region}",
      noBuffer: "no buffer named {buffer}",
      noDomain: "no domain named {domain}",
      noContainer: "no container named {container}",
      noRoom: "no free {size}-byte range in {region} for {buffer}",
      dummyPage: "mapping the dummy page: {problem}",
      notBehindIommu: "{device} is not a device behind an IOMMU",
      rebind: "rebinding the devices of {mapper}: {problem}",
    },
  },
  mapUnregistered: {
    code: 416,
    description: "A sPAPR v2 window mapping covers memory not registered with its container.",
    message:
      "{what} into {window} covers pa {range}, which is not registered with container {container}",
    messages: {
      ofOwner:
        "{what} into {window} covers pa {range}, which is not registered with container {container} (owner {owner})",
    },
  },
  tableOutsidePool: {
    code: 417,
    description:
      "A table page reachable from a root lies outside its mapper's pool, or is shared by two tables.",
    message: "table {table}: level-{level} table at {pa} lies outside pool {pool}",
    messages: {
      shared: "table {table}: level-{level} table at {pa} is also reachable from table {owner}",
    },
  },
  runInternalError: {
    code: 418,
    description: "A plugin threw while its tables were read; the proof could not be completed.",
    message: "{endpoint}: plugin '{plugin}' failed reading table {table}: {problem}",
    messages: { worker: "{endpoint}: the verification worker thread failed: {problem}" },
  },
  tableRightsNarrowed: {
    code: 420,
    description:
      "A table (non-leaf) entry removes a right a declared mapping below it grants (read, write, exec or user access).",
    message:
      "table entry at pa {entry} (level {level}) removes {rights} for {endpoint}: {range}{mapping} grants {granted}, declared {declared}",
  },
  tableLoop: {
    code: 421,
    description:
      "A table entry points to a table page already read in the same walk (a loop, or two entries sharing one table): the range it covers is not proved.",
    message:
      "{endpoint}: table entry at pa {entry} (level {level}) points to table {table}, already read in this walk (a loop or a shared table): {range} is not proved",
  },
  attributeMismatch: {
    code: 425,
    description:
      "A mapped page's memory attributes (memory type, shareability, snoop/coherence) differ from those declared, or from its region type's default (ram: cacheable, mmio: device).",
    message: "{endpoint}: {range}{mapping} has memory attributes '{found}', declared '{declared}'",
    messages: {
      regionDefault:
        "{endpoint}: {range}{mapping} has memory attributes '{found}', declared '{declared}' ({region} region)",
    },
  },
  mmioMappedCacheable: {
    code: 426,
    description:
      "The bytes map an MMIO region as cacheable memory (the rule `vcm check` applies to `map` lines).",
    message:
      "{endpoint}: {range}{mapping} maps {memory} '{found}'; MMIO must be device or noncacheable",
  },
  cpuRegistersWrong: {
    code: 430,
    description:
      "A cpu's registers (TTBR0/TTBR1/TCR, CR3/CR4) do not walk its tables: another root, a disabled or undeclared half, another size or granule.",
    message: "{endpoint}: its registers give {found}, expected {expected}",
  },
  attachBusy: {
    code: 433,
    description:
      "A scenario `attach` moves a group that is already in a domain other than its default (EBUSY): `detach` it first.",
    message:
      "attach {device} to {domain}: {group} is in domain {from}, not its default domain; detach it first (EBUSY)",
  },
  registerUnalignedAtRun: {
    code: 437,
    description:
      "A scenario `register` or `unregister` range is not aligned to the host page (-EINVAL).",
    message: "{problem}",
  },
  registerBusy: {
    code: 438,
    description:
      "A scenario `register` repeats a registration this container already holds (-EBUSY).",
    message: "{problem}",
  },
  tceNotInOneRegionAtRun: {
    code: 439,
    description:
      "A scenario map puts a TCE over memory not inside one registered region able to back its page size (-EINVAL).",
    message: "{what} into {window}: {problem} (-EINVAL)",
  },
  detachLastGroupMapped: {
    code: 440,
    description:
      "A scenario `detach` takes the last group out of a container whose windows still map memory (-EBUSY).",
    message:
      "{device}: group {group} is the last group of container {container}, whose window {window} still maps memory ({memory} at {iova}); unmap it first (-EBUSY)",
  },
  spaprV1RegisterAtRun: {
    code: 441,
    description:
      "A scenario `register` or `unregister` on an spapr-v1 container, which has no pre-registration (-ENOTTY).",
    message:
      "{container}: {verb} {range} on an spapr-v1 container, which has no pre-registration (-ENOTTY)",
  },
  revokePinned: {
    code: 445,
    description:
      "`revoke` of a region a pinned importer still maps: a pinned dma-buf attachment gets no move_notify (EBUSY).",
    message:
      "{memory} cannot be revoked while pinned importers map it (EBUSY): {importers}. A pinned dma-buf attachment gets no move_notify; unmap it first",
  },
  mapRevoked: {
    code: 446,
    description:
      "`map` of a revoked region before `restore`: the exporter refuses to attach or map (ENODEV).",
    message:
      "{memory} is revoked: its exporter refuses to map it (ENODEV) until `restore {memory}`",
  },
  revokeNoMmuImporter: {
    code: 447,
    description:
      "`revoke` while a no-MMU engine maps the region: nothing can make its accesses fault.",
    message:
      "{endpoint} has no MMU: after revoke it still reaches {memory} at bus {bus}; nothing can make a no-MMU importer fault, so stop it (unmap) before revoking",
  },
  tablesFileRefused: {
    code: 455,
    fixed: true,
    description:
      "A file of the --tables directory is missing, lies outside it (absolute, `..`, a symbolic link out), or is not a regular file (a FIFO, a device).",
    message: "'{file}' is refused: {why}",
    messages: {
      manifest: "{why}",
      pool: "pool '{pool}': {why}",
      poolImage: "pool image {file}: {why}",
    },
  },
  manifestInvalid: {
    code: 456,
    fixed: true,
    description:
      "manifest.json is not valid JSON, breaks its schema (docs/manifest.schema.json), names an unknown format or a missing object, or places a pool at an unaligned or overlapping address, or unlike the topology.",
    message: "manifest {pointer}: {problem}",
    messages: {
      notJson: "manifest.json is not valid JSON: {why}",
      version: "{file} has manifestVersion {version}; this VCM reads version {supported}",
    },
  },
  tablesFileSize: {
    code: 457,
    fixed: true,
    description:
      "A file of the --tables directory does not have the size the manifest claims, or is too large to read.",
    message: "pool image {file} is {size} bytes, expected {expected} (the pool's size)",
    messages: {
      manifest: "manifest.json is {size} bytes; at most {max} can be read",
    },
  },
  // AArch64 translation regimes: what the control registers make the MMU do.
  mmuOff: {
    code: 482,
    description:
      "A cpu's control register (SCTLR_ELx) has the MMU off (M = 0): it sees physical addresses untranslated, whatever its tables say.",
    message: "{endpoint}: {register}.M is 0: the MMU is off and the tables are not used",
  },
  wxnBlocksExec: {
    code: 483,
    description:
      "A cpu's SCTLR_ELx sets WXN, but mappings it should execute are writable: the MMU makes every writable page execute-never.",
    message:
      "{endpoint}: {register}.WXN is set, so {pages} declared writable and executable will not execute",
  },
  registerReservedBits: {
    code: 484,
    description:
      "A cpu's translation registers break the architecture's rules for its regime (a RES1 bit of TCR_ELx or SCTLR_ELx clear): the hardware need not walk the tables as proved.",
    message: "{endpoint}: {problem}",
  },
  // `vcm diff` (VCM0463-0467; docs/DEVICETREE.md): reach compared from the table bytes. 0464-0467
  // are the lines of its report (src/diff/report.ts), each tagged with its code and name.
  diffInputFailed: {
    code: 463,
    fixed: true,
    description:
      "One side of `vcm diff` does not check or compile: its diagnostics are shown and nothing is compared.",
    message: "'{file}' does not compile, so nothing is compared",
  },
  reachGained: {
    code: 464,
    severity: "warning",
    description:
      "An endpoint reaches physical memory, or a right on it, that it did not reach before (an error with --fail-on-gain).",
    message: "+ {rights} {base} .. +{size}  {memory}",
  },
  reachLost: {
    code: 465,
    severity: "note",
    description:
      "An endpoint no longer reaches physical memory, or a right on it, that it reached before.",
    message: "- {rights} {base} .. +{size}  {memory}",
  },
  pageSizeChanged: {
    code: 466,
    severity: "note",
    description:
      "A mapping (same buffer or range, same target) is mapped with other page sizes in the new tables.",
    message: "pages {mapping}: {old} -> {new}",
  },
  endpointAddedOrRemoved: {
    code: 467,
    severity: "note",
    description:
      "An endpoint exists in one topology only; its whole reach counts as gained or lost.",
    message: "{endpoint} (new endpoint, {code})",
    messages: {
      removed: "{endpoint} (removed, {code})",
    },
  },
  relocationBaseInvalid: {
    code: 485,
    fixed: true,
    description:
      "`vcm run --relocate-to`: the address the pool's tables are moved to is not aligned for them, leaves the pool's memory region, overlaps another pool, or lies outside what their format can address; nothing is proved.",
    message:
      "cannot relocate pool '{pool}' to {base}: its tables need {align}-byte alignment (the largest table page it holds)",
    messages: {
      outOfRange:
        "cannot relocate pool '{pool}' to {base}: {base}..{end} lies past the {bits}-bit output of format '{format}'",
      overlap: "cannot relocate pool '{pool}' to {base}: {base}..{end} overlaps pool '{other}'",
      outsideMemory:
        "cannot relocate pool '{pool}' to {base}: {base}..{end} leaves memory '{memory}' ({range}), where the pool is declared",
    },
  },
  untranslatedBindingWrong: {
    code: 468,
    description:
      "A device in an identity or blocked domain, or in none, is not bound as one in the IOMMU's own structures (an STE, SMR/S2CR): it translates, bypasses instead of aborting, or aborts instead of bypassing.",
    message: "{endpoint}: the IOMMU's structures give {found}, expected {expected}",
  },
  stage2TableFault: {
    code: 475,
    description:
      "A nested domain's stage-1 table page lies at an IPA its VM's stage 2 does not map (or maps without read): the SMMU's walk faults there, so nothing below it is reached.",
    message:
      "{endpoint}: the stage-1 table of {table} reads IPA {ipa}, which stage 2 ({stage2}) does not map for reading: the walk faults there",
  },
  stage2Unreadable: {
    code: 476,
    description:
      "A nested domain's stage-2 table is missing or cannot be read: the device reaches nothing, and nothing it is meant to reach can be proved.",
    message: "{endpoint}: the stage 2 of {table} ({stage2}) cannot be read: {problem}",
  },
});
