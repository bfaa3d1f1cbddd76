/**
 * Builder for `map` lines (top-level and in scenarios): one IrMapping per piece of memory the
 * source names, each at its device address (`at auto` is left to the lowering's allocator; a
 * device with no MMU sees the physical address less its bus offset), numbered in order.
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import { formatSize, hex } from "../diagnostics/format.js";
import type { IrMapping, IrPermissions, IrRange, IrReservation } from "../ir/types.js";
import type { MapDecl, TargetRef } from "../syntax/ast.js";
import { num } from "./constants.js";
import type { ResolveContext } from "./context.js";
import { alignUp, U64_MAX } from "./evaluate.js";
import { mappingAttributes } from "./attributes.js";
import { memoryRef, type MemoryPiece } from "./memory-refs.js";
import { resolveTarget, type ResolvedTarget } from "./targets.js";

export class MappingBuilder {
  private nextId = 0;
  /**
   * The last target a mapping was made for, shared by the mappings after it with the same one
   * (consecutive lines usually map into one domain): a million mappings would otherwise hold a
   * million copies of a few thousand objects.
   */
  private lastTarget: IrMapping["target"] = { kind: "domain", name: "" };
  /** The name `target` resolved last, and to what. */
  private lastTargetName = "";
  private lastResolved: ResolvedTarget | undefined;

  constructor(private readonly ctx: ResolveContext) {}

  /** The id of the next mapping (for mappings other passes make, e.g. `guest-mappings.ts`). */
  takeId(): number {
    return this.nextId++;
  }

  /** The mappings one `map` line makes (none when it fails). */
  build(s: MapDecl, scenario?: string): IrMapping[] {
    const out: IrMapping[] = [];
    this.buildInto(s, out, scenario);
    return out;
  }

  /**
   * `build`, appending to `out` (the top-level lines append to the IR's list: an array per line
   * was most of what resolving a `map` line allocated).
   */
  buildInto(s: MapDecl, out: IrMapping[], scenario?: string): void {
    const target =
      scenario === undefined ? this.target(s.target) : resolveTarget(this.ctx, s.target);
    const pieces = memoryRef(this.ctx, s.source);
    const written = this.start(s, target);
    if (written === undefined || !target || !pieces) return;
    const at = target.reservation ? this.reservationStart(s, target.reservation, written) : written;
    if (at === undefined) return;
    let pageSize: bigint | undefined;
    if (s.pages) pageSize = num(this.ctx, s.pages);
    if (s.attributes.includes("secure") && s.attributes.includes("nonsecure"))
      this.ctx.report(diagnostic(D.securityWordsConflict, s.span));
    let made = 0;
    let next = at;
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i]!;
      let iova: bigint | "auto" = "auto";
      if (target.kind === "direct") {
        const bus = this.directAddress(s, target, p, next);
        if (bus === undefined) continue;
        iova = bus;
      } else if (next !== "auto") {
        iova = made === 0 ? next : alignUp(next, p.align);
        next = iova + p.size;
        if (iova + p.size - 1n > U64_MAX) {
          this.ctx.report(diagnostic(D.arithmeticOverflow.messages.mappingEnd, s.span));
          break;
        }
      }
      const r = target.reservation;
      if (r && iova !== "auto" && !this.fitsReservation(s, r, p, iova)) continue;
      out.push(this.mapping(s, target, p, iova, pageSize, scenario));
      made++;
    }
  }

  /**
   * `resolveTarget`, remembering the last target named alone: top-level lines in a row usually
   * map into one domain, and what a name denotes does not change while they are resolved.
   */
  private target(t: TargetRef): ResolvedTarget | undefined {
    if (t.member === undefined && t.name.name === this.lastTargetName) return this.lastResolved;
    const r = resolveTarget(this.ctx, t);
    if (r && t.member === undefined) {
      this.lastTargetName = t.name.name;
      this.lastResolved = r;
    }
    return r;
  }

  /**
   * The device ranges top-level `map ... at ADDRESS` lines take, per domain, so placed
   * reservations go around them. A dry run of the mappings: its diagnostics are dropped, the
   * real resolution after the reservations reports them once.
   */
  fixedRanges(maps: readonly MapDecl[]): Map<string, IrRange[]> {
    const out = new Map<string, IrRange[]>();
    const diagnostics = this.ctx.sink.list;
    const mark = diagnostics.length;
    const ids = this.nextId;
    for (const s of maps) {
      if (s.at === "auto") continue;
      const decl = this.ctx.names.get(s.target.name.name);
      if (!decl || decl.kind === "reservation" || decl.kind === "container") continue;
      for (const m of this.build(s)) {
        if (m.iova === "auto" || m.target.kind !== "domain") continue;
        let list = out.get(m.target.name);
        if (!list) out.set(m.target.name, (list = []));
        list.push({ base: m.iova, size: m.source.size, space: "iova" });
      }
    }
    diagnostics.length = mark;
    this.nextId = ids;
    // Reservations are placed after this dry run: nothing it resolved is remembered.
    this.lastTargetName = "";
    return out;
  }

  /** The device address the line writes (`auto` when none); undefined when it is refused. */
  private start(s: MapDecl, target: ResolvedTarget | undefined): bigint | "auto" | undefined {
    let at: bigint | "auto" = "auto";
    if (s.at !== "auto") {
      const v = this.ctx.evaluator.eval(s.at);
      if (!v) return undefined;
      if (v.pa && target?.kind !== "direct")
        return this.ctx.report(
          diagnostic(D.addressSpaceMismatch.messages.mapAt, s.at.span, {
            space:
              target?.space === "va"
                ? "a virtual"
                : target?.space === "bus"
                  ? "a bus"
                  : "an IO virtual",
            address: hex(v.value),
          }),
        );
      at = v.value;
    }
    return at;
  }

  /** A mapping into a reservation starts at the reservation unless it says where inside. */
  private reservationStart(
    s: MapDecl,
    reservation: IrReservation,
    at: bigint | "auto",
  ): bigint | undefined {
    const r = reservation.range;
    if (at === "auto") return r.base;
    if (at >= r.base && at < r.base + r.size) return at;
    return this.ctx.report(
      diagnostic(
        D.reservationTooSmall,
        s.at === "auto" ? s.span : s.at.span,
        {
          address: hex(at),
          name: reservation.name,
          base: hex(r.base),
          size: formatSize(r.size),
        },
        { related: [{ span: reservation.span, message: "the reservation is declared here" }] },
      ),
    );
  }

  /** Where a device with no MMU sees piece `p`, if that is where the line wants it. */
  private directAddress(
    s: MapDecl,
    target: ResolvedTarget,
    p: MemoryPiece,
    next: bigint | "auto",
  ): bigint | undefined {
    const pa = p.chunks[0]?.pa ?? 0n;
    const offset = target.busOffset ?? 0n;
    if (pa < offset)
      return this.ctx.report(
        diagnostic(D.invalidValue.messages.belowOffset, s.source.span, {
          address: hex(pa),
          offset: hex(offset),
          name: target.name,
        }),
      );
    const iova = pa - offset;
    if (next !== "auto" && next !== iova)
      return this.ctx.report(
        diagnostic(D.invalidValue.messages.noMmu, s.span, {
          name: target.name,
          address: hex(iova),
          wanted: hex(next),
        }),
      );
    return iova;
  }

  private fitsReservation(s: MapDecl, r: IrReservation, p: MemoryPiece, iova: bigint): boolean {
    if (iova + p.size <= r.range.base + r.range.size) return true;
    const args = {
      size: formatSize(p.size),
      address: hex(iova),
      name: r.name,
      base: hex(r.range.base),
      reservationSize: formatSize(r.range.size),
    };
    const details = {
      related: [{ span: r.span, message: "the reservation is declared here" }],
    };
    this.ctx.report(
      p.buffer
        ? diagnostic(
            D.reservationTooSmall.messages.buffer,
            s.source.span,
            { ...args, buffer: p.buffer },
            details,
          )
        : diagnostic(D.reservationTooSmall.messages.slice, s.source.span, args, details),
    );
    return false;
  }

  private mapping(
    s: MapDecl,
    target: ResolvedTarget,
    p: MemoryPiece,
    iova: bigint | "auto",
    pageSize: bigint | undefined,
    scenario: string | undefined,
  ): IrMapping {
    let t = this.lastTarget;
    if (t.kind !== target.kind || t.name !== target.name)
      t = this.lastTarget = { kind: target.kind, name: target.name };
    const m: IrMapping = {
      id: this.nextId++,
      source: (p.source ??= sourceOf(p)),
      target: t,
      iova,
      perms: permissionsOf(s.perms),
      attrs: mappingAttributes(s.attributes, this.ctx.symbols.memories.get(p.memory)),
      p2p: s.p2p,
      pin: s.pin,
      span: s.span,
    };
    if (target.reservation) m.reservation = target.reservation.name;
    if (pageSize !== undefined) m.pageSize = pageSize;
    if (scenario !== undefined) m.scenario = scenario;
    return m;
  }
}

/** What a mapping of `p` maps: made once per piece and shared (a buffer's pieces are shared). */
function sourceOf(p: MemoryPiece): IrMapping["source"] {
  return p.buffer
    ? { memory: p.memory, chunks: p.chunks, size: p.size, buffer: p.buffer }
    : { memory: p.memory, chunks: p.chunks, size: p.size };
}

/**
 * One frozen object per combination of rights, shared by every mapping that has it (a
 * million-mapping topology would otherwise hold a million copies of sixteen objects).
 */
const PERMISSIONS: readonly IrPermissions[] = Array.from({ length: 16 }, (_, i) =>
  Object.freeze({ r: (i & 1) !== 0, w: (i & 2) !== 0, x: (i & 4) !== 0, priv: (i & 8) !== 0 }),
);

/** The rights a line's permission words give, in one pass over them. */
function permissionsOf(words: MapDecl["perms"]): IrPermissions {
  let bits = 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    bits |= w === "r" ? 1 : w === "w" ? 2 : w === "x" ? 4 : w === "priv" ? 8 : 0;
  }
  return PERMISSIONS[bits]!;
}
