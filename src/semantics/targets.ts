/**
 * What the right-hand side of `map ... -> TARGET` (and `unmap ... from`, `reservation ... in`)
 * names: a domain, the address space of a cpu or device, a reservation inside a domain, a
 * container's window, or a device with no MMU that sees physical memory through a bus offset.
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { AddressSpace, IrReservation, IrTargetKind } from "../ir/types.js";
import type { TargetRef } from "../syntax/ast.js";
import type { ResolveContext } from "./context.js";
import { didYouMean } from "../diagnostics/suggest.js";

export interface ResolvedTarget {
  kind: IrTargetKind;
  name: string;
  space: AddressSpace;
  /** For direct targets: bus = pa - offset. */
  busOffset?: bigint;
  /** `-> RESERVATION`: the reservation's domain, at the reservation's range. */
  reservation?: IrReservation;
}

export function resolveTarget(ctx: ResolveContext, t: TargetRef): ResolvedTarget | undefined {
  const decl = ctx.names.bind(t.name, ["domain", "endpoint", "container", "reservation"]);
  if (!decl) return undefined;
  if (decl.kind === "reservation") {
    const r = ctx.symbols.reservations.get(t.name.name);
    if (!r) return undefined;
    if (t.member)
      return ctx.report(
        diagnostic(D.wrongKind.messages.reservationMembers, t.member.span, { name: r.name }),
      );
    return { kind: "domain", name: r.domain, space: r.range.space, reservation: r };
  }
  if (decl.kind === "container") return windowTarget(ctx, t);
  if (t.member)
    return ctx.report(
      diagnostic(D.wrongKind.messages.noMembers, t.member.span, { name: t.name.name }),
    );
  if (decl.kind === "domain") {
    const d = ctx.symbols.domains.get(t.name.name);
    return d ? { kind: "domain", name: d.name, space: d.aperture.space } : undefined;
  }
  const ep = ctx.symbols.endpoints.get(t.name.name);
  if (!ep) return undefined;
  if (ep.domain) return { kind: "domain", name: ep.domain, space: "va" };
  if (!ep.mapper) return { kind: "direct", name: ep.name, space: "bus", busOffset: ep.busOffset };
  const doms = ctx.symbols.deviceDomains.get(ep.name);
  if (!doms || doms.length === 0)
    return ctx.report(diagnostic(D.wrongKind.messages.noDomain, t.span, { name: ep.name }));
  return { kind: "domain", name: doms[0]!, space: "iova" };
}

/** `CONTAINER.WINDOW`. */
function windowTarget(ctx: ResolveContext, t: TargetRef): ResolvedTarget | undefined {
  const c = ctx.symbols.containers.get(t.name.name);
  if (!c) return undefined;
  if (!t.member)
    return ctx.report(
      diagnostic(
        D.wrongKind.messages.windowNeeded,
        t.span,
        { container: c.name },
        c.windows[0] ? { hint: `windows: ${c.windows.map((w) => w.name).join(", ")}` } : {},
      ),
    );
  const w = c.windows.find((x) => x.name === t.member!.name);
  if (!w) {
    const hint = didYouMean(
      t.member.name,
      c.windows.map((x) => x.name),
    );
    return ctx.report(
      diagnostic(
        D.unresolvedName.messages.window,
        t.member.span,
        { container: c.name, window: t.member.name },
        hint ? { hint } : {},
      ),
    );
  }
  return { kind: "window", name: w.qualifiedName, space: "bus" };
}
