/**
 * Builder for `mmu` / `iommu` lines: the plugin providing the format, parameters validated
 * against its schema (`params.ts`), its capabilities, and the pool holding its tables. Also the
 * defaults a mapper gives the domains on it (aperture, MSI window).
 */
import { D, diagnostic, text } from "../diagnostics/catalogue.js";
import type { IrMapper, IrRange, IrReservedRange } from "../ir/types.js";
import { ATTR_SECURE, type Capabilities } from "../plugin-api/types.js";
import type { MapperDecl } from "../syntax/ast.js";
import type { MapperInfo, ResolveContext } from "./context.js";
import { validateParams } from "./params.js";
import { DEFAULT_WINDOW_GEOMETRY } from "./spapr.js";
import { didYouMean } from "../diagnostics/suggest.js";

export function buildMapper(ctx: ResolveContext, s: MapperDecl): void {
  if (ctx.names.isShadowed(s)) return;
  const plugin = ctx.plugins.get(s.format.name);
  if (!plugin) {
    const known = ctx.plugins.names();
    const hint = didYouMean(s.format.name, known);
    ctx.report(
      diagnostic(
        D.unknownFormat,
        s.format.span,
        { format: s.format.name, known: known.join(", ") || "none" },
        hint ? { hint } : {},
      ),
    );
  }
  const v = validateParams(s, plugin, ctx.evaluator, ctx.report);
  let caps: Capabilities | undefined;
  if (plugin && v.ok) {
    try {
      caps = plugin.capabilities(v.params);
    } catch (error) {
      ctx.report(
        diagnostic(D.pluginFailed.messages.capabilities, s.format.span, {
          plugin: plugin.name,
          error: error instanceof Error ? error.message : String(error),
        }),
      );
    }
  }
  let pool = "";
  if (v.pool) {
    if (ctx.names.bind(v.pool, ["pool"])) pool = v.pool.name;
  } else if (ctx.ir.pools.length === 1) pool = ctx.ir.pools[0]!.name;
  else if (!caps || caps.levels > 0) reportNoPool(ctx, s);
  const ir: IrMapper = {
    name: s.name.name,
    role: s.role,
    format: s.format.name,
    params: v.params,
    pool,
    span: s.span,
  };
  if (s.role === "iommu" && caps?.upperHalf?.root === "own") {
    const entry = s.params.find((p) => p.key.name === "va-bits-upper");
    ctx.report(
      diagnostic(
        D.upperHalfNotCpu,
        entry?.span ?? s.format.span,
        { name: s.name.name },
        { hint: "give the upper half to an `mmu` that a `cpu ... via` uses" },
      ),
    );
  }
  if (s.role === "iommu") reportRegimeOnIommu(ctx, s);
  if (caps && pool) reportNonsecureWalks(ctx, s, pool, caps);
  const info: MapperInfo = { ir };
  if (plugin) info.plugin = plugin;
  if (caps) info.caps = caps;
  ctx.symbols.mappers.set(ir.name, info);
  ctx.ir.mappers.push(ir);
}

/**
 * Table walks are made in the mapper's security state: only an EL3 context (a format encoding
 * `ATTR_SECURE`) walks Secure, so a Non-secure walker's tables must not be in `secure` memory.
 */
function reportNonsecureWalks(
  ctx: ResolveContext,
  s: MapperDecl,
  pool: string,
  caps: Capabilities,
): void {
  if (((caps.attrs ?? 0) & ATTR_SECURE) !== 0 || caps.levels === 0) return;
  const memory = ctx.ir.pools.find((p) => p.name === pool)?.memory;
  if (memory === undefined || !ctx.symbols.memories.get(memory)?.secure) return;
  ctx.report(
    diagnostic(
      D.nonsecureTablesInSecureMemory,
      s.name.span,
      { mapper: s.name.name, pool, memory },
      { hint: text(D.nonsecureTablesInSecureMemory.messages.hint) },
    ),
  );
}

/** A translation regime (`regime`, `wxn`) belongs to a cpu's MMU context, never to an IOMMU. */
function reportRegimeOnIommu(ctx: ResolveContext, s: MapperDecl): void {
  for (const entry of s.params) {
    const key = entry.key.name;
    if (key !== "regime" && key !== "wxn") continue;
    const plugin = ctx.plugins.get(s.format.name);
    if (!plugin || !(key in plugin.params)) continue;
    const hint = { hint: text(D.regimeNotCpu.messages.hint, { key }) };
    ctx.report(diagnostic(D.regimeNotCpu, entry.span, { name: s.name.name, key }, hint));
  }
}

function reportNoPool(ctx: ResolveContext, s: MapperDecl): void {
  if (ctx.ir.pools.length === 0)
    ctx.report(diagnostic(D.noPool, s.name.span, { mapper: s.name.name }));
  else
    ctx.report(
      diagnostic(
        D.noPool.messages.several,
        s.name.span,
        { mapper: s.name.name },
        { hint: `pools: ${ctx.ir.pools.map((p) => p.name).join(", ")}` },
      ),
    );
}

/** The aperture a domain on this mapper has unless it says otherwise. */
export function defaultAperture(info: MapperInfo | undefined): IrRange {
  // One per mapper, shared by its domains (ranges in the IR are never changed in place).
  if (info) return (info.defaultAperture ??= apertureOf(info));
  return apertureOf(info);
}

function apertureOf(info: MapperInfo | undefined): IrRange {
  const a = info?.ir.params["aperture"];
  if (a && typeof a === "object" && !Array.isArray(a))
    return { base: a.base, size: a.size, space: "iova" };
  // A TCE IOMMU translates only inside its windows: a domain gets the default 32-bit one.
  if (info?.caps?.windows)
    return {
      base: DEFAULT_WINDOW_GEOMETRY.base,
      size: DEFAULT_WINDOW_GEOMETRY.size,
      space: "iova",
    };
  const bits = info?.caps?.inputBits ?? 64;
  return { base: 0n, size: 1n << BigInt(bits), space: "iova" };
}

/** The ranges every domain on this mapper reserves (its `msi` window). */
export function mapperReserved(info: MapperInfo | undefined): IrReservedRange[] {
  const msi = info?.ir.params["msi"];
  if (msi && typeof msi === "object" && !Array.isArray(msi))
    return [
      {
        kind: "msi",
        range: { base: msi.base, size: msi.size, space: "iova" },
        origin: "mapper",
        span: info!.ir.span,
      },
    ];
  return [];
}
