/** Lowering: building real tables through the plugins (VCM0300-0399). */
import { defineEntries } from "./define.js";

export const lowerEntries = defineEntries("lower", {
  formatPluginMissing: {
    code: 300,
    fixed: true,
    description:
      "A mapper's page-table format has no plugin loaded, so its tables cannot be built.",
    message: "{message}",
  },
  iovaSpaceExhausted: {
    code: 301,
    fixed: true,
    description: "An `at auto` mapping finds no free IOVA range of its size in its domain.",
    message: "{message}",
  },
  iovaWraps: {
    code: 302,
    fixed: true,
    description: "A mapping or aperture would run past the end of the 64-bit address space.",
    message: "{message}",
  },
  poolExhausted: {
    code: 303,
    fixed: true,
    description: "A table pool is too small for the tables the topology needs.",
    message: "{message}",
  },
  mappingRefused: {
    code: 304,
    fixed: true,
    description: "The page-table format refuses a mapping (overlap, range, permissions).",
    message: "{message}",
  },
  mappingUnaligned: {
    code: 305,
    fixed: true,
    description: "A mapping's IOVA, PA or size is not a multiple of the smallest usable page size.",
    message: "{message}",
  },
  pageSizeUnsupported: {
    code: 306,
    fixed: true,
    description: "`pages SIZE` names a page size the mapper's format does not support.",
    message: "{message}",
  },
  mappingIntoUntranslatedDomain: {
    code: 307,
    fixed: true,
    description: "A mapping targets an identity or blocked domain, which has no table.",
    message: "{message}",
  },
  unknownMappingTarget: {
    code: 308,
    fixed: true,
    description: "A mapping names a domain, window or endpoint the lowering cannot find.",
    message: "{message}",
  },
  tableCreateFailed: {
    code: 309,
    fixed: true,
    description: "A plugin could not create a table or bind devices to it.",
    message: "{message}",
  },
  pluginInternalError: {
    code: 310,
    fixed: true,
    description: "A plugin threw an unexpected exception while building tables.",
    message: "{message}",
  },
  unityMapFailed: {
    code: 311,
    fixed: true,
    description: "A unity (direct-mapped) reserved range could not be identity-mapped.",
    message: "{message}",
  },
  addressOutsideHalves: {
    code: 312,
    fixed: true,
    description:
      "A cpu mapping (e.g. a scenario's `map`) lies in neither half of its address space: a non-canonical x86-64 address, or between the AArch64 TTBR0 and TTBR1 ranges.",
    message: "{message}",
  },
  windowRejected: {
    code: 317,
    description: "The format refuses a DMA window's geometry (base, size, page size or levels).",
    message: "{message}",
  },
  windowNotBuilt: {
    code: 318,
    description:
      "A container's window is not built: no free table slot (-ENOSPC) or an IOMMU without windows (-ENODEV).",
    message: "{message}",
  },
  sharedTableMismatch: {
    code: 319,
    fixed: true,
    description:
      "A device is bound to a domain whose table its IOMMU instance cannot walk (another format or geometry).",
    message: "{message}",
  },
  pluginReturnedInvalid: {
    code: 321,
    fixed: true,
    description:
      "A plugin returned a value the plugin API does not allow (a wrong type, an out-of-range number, too many items); nothing is written.",
    message: "{message}",
  },
  pluginTimeout: {
    code: 322,
    fixed: true,
    description:
      "A third-party plugin call ran past its time budget (`--plugin-timeout`); the compile is stopped and nothing is written.",
    message: "{message}",
  },
  pluginWorkerFailed: {
    code: 323,
    fixed: true,
    description:
      "The worker thread running third-party plugins stopped (out of memory, a crash) before the compile finished; nothing is written.",
    message: "{message}",
  },
});
