/** `vcm plugins` (list driver plugins) and `vcm plugin-test` (run the conformance kit). */
import { Command } from "commander";
import { formatSize } from "../diagnostics/format.js";
import type { Capabilities, PluginParams, VcmPlugin } from "../plugin-api/types.js";
import { builtinRegistry } from "../plugin-host/builtins.js";
import { loadPlugins } from "../plugin-host/load.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import { collect, EXIT_FAILED, EXIT_OK, exitCodesHelp, UsageError } from "./exit.js";

/** The schema's defaults: the parameters a mapper block with no entries gets. */
export function defaultParams(plugin: VcmPlugin): PluginParams {
  const params: Record<string, PluginParams[string]> = {};
  for (const [key, spec] of Object.entries(plugin.params)) {
    if (spec.default !== undefined) params[key] = spec.default;
  }
  return params;
}

function describeCapabilities(caps: Capabilities): string {
  const perms = Object.entries(caps.perms)
    .filter(([, v]) => v)
    .map(([k]) => k)
    .join(",");
  const flags = [
    caps.blocks ? "blocks" : "",
    caps.partialUnmap ? "partial-unmap" : "",
    caps.windows ? "windows" : "",
    caps.writeImpliesRead ? "write-implies-read" : "",
    caps.readImpliesWrite ? "read-implies-write" : "",
    caps.execImpliesRead ? "exec-implies-read" : "",
    caps.outside ? `outside=${caps.outside}` : "",
  ].filter(Boolean);
  return (
    `pages ${caps.pageSizes.map((p) => formatSize(p)).join(" ")}; ` +
    `in ${caps.inputBits} bits, out ${caps.outputBits} bits; ` +
    `${caps.levels} level(s), granule ${formatSize(caps.granule)}; ` +
    `${caps.entryBytes * 8}-bit ${caps.bigEndian ? "big" : "little"}-endian entries; ` +
    `perms ${perms}` +
    (flags.length ? `; ${flags.join(", ")}` : "")
  );
}

/** Capabilities as JSON: bigints as numbers of bytes, page sizes also as `4K`-style words. */
export function capabilitiesJson(caps: Capabilities): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(
      { ...caps, pageSizeNames: caps.pageSizes.map((s) => formatSize(s)) },
      (_key, value) => (typeof value === "bigint" ? Number(value) : value),
    ),
  ) as Record<string, unknown>;
}

async function registryWith(pluginSpecs: readonly string[]): Promise<PluginRegistry> {
  const registry = builtinRegistry();
  const problems = await loadPlugins(
    pluginSpecs.map((specifier) => ({ specifier, baseDir: process.cwd() })),
    registry,
  );
  if (problems.length > 0)
    throw new UsageError(problems.map((p) => p.message).join("\nvcm: error: "));
  return registry;
}

/** A row of `vcm plugins`: the plugin, and its capabilities under default parameters. */
function pluginRow({ plugin, origin }: ReturnType<PluginRegistry["all"]>[number]) {
  let capabilities: Capabilities | undefined;
  let summary: string;
  try {
    capabilities = plugin.capabilities(defaultParams(plugin));
    summary = describeCapabilities(capabilities);
  } catch (e) {
    summary = `(depends on parameters: ${e instanceof Error ? e.message : String(e)})`;
  }
  return {
    name: plugin.name,
    version: plugin.version,
    apiVersion: plugin.apiVersion,
    origin,
    description: plugin.description,
    params: Object.keys(plugin.params),
    // Structured: sizes in bytes (numbers; every page size is below 2^53), `null` when
    // the capabilities need parameters that have no default.
    capabilities: capabilities ? capabilitiesJson(capabilities) : null,
    summary,
  };
}

async function listPlugins(options: { plugin: string[]; json?: boolean }): Promise<void> {
  const registry = await registryWith(options.plugin);
  const rows = registry.all().map(pluginRow);
  if (options.json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
  } else {
    for (const r of rows) {
      process.stdout.write(
        `${r.name} ${r.version} (API ${r.apiVersion}) from ${r.origin}\n` +
          `  ${r.description}\n` +
          `  params: ${r.params.join(", ") || "(none)"}\n` +
          `  ${r.summary}\n`,
      );
    }
  }
  process.exitCode = EXIT_OK;
}

