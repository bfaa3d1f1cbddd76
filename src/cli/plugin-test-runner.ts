/**
 * `vcm plugin-test`: runs the conformance kit against one plugin. Parameters are written as in a
 * mapper block (`--params "aperture 0xE000_0000 .. +512M; outside passthrough"`) and validated by
 * the same resolver a topology goes through, so the kit sees exactly what a compile would.
 */
import { runConformance } from "../plugin-api/conformance/index.js";
import type { PluginParams, VcmPlugin } from "../plugin-api/types.js";
import { PluginRegistry } from "../plugin-host/registry.js";
import { resolve } from "../semantics/resolve.js";
import { parseSource } from "../syntax/parse.js";
import { UsageError } from "./exit.js";

export interface PluginTestOptions {
  runs: number;
  /** Mapper-block text. */
  params: string;
  window?: { base: bigint; size: bigint; pageSize: bigint; levels: number };
}

/** Validate mapper-block text against the plugin's schema, as a topology would. */
export function paramsFromBlock(plugin: VcmPlugin, block: string): PluginParams {
  // A pool must exist for the mapper to resolve; the kit uses its own pool.
  const text = `memory ram 0x8000_0000 .. +64M ram\npool p in ram\niommu m : ${plugin.name} { ${block} }\n`;
  const { ast, diagnostics } = parseSource(text, "--params");
  const registry = new PluginRegistry();
  registry.register(plugin, "plugin-test");
  const resolved = resolve([ast], registry);
  const errors = [...diagnostics, ...resolved.diagnostics].filter((d) => d.severity === "error");
  if (errors.length > 0) {
    throw new UsageError(`--params: ${errors.map((e) => e.message).join("; ")}`);
  }
  const mapper = resolved.ir.mappers[0];
  if (!mapper) throw new UsageError(`--params: cannot read '${block}'`);
  return mapper.params;
}

export async function runConformanceCli(
  plugin: VcmPlugin,
  options: PluginTestOptions,
  out: NodeJS.WritableStream,
): Promise<number> {
  const params = paramsFromBlock(plugin, options.params);
  out.write(
    `conformance kit: ${plugin.name} ${plugin.version}, ${options.runs} runs per property\n`,
  );
  // An aperture parameter (GART) bounds what the kit may map.
  const aperture = params["aperture"];
  const failures = await runConformance(plugin, {
    params,
    runs: options.runs,
    ...(options.window ? { window: options.window } : {}),
    ...(typeof aperture === "object" && "base" in aperture
      ? { aperture: { base: aperture.base, size: aperture.size } }
      : {}),
  });
  for (const f of failures) out.write(`FAIL ${f}\n`);
  out.write(failures.length === 0 ? "all properties hold\n" : `${failures.length} failure(s)\n`);
  return failures.length;
}
