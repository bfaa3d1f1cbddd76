/**
 * Builder for `reservation NAME in TARGET size S [align A] [at ADDRESS]` (VCMM's `vcm_reserve`):
 * address space of a domain taken before anything backs it. A reservation without `at` goes
 * first fit over the aperture, below the smallest DMA mask of the attached devices (as the
 * lowering's allocator), around the domain's reserved, MSI and unity ranges, the other
 * reservations and IOVA page 0, which the allocator never hands out either, and the fixed
 * addresses of `map` lines.
 */
import type { IrDomain, IrRange, IrReservation } from "../ir/types.js";
import type { ReservationDecl } from "../syntax/ast.js";
import { article } from "../diagnostics/wording.js";
import { DEFAULT_ALIGN } from "./buffers.js";
import { deviceAddress, num } from "./constants.js";
import type { ResolveContext } from "./context.js";
import { formatSize, hex, isPowerOfTwo } from "./evaluate.js";
import { RegionPlacer } from "./placement.js";
import { resolveTarget } from "./targets.js";

/**
 * Resolves `s` into its domain. `fixed` holds, per domain, the ranges of `map ... at ADDRESS`
 * lines (only for reservations without `at`).
 */
export function buildReservation(
  ctx: ResolveContext,
  s: ReservationDecl,
  fixed?: Map<string, IrRange[]>,
): void {
  if (ctx.names.isShadowed(s)) return;
  const domain = reservationDomain(ctx, s);
  if (!domain) return;
  const info = ctx.symbols.mappers.get(domain.mapper);
  const page = info?.caps?.pageSizes[0] ?? DEFAULT_ALIGN;
  const shape = reservationShape(ctx, s, domain, page);
  if (!shape) return;
  const { size, align } = shape;
  const base = s.at
    ? fixedBase(ctx, s, domain, size, align)
    : placedBase(ctx, s, domain, size, align, page, fixed?.get(domain.name) ?? []);
  if (base === undefined) return;
  const space = domain.aperture.space;
  const r: IrReservation = {
    name: s.name.name,
    domain: domain.name,
    range: { base, size, space },
    span: s.span,
  };
  domain.reserved.push({
    kind: "reserve",
    range: { base, size, space },
    origin: "reservation",
    reservation: r.name,
    span: s.span,
  });
  ctx.symbols.reservations.set(r.name, r);
  ctx.ir.reservations.push(r);
}

/** The domain whose address space `s` takes: one that translates. */
function reservationDomain(ctx: ResolveContext, s: ReservationDecl): IrDomain | undefined {
  const t = resolveTarget(ctx, s.target);
  if (!t) return undefined;
  const domain =
    t.kind === "domain" && !t.reservation ? ctx.symbols.domains.get(t.name) : undefined;
  if (domain && domain.type !== "identity" && domain.type !== "blocked") return domain;
  const what = t.reservation
    ? `'${s.target.name.name}' is itself a reservation`
    : domain
      ? `'${domain.name}' is ${article(domain.type)} ${domain.type} domain: it translates nothing`
      : t.kind === "direct"
        ? `'${t.name}' has no MMU: it sees physical memory as it is`
        : `'${t.name}' is a window of a container`;
  return ctx.report(
    "reservation-target",
    s.target.span,
    `a reservation takes address space of a domain, a cpu with an MMU or a device behind an IOMMU; ${what}`,
  );
}