async function initPlugin(name: string, options: { dir?: string }): Promise<void> {
  const { scaffoldPlugin } = await import("./plugin-scaffold.js");
  const dir = options.dir ?? `vcm-plugin-${name}`;
  const written = scaffoldPlugin(dir, name);
  process.stdout.write(
    written.map((f) => `created ${f}\n`).join("") + `next: cd ${dir} && npm install && npm test\n`,
  );
  process.exitCode = EXIT_OK;
}

/** `vcm plugin-test SPEC`: a built-in plugin by name, else one loaded from a path or package. */
async function testPlugin(
  spec: string,
  options: { runs: string; params: string; window?: string },
): Promise<void> {
  const runs = Number(options.runs);
  if (!Number.isInteger(runs) || runs <= 0) {
    throw new UsageError("--runs takes a positive integer");
  }
  let registry = builtinRegistry();
  let plugin = registry.get(spec);
  if (!plugin) {
    const before = new Set(registry.names());
    registry = await registryWith([spec]);
    const added = registry.names().find((n) => !before.has(n));
    plugin = added ? registry.get(added) : undefined;
  }
  if (!plugin) throw new UsageError(`plugin-test: no plugin '${spec}'`);
  const { runConformanceCli } = await import("./plugin-test-runner.js");
  const window = options.window ? parseWindow(options.window) : undefined;
  const failures = await runConformanceCli(
    plugin,
    { runs, params: options.params, ...(window ? { window } : {}) },
    process.stdout,
  );
  process.exitCode = failures === 0 ? EXIT_OK : EXIT_FAILED;
}

export function registerPluginCommands(program: Command): void {
  program
    .command("plugins")
    .description("list driver plugins: origin, version, format and capabilities (with defaults)")
    .option("--plugin <module>", "also load this plugin (file path or package name)", collect, [])
    .option("--json", "print JSON (capabilities as structured data)")
    .addHelpText("after", exitCodesHelp())
    .action(listPlugins);

  program
    .command("plugin-init")
    .description("create a plugin package: a working toy format to edit, with its conformance test")
    .argument("<name>", "the format name (lower case, e.g. my-iommu)")
    .option("-d, --dir <dir>", "where to create it (default: ./vcm-plugin-NAME)")
    .addHelpText(
      "after",
      "\nThe package passes `vcm plugin-test` and its own `npm test` as generated.\n" +
        exitCodesHelp(),
    )
    .action(initPlugin);

  program
    .command("plugin-test")
    .description("run the plugin conformance kit against a plugin (built-in name, file or package)")
    .argument("<plugin>", "a built-in plugin name, or a plugin module path / package name")
    .option("--runs <n>", "property-test runs per property", "50")
    .option("--params <block>", 'parameters as in a mapper block, e.g. "granule 64K; ias 40"', "")
    .option("--window <geometry>", "for windowed formats: BASE,SIZE,PAGE,LEVELS (e.g. 0,2G,4K,1)")
    .addHelpText("after", `\n1 also means a conformance property failed.\n${exitCodesHelp()}`)
    .action(testPlugin);
}

const SIZE_SUFFIX: Record<string, bigint> = {
  "": 1n,
  K: 1n << 10n,
  M: 1n << 20n,
  G: 1n << 30n,
  T: 1n << 40n,
};

function parseSize(text: string): bigint {
  const m = /^(0x[0-9a-f_]+|[0-9_]+)([KMGT]?)$/i.exec(text.trim());
  if (!m) throw new UsageError(`--window: '${text}' is not a number`);
  return BigInt(m[1]!.replace(/_/g, "")) * SIZE_SUFFIX[m[2]!.toUpperCase()]!;
}

function parseWindow(text: string): {
  base: bigint;
  size: bigint;
  pageSize: bigint;
  levels: number;
} {
  const parts = text.split(",");
  if (parts.length !== 4) throw new UsageError("--window takes BASE,SIZE,PAGE,LEVELS");
  return {
    base: parseSize(parts[0]!),
    size: parseSize(parts[1]!),
    pageSize: parseSize(parts[2]!),
    levels: Number(parseSize(parts[3]!)),
  };
}
