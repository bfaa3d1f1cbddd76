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
import { D, diagnostic } from "../diagnostics/catalogue.js";
import { formatSize, hex } from "../diagnostics/format.js";
import { article } from "../diagnostics/wording.js";
import { DEFAULT_ALIGN } from "./buffers.js";
import { deviceAddress, num } from "./constants.js";
import type { ResolveContext } from "./context.js";
import { isPowerOfTwo } from "./evaluate.js";
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
  const span = s.target.span;
  return ctx.report(
    t.reservation
      ? diagnostic(D.reservationTarget, span, { name: s.target.name.name })
      : domain
        ? diagnostic(D.reservationTarget.messages.translatesNothing, span, {
            name: domain.name,
            type: `${article(domain.type)} ${domain.type}`,
          })
        : t.kind === "direct"
          ? diagnostic(D.reservationTarget.messages.noMmu, span, { name: t.name })
          : diagnostic(D.reservationTarget.messages.window, span, { name: t.name }),
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
    return ctx.report(
      diagnostic(D.invalidValue.messages.reservationNeedsSize, s.name.span, { name: s.name.name }),
    );
  const size = num(ctx, s.size);
  let align = page;
  if (s.align) {
    const a = num(ctx, s.align);
    if (a === undefined) return undefined;
    if (!isPowerOfTwo(a))
      return ctx.report(
        diagnostic(D.invalidValue.messages.alignPower, s.align.span, { align: hex(a) }),
      );
    align = a > page ? a : page;
  }
  if (size === undefined) return undefined;
  if (size === 0n || size % page !== 0n)
    return ctx.report(
      size === 0n
        ? diagnostic(D.emptyRange.messages.reservation, s.size.span, { name: s.name.name })
        : diagnostic(D.invalidValue.messages.reservationPages, s.size.span, {
            size: formatSize(size),
            page: formatSize(page),
            mapper: domain.mapper,
          }),
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
      diagnostic(D.reservationPlacement.messages.misaligned, span, {
        address: hex(at),
        align: formatSize(align),
      }),
    );
  const ap = domain.aperture;
  if (at < ap.base || at + size > ap.base + ap.size)
    return ctx.report(
      diagnostic(D.reservationPlacement.messages.outsideAperture, span, {
        address: hex(at),
        size: formatSize(size),
        domain: domain.name,
        base: hex(ap.base),
        apertureSize: formatSize(ap.size),
      }),
    );
  const clash = reservedClash(domain, at, size);
  if (clash) {
    const args = { address: hex(at), size: formatSize(size), domain: domain.name };
    const details = { related: [{ span: clash.span, message: "declared here" }] };
    return ctx.report(
      clash.reservation
        ? diagnostic(
            D.reservationPlacement.messages.overlapsReservation,
            span,
            { ...args, other: clash.reservation },
            details,
          )
        : diagnostic(
            D.reservationPlacement.messages.overlapsRange,
            span,
            {
              ...args,
              kind: clash.kind,
              base: hex(clash.range.base),
              rangeSize: formatSize(clash.range.size),
            },
            details,
          ),
    );
  }
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
    diagnostic(D.reservationPlacement, s.span, {
      size: formatSize(size),
      align: formatSize(align),
      domain: domain.name,
    }),
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
