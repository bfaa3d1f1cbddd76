/**
 * The server's settings, from the client's `initializationOptions` or its `vcm` configuration
 * section. They mirror `vcm check`'s trust flags: `plugins` (`--plugin`), `useConfig`
 * (false = `--no-config`, for an untrusted workspace: only built-ins and `plugins` run), `root`
 * (`--root`); and `debounceMs`, how long importers of an edited file wait before their check.
 */
import { isAbsolute, resolve as resolvePath } from "node:path";
import type { AnalysisSettings } from "./analysis.js";

export interface ServerSettings {
  analysis: AnalysisSettings;
  debounceMs: number;
}

export const DEFAULT_DEBOUNCE_MS = 200;

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
}

/** Settings from an untyped client object; anything malformed takes its default. */
export function readSettings(raw: unknown, cwd: string): ServerSettings {
  const r = record(raw);
  const plugins = Array.isArray(r.plugins)
    ? r.plugins.filter((p): p is string => typeof p === "string" && p.length > 0)
    : [];
  const root =
    typeof r.root === "string" && r.root.length > 0
      ? isAbsolute(r.root)
        ? r.root
        : resolvePath(cwd, r.root)
      : undefined;
  const debounce = typeof r.debounceMs === "number" && r.debounceMs >= 0 ? r.debounceMs : undefined;
  return {
    analysis: {
      cwd,
      plugins,
      config: r.useConfig !== false,
      ...(root !== undefined ? { root } : {}),
    },
    debounceMs: debounce ?? DEFAULT_DEBOUNCE_MS,
  };
}
