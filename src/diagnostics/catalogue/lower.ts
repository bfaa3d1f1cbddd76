/** Lowering: building real tables through the plugins (VCM0300-0399). */
import { defineEntries } from "./define.js";

export const lowerEntries = defineEntries("lower", {
  formatPluginMissing: {
    code: 300,
    fixed: true,
    description:
      "A mapper's page-table format has no plugin loaded, so its tables cannot be built.",
    message: "mapper '{mapper}' uses format '{format}', but no plugin of that name is loaded",
  },
  iovaSpaceExhausted: {
    code: 301,
    fixed: true,
    description: "An `at auto` mapping finds no free IOVA range of its size in its domain.",
    message:
      "no IOVA space in domain '{domain}' for {size} bytes ({sizeHex}) for {mapping}; {free} bytes are free but not in one aligned range",
  },
  iovaWraps: {
    code: 302,
    fixed: true,
    description: "A mapping or aperture would run past the end of the 64-bit address space.",
    message: "{mapping} at {iova} for {size} bytes runs past 2^64",
    messages: {
      table: "the range of '{table}' ({range}) runs past 2^64",
      busAddress:
        "'{endpoint}' would see {pa} at bus address {bus}, outside the 64-bit address space",
    },
  },
  poolExhausted: {
    code: 303,
    fixed: true,
    description: "A table pool is too small for the tables the topology needs.",
    message:
      "pool '{pool}' is exhausted while {what}: at least {pages} more 4K page(s) are needed ({free} bytes were free)",
    messages: {
      tooSmall:
        "pool '{pool}' is too small for the tables of its mappings: they need {need} 4K pages of tables and {free} are free, so the pool needs {short} more 4K pages ({shortBytes} bytes); nothing was mapped",
    },
  },
  mappingRefused: {
    code: 304,
    fixed: true,
    description: "The page-table format refuses a mapping (overlap, range, permissions).",
    message: "the format refuses {what} ({reason}): {detail}",
  },
  mappingUnaligned: {
    code: 305,
    fixed: true,
    description: "A mapping's IOVA, PA or size is not a multiple of the smallest usable page size.",
    message:
      "{what}: IOVA {iova}, PA {pa} and size {size} must all be multiples of the {page}-byte page",
  },
  pageSizeUnsupported: {
    code: 306,
    fixed: true,
    description: "`pages SIZE` names a page size the mapper's format does not support.",
    message: "{what} asks for pages of {pageSize} bytes; format '{format}' supports {sizes}",
  },
  mappingIntoUntranslatedDomain: {
    code: 307,
    fixed: true,
    description: "A mapping targets an identity or blocked domain, which has no table.",
    message: "{mapping} targets '{domain}', {domainType} domain with no table",
  },
  unknownMappingTarget: {
    code: 308,
    fixed: true,
    description: "A mapping names a domain, window or endpoint the lowering cannot find.",
    message: "{mapping} targets {kind} '{target}', which has no table",
    messages: { noEndpoint: "{mapping} targets endpoint '{target}', which does not exist" },
  },
  tableCreateFailed: {
    code: 309,
    fixed: true,
    description: "A plugin could not create a table or bind devices to it.",
    message: "mapper '{mapper}' names pool '{pool}', which does not exist",
  },
  pluginInternalError: {
    code: 310,
    fixed: true,
    description: "A plugin threw an unexpected exception while building tables.",
    message: "{problem} (while {what})",
    messages: { unexpected: "a plugin failed unexpectedly while {what}: {problem}" },
  },
  unityMapFailed: {
    code: 311,
    fixed: true,
    description: "A unity (direct-mapped) reserved range could not be identity-mapped.",
    message: "{refusal}",
  },
  addressOutsideHalves: {
    code: 312,
    fixed: true,
    description:
      "A cpu mapping (e.g. a scenario's `map`) lies in neither half of its address space: a non-canonical x86-64 address, or between the AArch64 TTBR0 and TTBR1 ranges.",
    message: "mapping #{id} at {iova} for {size} bytes is in neither half of '{target}' ({halves})",
  },
  windowRejected: {
    code: 317,
    description: "The format refuses a DMA window's geometry (base, size, page size or levels).",
    message: "'{format}' refuses the window of '{window}': {reason}",
  },
  windowNotBuilt: {
    code: 318,
    description:
      "A container's window is not built: no free table slot (-ENOSPC) or an IOMMU without windows (-ENODEV).",
    message: "window '{window}' is not built: '{mapper}' has no DMA windows (-ENODEV)",
    messages: {
      noSlot:
        "window '{window}' is not built: container '{container}' has no free table slot for it (-ENOSPC)",
    },
  },
  sharedTableMismatch: {
    code: 319,
    fixed: true,
    description:
      "A device is bound to a domain whose table its IOMMU instance cannot walk (another format or geometry).",
    message: "'{endpoint}' is behind '{mapper}', which cannot walk the table of '{domain}': {why}",
  },
  pluginReturnedInvalid: {
    code: 321,
    fixed: true,
    description:
      "A plugin returned a value the plugin API does not allow (a wrong type, an out-of-range number, too many items); nothing is written.",
    message: "{problem} (while {what})",
  },
  pluginTimeout: {
    code: 322,
    fixed: true,
    description:
      "A third-party plugin call ran past its time budget (`--plugin-timeout`); the compile is stopped and nothing is written.",
    message:
      "{who} ran past the {budget} budget in {call}{what}; stopped (raise it with --plugin-timeout)",
    messages: {
      loading:
        "{call} ran past the {budget} budget (plugins: {plugin}); stopped (raise it with --plugin-timeout)",
      plugin: "plugin '{plugin}' ({origin})",
      anyPlugin: "a plugin",
      anyCall: "a call",
      what: " while {what}",
    },
  },
  pluginWorkerFailed: {
    code: 323,
    fixed: true,
    description:
      "The worker thread running third-party plugins stopped (out of memory, a crash) before the compile finished; nothing is written.",
    message: "the worker running the plugins stopped{during}{what}: {why}",
    messages: {
      during: " during {call} of plugin '{plugin}' ({origin})",
      threadExited: "the thread exited (code {code}) before finishing",
    },
  },
  tooManyLoweringDiagnostics: {
    code: 324,
    severity: "note",
    fixed: true,
    description:
      "Lowering found more than 1000 problems in one file: the rest are counted in one note.",
    message: "{count} more diagnostics in this file not shown (at most {max} per file)",
    messages: {
      one: "1 more diagnostic in this file not shown (at most {max} per file)",
    },
  },
  poolNotRelocatable: {
    code: 338,
    fixed: true,
    description:
      "`vcm compile --relocatable` (or `vcm run --relocate-to`): a pool's tables cannot be made position-independent; nothing is written.",
    message: "pool '{pool}' cannot be relocated: table '{table}' (format '{format}'): {reason}",
    messages: {
      noHook:
        "pool '{pool}' cannot be relocated: format '{format}' of table '{table}' does not list its table entries (its plugin has no `relocations`)",
      registersUnknown:
        "pool '{pool}' cannot be relocated: format '{format}' does not say which registers of table '{table}' hold its root (its plugin decodes no registers for it)",
      registerNotAdditive:
        "pool '{pool}' cannot be relocated: register {register} of table '{table}' (format '{format}') does not hold the root at its own bit positions",
      instance:
        "pool '{pool}' cannot be relocated: it holds the device structures of mapper '{mapper}' (format '{format}'), whose table addresses VCM cannot list",
      widths:
        "pool '{pool}' cannot be relocated: its tables mix {first}-byte and {second}-byte descriptors, and one relocation list adds to words of one width",
    },
  },
  poolArchitecturesMixed: {
    code: 339,
    fixed: true,
    description:
      "`vcm compile --format asm|elf`: one pool holds tables for two architectures, and one assembler or object file has one; nothing is written.",
    message:
      "pool '{pool}' holds tables for {first} ('{firstTable}', format '{firstFormat}') and for {second} ('{secondTable}', format '{secondFormat}'); one assembler or object file serves one architecture: give each its own pool",
  },
  poolArchitectureUnsupported: {
    code: 340,
    fixed: true,
    description:
      "`vcm compile --format asm|elf`: a pool's tables are for an architecture VCM writes no assembler or ELF object for (only aarch64 and x86-64); nothing is written.",
    message:
      "--format {output}: pool '{pool}' holds tables of format '{format}' ('{table}') for {architecture}; VCM writes assembler and ELF objects for aarch64 and x86-64 only",
    messages: {
      unknown:
        "--format {output}: pool '{pool}' holds tables of format '{format}' ('{table}'), whose plugin names no architecture; VCM cannot choose an assembler syntax or ELF machine for them",
    },
  },
  stage1PoolNotGuest: {
    code: 330,
    description:
      "A nested domain's `tables` pool is not inside one backed guest region of its stage-2 parent: its stage-1 tables would have no IPA.",
    message:
      "the stage-1 tables of '{domain}' come from pool '{pool}', which is not in the guest memory of '{parent}'",
  },
  stage1MapNotGuest: {
    code: 331,
    description:
      "Memory mapped into a nested domain is not guest memory of its stage-2 parent: stage 2 does not map it, so the device cannot reach it.",
    message:
      "{mapping} is not guest memory of '{parent}': its stage 2 does not map it, so '{domain}' cannot reach it",
  },
});
