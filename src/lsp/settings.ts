/**
 * The server's settings. Trust (which third-party plugins may run, whether the project
 * configuration counts, the project root) mirrors `vcm check`'s flags and comes from the command
 * line (`vcm lsp --stdio --plugin M --no-config --root DIR`) and the client's
 * `initializationOptions` (`plugins`, `useConfig`, `root`), both set by whoever starts the
 * server. The `vcm` configuration section the server pulls from the client may hold a
 * workspace's own settings file, written by whoever wrote the files: it can only narrow trust
 * (`useConfig: false`) and set `debounceMs`, how long the importers of an edited file wait.
 */
import { isAbsolute, resolve as resolvePath } from "node:path";
import type { AnalysisSettings } from "./analysis.js";

export interface ServerSettings {
  analysis: AnalysisSettings;
  debounceMs: number;
}

/** What the command line says (`--plugin`, `--no-config`, `--root`). */
export interface TrustFlags {
  plugins?: readonly string[];
  config?: boolean;
  root?: string;
}

export const DEFAULT_DEBOUNCE_MS = 200;

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
}

function absolute(path: string, cwd: string): string {
  return isAbsolute(path) ? path : resolvePath(cwd, path);
}

function debounceOf(r: Record<string, unknown>): number | undefined {
  return typeof r.debounceMs === "number" && r.debounceMs >= 0 ? r.debounceMs : undefined;
}

/**
 * Settings from the command line and the client's `initializationOptions` (an untyped object;
 * anything malformed is ignored). Plugins add up; `useConfig: false` or `--no-config` wins.
 */
export function initialSettings(raw: unknown, cwd: string, flags: TrustFlags = {}): ServerSettings {
  const r = record(raw);
  const plugins = [
    ...(flags.plugins ?? []),
    ...(Array.isArray(r.plugins)
      ? r.plugins.filter((p): p is string => typeof p === "string" && p.length > 0)
      : []),
  ];
  const root =
    typeof r.root === "string" && r.root.length > 0
      ? absolute(r.root, cwd)
      : flags.root !== undefined
        ? absolute(flags.root, cwd)
        : undefined;
  return {
    analysis: {
      cwd,
      plugins,
      config: flags.config !== false && r.useConfig !== false,
      ...(root !== undefined ? { root } : {}),
      ...(r.incremental === false ? { incremental: false } : {}),
    },
    debounceMs: debounceOf(r) ?? DEFAULT_DEBOUNCE_MS,
  };
}

/** `current` after the client's `vcm` configuration section: trust only narrows. */
export function pulledSettings(raw: unknown, current: ServerSettings): ServerSettings {
  const r = record(raw);
  return {
    analysis: { ...current.analysis, config: current.analysis.config && r.useConfig !== false },
    debounceMs: debounceOf(r) ?? current.debounceMs,
  };
}
