/**
 * Builder for `cpu` / `device` / `dma` lines. A cpu with an MMU gets its own address space, an
 * implicit `unmanaged` domain named after it (with an upper half where its format has one).
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { IrDomain, IrEndpoint } from "../ir/types.js";
import type { EndpointDecl } from "../syntax/ast.js";
import { num } from "./constants.js";
import type { ResolveContext } from "./context.js";
import { defaultAperture } from "./mappers.js";

export function buildEndpoint(ctx: ResolveContext, s: EndpointDecl): void {
  if (ctx.names.isShadowed(s)) return;
  let dmaMaskBits = 64;
  if (s.dmaMask) {
    const bits = num(ctx, s.dmaMask);
    if (bits !== undefined && (bits < 1n || bits > 64n))
      ctx.report(diagnostic(D.invalidValue.messages.dmaMask, s.dmaMask.span, { bits }));
    else if (bits !== undefined) dmaMaskBits = Number(bits);
  }
  const e: IrEndpoint = {
    name: s.name.name,
    kind: s.endpointKind,
    dmaMaskBits,
    busOffset: num(ctx, s.offset) ?? 0n,
    span: s.span,
  };
  if (s.mapper && ctx.names.bind(s.mapper, ["mapper"])) e.mapper = s.mapper.name;
  const stream = num(ctx, s.stream);
  if (stream !== undefined) e.stream = stream;
  const group = num(ctx, s.group);
  if (group !== undefined) e.group = group;
  if (s.group && (e.kind !== "device" || !s.mapper))
    ctx.report(
      e.kind === "device"
        ? diagnostic(D.groupWithoutIommu.messages.noIommu, s.group.span, { name: e.name })
        : diagnostic(D.groupWithoutIommu, s.group.span, { name: e.name, kind: e.kind }),
    );
  if (e.kind === "cpu" && e.mapper) cpuAddressSpace(ctx, e, s);
  ctx.symbols.endpoints.set(e.name, e);
  ctx.ir.endpoints.push(e);
}

/** The implicit domain of a cpu with an MMU: its virtual address space. */
function cpuAddressSpace(ctx: ResolveContext, e: IrEndpoint, s: EndpointDecl): void {
  const info = ctx.symbols.mappers.get(e.mapper!);
  e.domain = e.name;
  const domain: IrDomain = {
    name: e.name,
    mapper: e.mapper!,
    type: "unmanaged",
    aperture: { ...defaultAperture(info), space: "va" },
    reserved: [],
    attached: [e.name],
    implicit: true,
    span: s.span,
  };
  const upper = info?.caps?.upperHalf;
  if (upper) {
    const size = 1n << BigInt(upper.bits);
    if (upper.root === "shared") domain.aperture = { base: 0n, size, space: "va" };
    domain.upper = { base: (1n << 64n) - size, size, space: "va" };
  }
  ctx.symbols.domains.set(domain.name, domain);
  ctx.ir.domains.push(domain);
}
