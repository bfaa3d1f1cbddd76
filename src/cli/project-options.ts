/**
 * The options every topology-reading command shares about trust: which plugins may run
 * (`--plugin`, the project configuration unless `--no-config`) and the project root imports
 * stay inside (`--root`). See docs/SECURITY.md.
 */
import { statSync } from "node:fs";
import { Option } from "commander";
import type { CheckTopologyOptions } from "../pipeline/check-topology.js";
import { UsageError } from "./exit.js";

export interface ProjectFlags {
  plugin: string[];
  root?: string;
  /** false with `--no-config`. */
  config: boolean;
}

/** `--root DIR`. */
export function rootOption(): Option {
  return new Option(
    "--root <dir>",
    "project root: imports may not leave it (default: the config's or the file's directory)",
  );
}

/** `--no-config`. */
export function noConfigOption(): Option {
  return new Option(
    "--no-config",
    'ignore vcm.config.json and package.json "vcm": only --plugin plugins run',
  );
}

/** The pipeline options of the flags; a `--root` that is not a directory is a usage error. */
export function projectOptions(
  flags: ProjectFlags,
): Pick<CheckTopologyOptions, "plugins" | "root" | "config"> {
  if (flags.root !== undefined) {
    let isDir = false;
    try {
      isDir = statSync(flags.root).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) throw new UsageError(`--root ${flags.root}: not a directory`);
  }
  return {
    plugins: flags.plugin,
    ...(flags.root !== undefined ? { root: flags.root } : {}),
    config: flags.config,
  };
}
