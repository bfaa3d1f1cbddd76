/** Loading: reading sources, following imports, loading plugins and the project configuration (VCM0010-0029). */
import { defineEntries } from "./define.js";

export const loadEntries = defineEntries("load", {
  fileNotFound: {
    code: 10,
    fixed: true,
    description: "An input file does not exist or cannot be read.",
    message: "cannot read '{file}': {why}",
  },
  notAFile: {
    code: 11,
    fixed: true,
    description: "An input path is a directory or another non-regular file.",
    message: "'{file}' is not a regular file",
    messages: {
      directory: "'{file}' is a directory, not a file",
    },
  },
  binaryFile: {
    code: 12,
    fixed: true,
    description: "An input file holds NUL bytes: it is binary, not a .vcm source.",
    message: "'{file}' is binary (a NUL byte at offset {offset}), not a .vcm source",
  },
  invalidUtf8: {
    code: 13,
    fixed: true,
    description: "An input file is not valid UTF-8.",
    message: "'{file}' is not valid UTF-8 (byte {byte} at offset {offset})",
  },
  fileTooLarge: {
    code: 14,
    fixed: true,
    description: "An input file is larger than the 64 MiB a topology may be.",
    message: "'{file}' is {size} bytes; a topology may be at most {max} bytes",
  },
  importNotFound: {
    code: 15,
    fixed: true,
    description: "An `import` names a file that does not exist.",
    message: "cannot import '{file}': {why}",
  },
  importCycle: {
    code: 16,
    fixed: true,
    description: "Files import each other in a cycle.",
    message: "import cycle: {chain}",
  },
  pluginLoadFailed: {
    code: 20,
    fixed: true,
    description: "A plugin named by `--plugin` or `use` cannot be found or fails to load.",
    message: "cannot find plugin '{specifier}'",
    messages: {
      threw: "plugin '{specifier}' failed to load: {why}",
    },
  },
  pluginConflict: {
    code: 21,
    fixed: true,
    description: "Two plugins have the same name.",
    message: "two plugins are named '{plugin}': one from {first}, one from {second}",
  },
  pluginInvalid: {
    code: 22,
    fixed: true,
    description: "A module loaded as a plugin does not export a valid VcmPlugin.",
    message: "'{specifier}' is not a VCM plugin: {problem}",
    messages: {
      apiVersion:
        "plugin '{plugin}' from {origin} targets plugin API {targeted}, this VCM provides API {provided}",
    },
  },
  pluginNotAllowed: {
    code: 23,
    fixed: true,
    description:
      "A `use` line names a plugin neither `--plugin` nor the project configuration allows; it is not run, and the checks that need it are skipped.",
    message:
      "plugin '{specifier}' was not loaded: a `use` line alone never runs a plugin's code; the checks that need it are skipped",
  },
  configInvalid: {
    code: 24,
    fixed: true,
    description:
      "The project configuration (`vcm.config.json`, or the `vcm` key of `package.json`) is not valid.",
    message: "'{file}' is not valid JSON: {why}",
    messages: {
      unusable: "the configuration '{file}' is unusable: {why}",
      notObject: '{where} must be an object such as { "plugins": [...] }',
      unknownSetting: "{where} has an unknown setting '{key}' (known: plugins)",
      pluginsNotList: "{pointer} must be a list of plugin paths or package names",
      pluginNotString: "{pointer} must be a plugin path or package name (a string)",
    },
  },
  importOutsideRoot: {
    code: 25,
    fixed: true,
    description:
      "An `import` names an absolute path, or a path that leaves the project root (by `..` or through a symbolic link); it is not read.",
    message: "import '{path}' leaves the project root; it is not read",
    messages: {
      absolute:
        "import '{path}' is an absolute path; imports are relative to the importing file and stay inside the project root",
      symlink:
        "import '{path}' is a symbolic link to a place outside the project root; it is not read",
    },
  },
  importNotTopology: {
    code: 26,
    fixed: true,
    description: "An `import` names a file that is not a `.vcm` topology source; it is not read.",
    message: "import '{path}' does not name a .vcm file; only topology sources are imported",
  },
  // Device-tree input of `vcm import-dt` (VCM0030-0039; docs/DEVICETREE.md).
  dtUnreadable: {
    code: 30,
    fixed: true,
    description:
      "A device-tree input cannot be read: missing, not a regular file, or larger than 64 MiB.",
    message: "cannot read '{path}' ({errno})",
    messages: {
      noErrno: "cannot read '{path}'",
      notFile: "'{path}' is not a regular file",
      tooLarge: "'{path}' is {bytes} bytes; a device tree may be at most 64 MiB",
    },
  },
  dtcMissing: {
    code: 31,
    fixed: true,
    description:
      "A .dts source needs the device-tree compiler `dtc` (Debian: device-tree-compiler), which is not installed.",
    message:
      "a .dts source needs the device-tree compiler `dtc`, which is not installed (Debian/Ubuntu: apt-get install device-tree-compiler); or give the compiled .dtb",
  },
  dtcFailed: {
    code: 32,
    fixed: true,
    description: "`dtc` refused the .dts source (its message is given, at its file:line:col).",
    message: "dtc: {dtcError}",
    messages: {
      couldNotRun: "dtc could not run: {why}",
    },
  },
  fdtMalformed: {
    code: 33,
    fixed: true,
    description:
      "The flattened device tree is malformed: bad magic or version, a header offset or size outside the blob, overlapping blocks, an unknown structure token, an unterminated name, a property past its block, too many nodes (with the byte offset).",
    message: "{problem} (at byte {offset})",
    messages: {
      noMagic:
        "'{path}' is not a flattened device tree: it does not start with the magic 0xd00dfeed",
      dtcOutput: "dtc's output: {problem}",
    },
  },
  dtPropertyMalformed: {
    code: 34,
    severity: "warning",
    description:
      "A property the importer reads (reg, ranges, dma-ranges, iommus, iommu-map, msi-map, size, alloc-ranges) has the wrong shape or does not translate; the node is listed as not mapped. The main template's problem is what the reader of reg, ranges and dma-ranges found (src/devicetree/addresses.ts). Each message is prefixed with the node's path and followed by its byte offset in the blob.",
    message: "{problem}",
    messages: {
      iommusCells: "iommus is not a list of 32-bit cells",
      iommuCells: "iommus: {target} has no usable #iommu-cells for the cells left",
      idMapCells: "{property} is not a list of 4-cell entries (rid-base, phandle, base, length)",
      pciReg: "a PCI function's reg is not a 3-cell PCI address",
      allocRanges: "alloc-ranges is not a list of {addressCells}+{sizeCells}-cell entries",
      noSize: "a reserved-memory child with neither reg nor a size of 1-2 cells",
      reservationOverlap:
        "reservation '{name}' overlaps '{previous}'; only '{previous}' is imported",
      regionOverlap: "region '{name}' overlaps '{previous}'; it is left out",
    },
  },
  dtPhandleUnresolved: {
    code: 35,
    severity: "warning",
    description:
      "A phandle (in iommus, iommu-map, msi-map, memory-region) names no node of the tree; the reference is skipped. The message is prefixed with the referring node's path and followed by its byte offset in the blob.",
    message: "{property} names phandle {phandle}, which no node has",
  },
  dtNoMemory: {
    code: 36,
    severity: "warning",
    description:
      "The tree declares no memory node: the skeleton has no RAM and no page-table pool, so nothing can be mapped until memory is added.",
    message: "no memory node: no RAM and no page-table pool imported",
  },
});
