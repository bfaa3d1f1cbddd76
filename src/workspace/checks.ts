/** Diagnostics of the file loader: reading sources and following imports. */
import type { CheckDefinition } from "../checks/definition.js";

export const loaderChecks: CheckDefinition[] = [
  {
    code: "VCM0010",
    name: "file-not-found",
    phase: "load",
    severity: "error",
    description: "An input file does not exist or cannot be read.",
    fixed: true,
  },
  {
    code: "VCM0011",
    name: "not-a-file",
    phase: "load",
    severity: "error",
    description: "An input path is a directory or another non-regular file.",
    fixed: true,
  },
  {
    code: "VCM0012",
    name: "binary-file",
    phase: "load",
    severity: "error",
    description: "An input file holds NUL bytes: it is binary, not a .vcm source.",
    fixed: true,
  },
  {
    code: "VCM0013",
    name: "invalid-utf8",
    phase: "load",
    severity: "error",
    description: "An input file is not valid UTF-8.",
    fixed: true,
  },
  {
    code: "VCM0014",
    name: "file-too-large",
    phase: "load",
    severity: "error",
    description: "An input file is larger than the 64 MiB a topology may be.",
    fixed: true,
  },
  {
    code: "VCM0015",
    name: "import-not-found",
    phase: "load",
    severity: "error",
    description: "An `import` names a file that does not exist.",
    fixed: true,
  },
  {
    code: "VCM0016",
    name: "import-cycle",
    phase: "load",
    severity: "error",
    description: "Files import each other in a cycle.",
    fixed: true,
  },
  {
    code: "VCM0025",
    name: "import-outside-root",
    phase: "load",
    severity: "error",
    description:
      "An `import` names an absolute path, or a path that leaves the project root (by `..` or through a symbolic link); it is not read.",
    fixed: true,
  },
  {
    code: "VCM0026",
    name: "import-not-topology",
    phase: "load",
    severity: "error",
    description: "An `import` names a file that is not a `.vcm` topology source; it is not read.",
    fixed: true,
  },
];

/** Diagnostics of plugin loading (`--plugin`, `use`). */
export const pluginLoadChecks: CheckDefinition[] = [
  {
    code: "VCM0020",
    name: "plugin-load-failed",
    phase: "load",
    severity: "error",
    description: "A plugin named by `--plugin` or `use` cannot be found or fails to load.",
    fixed: true,
  },
  {
    code: "VCM0021",
    name: "plugin-conflict",
    phase: "load",
    severity: "error",
    description: "Two plugins have the same name.",
    fixed: true,
  },
  {
    code: "VCM0022",
    name: "plugin-invalid",
    phase: "load",
    severity: "error",
    description: "A module loaded as a plugin does not export a valid VcmPlugin.",
    fixed: true,
  },
  {
    code: "VCM0023",
    name: "plugin-not-allowed",
    phase: "load",
    severity: "error",
    description:
      "A `use` line names a plugin neither `--plugin` nor the project configuration allows; it is not run, and the checks that need it are skipped.",
    fixed: true,
  },
  {
    code: "VCM0024",
    name: "config-invalid",
    phase: "load",
    severity: "error",
    description:
      "The project configuration (`vcm.config.json`, or the `vcm` key of `package.json`) is not valid.",
    fixed: true,
  },
];