/** Size and alignment: whole pages of the domain's smallest page size, aligned at least to it. */
function reservationShape(
  ctx: ResolveContext,
  s: ReservationDecl,
  domain: IrDomain,
  page: bigint,
): { size: bigint; align: bigint } | undefined {
  if (!s.size)
    return ctx.report("invalid-value", s.name.span, `reservation '${s.name.name}' needs a size`);
  const size = num(ctx, s.size);
  let align = page;
  if (s.align) {
    const a = num(ctx, s.align);
    if (a === undefined) return undefined;
    if (!isPowerOfTwo(a))
      return ctx.report(
        "invalid-value",
        s.align.span,
        `align must be a power of two, not ${hex(a)}`,
      );
    align = a > page ? a : page;
  }
  if (size === undefined) return undefined;
  if (size === 0n || size % page !== 0n)
    return ctx.report(
      size === 0n ? "empty-range" : "invalid-value",
      s.size.span,
      size === 0n
        ? `reservation '${s.name.name}' has size 0`
        : `a reservation is whole pages: ${formatSize(size)} is not a multiple of ${formatSize(page)}, the smallest page size of '${domain.mapper}'`,
    );
  return { size, align };
}

/** `at ADDRESS`: aligned, inside the aperture, clear of the domain's reserved ranges. */
function fixedBase(
  ctx: ResolveContext,
  s: ReservationDecl,
  domain: IrDomain,
  size: bigint,
  align: bigint,
): bigint | undefined {
  const at = deviceAddress(ctx, s.at!, "a reservation's `at`");
  if (at === undefined) return undefined;
  const span = s.at!.span;
  if (at % align !== 0n)
    return ctx.report(
      "reservation-placement",
      span,
      `${hex(at)} is not aligned to ${formatSize(align)}`,
    );
  const ap = domain.aperture;
  if (at < ap.base || at + size > ap.base + ap.size)
    return ctx.report(
      "reservation-placement",
      span,
      `${hex(at)} .. +${formatSize(size)} is outside the aperture of '${domain.name}' (${hex(ap.base)} .. +${formatSize(ap.size)})`,
    );
  const clash = reservedClash(domain, at, size);
  if (clash)
    return ctx.report(
      "reservation-placement",
      span,
      `${hex(at)} .. +${formatSize(size)} overlaps ${clash.reservation ? `reservation '${clash.reservation}'` : `the ${clash.kind} range ${hex(clash.range.base)} .. +${formatSize(clash.range.size)}`} of '${domain.name}'`,
      { related: [{ span: clash.span, message: "declared here" }] },
    );
  return at;
}

function placedBase(
  ctx: ResolveContext,
  s: ReservationDecl,
  domain: IrDomain,
  size: bigint,
  align: bigint,
  page: bigint,
  fixed: readonly IrRange[],
): bigint | undefined {
  const base = placeReservation(domain, size, align, smallestMaskBits(ctx, domain), page, fixed);
  if (base !== undefined) return base;
  return ctx.report(
    "reservation-placement",
    s.span,
    `no free ${formatSize(size)} range (align ${formatSize(align)}) in the address space of '${domain.name}'`,
  );
}

function smallestMaskBits(ctx: ResolveContext, d: IrDomain): number {
  let bits = 64;
  for (const name of d.attached) {
    const ep = ctx.symbols.endpoints.get(name);
    if (ep && ep.dmaMaskBits < bits) bits = ep.dmaMaskBits;
  }
  return bits;
}

export function placeReservation(
  domain: IrDomain,
  size: bigint,
  align: bigint,
  limitBits: number,
  firstPage: bigint,
  taken: readonly IrRange[],
): bigint | undefined {
  const a = domain.aperture;
  let end = a.base + a.size;
  if (limitBits < 64) {
    const limit = 1n << BigInt(limitBits);
    if (limit < end) end = limit;
  }
  if (end <= a.base) return undefined;
  const placer = new RegionPlacer(a.base, end - a.base);
  placer.reserve(0n, firstPage);
  for (const r of domain.reserved) placer.reserve(r.range.base, r.range.size);
  for (const r of taken) placer.reserve(r.base, r.size);
  return placer.place(size, align);
}

/** The first reserved range of `domain` that [base, base + size) overlaps, if any. */
export function reservedClash(domain: IrDomain, base: bigint, size: bigint) {
  return domain.reserved.find(
    (r) => base < r.range.base + r.range.size && r.range.base < base + size,
  );
}
