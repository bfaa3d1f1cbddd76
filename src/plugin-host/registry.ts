/**
 * The set of driver plugins known to one compilation: built-ins plus third-party ones loaded
 * with `--plugin` or a topology's `use` line. Two plugins of one name are an error naming both.
 */
import { PLUGIN_API_VERSION, type VcmPlugin } from "../plugin-api/types.js";

export interface PluginEntry {
  plugin: VcmPlugin;
  /** Where it came from: `built-in`, a file path, or a package name. */
  origin: string;
}

export class PluginConflictError extends Error {
  constructor(
    readonly pluginName: string,
    readonly firstOrigin: string,
    readonly secondOrigin: string,
  ) {
    super(
      `two plugins are named '${pluginName}': one from ${firstOrigin}, one from ${secondOrigin}`,
    );
    this.name = "PluginConflictError";
  }
}

/** A plugin written for another version of the plugin API than this VCM provides. */
export class PluginApiVersionError extends Error {
  constructor(
    readonly pluginName: string,
    readonly origin: string,
    readonly targeted: number,
    readonly provided: number,
  ) {
    super(
      `plugin '${pluginName}' from ${origin} targets plugin API ${targeted}, ` +
        `this VCM provides API ${provided}`,
    );
    this.name = "PluginApiVersionError";
  }
}

export class PluginRegistry {
  private readonly entries = new Map<string, PluginEntry>();

  /**
   * Add `plugin`. The same plugin again (the same object, or from the same origin, as when one
   * module is reached twice) is no conflict; another plugin of that name is.
   */
  register(plugin: VcmPlugin, origin: string): void {
    const existing = this.entries.get(plugin.name);
    if (existing && (existing.plugin === plugin || existing.origin === origin)) return;
    if (existing) throw new PluginConflictError(plugin.name, existing.origin, origin);
    if (plugin.apiVersion !== PLUGIN_API_VERSION) {
      throw new PluginApiVersionError(plugin.name, origin, plugin.apiVersion, PLUGIN_API_VERSION);
    }
    this.entries.set(plugin.name, { plugin, origin });
  }

  get(name: string): VcmPlugin | undefined {
    return this.entries.get(name)?.plugin;
  }

  entry(name: string): PluginEntry | undefined {
    return this.entries.get(name);
  }

  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  all(): PluginEntry[] {
    return this.names().map((n) => this.entries.get(n)!);
  }
}
