/**
 * A plugin for another plugin API version is refused (VCM0022): by its shape when it says so
 * plainly, and by the registry when its `apiVersion` changes after the shape was checked (a
 * getter); the registry's refusal is a diagnostic of its own template, never an exception.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PLUGIN_API_VERSION, type VcmPlugin } from "../../src/plugin-api/types.js";
import { loadPlugins } from "../../src/plugin-host/load.js";
import { PluginApiVersionError, PluginRegistry } from "../../src/plugin-host/registry.js";

const FUNCTIONS = [
  "capabilities",
  "create",
  "map",
  "unmap",
  "registers",
  "walk",
  "leaves",
  "tables",
  "describe",
];

/**
 * A plugin module whose `apiVersion` reads `first` until its last function (`describe`, the last
 * the shape check reads) has been read, and `later` after that, when the registry reads it.
 */
function pluginSource(first: number, later: number): string {
  const functions = FUNCTIONS.filter((f) => f !== "describe")
    .map((f) => `  ${f}() {},`)
    .join("\n");
  return `let shaped = false;
export default {
  name: "other-api",
  version: "1.0.0",
  get apiVersion() { return shaped ? ${later} : ${first}; },
  params: {},
${functions}
  get describe() { shaped = true; return () => {}; },
};
`;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "vcm-api-version-"));
  writeFileSync(join(dir, "plain.mjs"), pluginSource(99, 99));
  writeFileSync(join(dir, "getter.mjs"), pluginSource(PLUGIN_API_VERSION, 99));
  writeFileSync(join(dir, "same.mjs"), pluginSource(PLUGIN_API_VERSION, PLUGIN_API_VERSION));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a plugin for another plugin API version", () => {
  it("is refused by its shape when it says so", async () => {
    const [d, ...rest] = await loadPlugins(
      [{ specifier: "./plain.mjs", baseDir: dir }],
      new PluginRegistry(),
    );
    expect(rest).toEqual([]);
    expect(d?.code).toBe("VCM0022");
    expect(d?.message).toBe(
      `'./plain.mjs' is not a VCM plugin: it targets plugin API 99; this VCM provides API ${PLUGIN_API_VERSION}`,
    );
  });

  it("is refused by the registry, with its own message, when the version changes later", async () => {
    const [d, ...rest] = await loadPlugins(
      [{ specifier: "./getter.mjs", baseDir: dir }],
      new PluginRegistry(),
    );
    expect(rest).toEqual([]);
    expect(d?.code).toBe("VCM0022");
    expect(d?.message).toBe(
      `plugin 'other-api' from ${join(dir, "getter.mjs")} targets plugin API 99, this VCM provides API ${PLUGIN_API_VERSION}`,
    );
  });

  it("is not refused when the version stays this VCM's", async () => {
    const registry = new PluginRegistry();
    expect(await loadPlugins([{ specifier: "./same.mjs", baseDir: dir }], registry)).toEqual([]);
    expect(registry.get("other-api")).toBeDefined();
  });

  it("makes the registry throw a PluginApiVersionError naming both versions", () => {
    const plugin = { name: "x", apiVersion: 7 } as unknown as VcmPlugin;
    const register = () => new PluginRegistry().register(plugin, "here");
    expect(register).toThrow(PluginApiVersionError);
    expect(register).toThrow(
      `plugin 'x' from here targets plugin API 7, this VCM provides API ${PLUGIN_API_VERSION}`,
    );
  });
});
