/**
 * The options every topology-reading command shares about trust: which plugins may run
 * (`--plugin`, the project configuration unless `--no-config`) and the project root imports
 * stay inside (`--root`). See docs/SECURITY.md.
 */
import { statSync } from "node:fs";
import { InvalidArgumentError, Option } from "commander";
import { projectOf, type CheckTopologyOptions } from "../pipeline/check-topology.js";
import { UsageError } from "./exit.js";
import type { ProjectJob } from "./jobs.js";

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

/** Default time budget of one third-party plugin call (and of loading and checking): generous. */
export const DEFAULT_PLUGIN_TIMEOUT_MS = 60_000;

function secondsOption(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("a number of seconds > 0");
  return Math.ceil(n * 1000);
}

/** `--plugin-timeout SECONDS` (as milliseconds). */
export function pluginTimeoutOption(): Option {
  return new Option(
    "--plugin-timeout <seconds>",
    "time budget of one third-party plugin call (and of loading and checking)",
  )
    .argParser(secondsOption)
    .default(DEFAULT_PLUGIN_TIMEOUT_MS, "60");
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

/** The pipeline options of a job (its flags were validated by `projectOptions`). */
export function pipelineOptions(
  job: ProjectJob,
): Pick<CheckTopologyOptions, "plugins" | "root" | "config" | "cwd"> {
  return {
    plugins: job.plugins,
    cwd: job.cwd,
    ...(job.root !== undefined ? { root: job.root } : {}),
    config: job.config !== false,
  };
}

/** Whether a job runs third-party code: `--plugin`, or a project configuration naming plugins. */
export function runsThirdPartyCode(job: ProjectJob, files: readonly string[]): boolean {
  if (job.plugins.length > 0) return true;
  if (job.config === false) return false;
  return files.some(
    (file) =>
      projectOf(file, {
        cwd: job.cwd,
        ...(job.root !== undefined ? { root: job.root } : {}),
      }).config.plugins.length > 0,
  );
}
