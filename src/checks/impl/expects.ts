/**
 * `expect` lines that the declared (top-level) mappings already contradict. Only certain
 * contradictions are reported: what an allocator or passthrough might still make true is left
 * to the runtime proof. Scenario expects change state step by step and are the runtime's too.
 */
import type { IrChunk, IrEndpoint, IrExpect, IrMapping, IrPermissions } from "../../ir/types.js";
import { D, text } from "../../diagnostics/catalogue.js";
import { hex } from "../../diagnostics/format.js";
import { PROT_EXEC, PROT_READ, PROT_WRITE } from "../../plugin-api/types.js";
import { defineCheck, type CheckContext } from "../check.js";
import { PLUGINS_USABLE } from "./needs.js";
import { ChunkSet } from "./chunk-set.js";
import { indexIr, rangesOverlap, type IrIndex } from "./ir-index.js";
import { mappingRights } from "./rights.js";

const PERM: Record<"reads" | "writes" | "executes", keyof IrPermissions> = {
  reads: "r",
  writes: "w",
  executes: "x",
};
const RIGHT = { reads: PROT_READ, writes: PROT_WRITE, executes: PROT_EXEC } as const;

/** The address spaces an endpoint translates through, or "all"/"none" for identity/blocked. */
function spacesOf(
  ctx: CheckContext,
  index: IrIndex,
  e: IrEndpoint,
): string[] | "direct" | "unknown" {
  if (!e.mapper) return "direct";
  if (e.domain) return [e.domain];
  const spaces: string[] = [];
  for (const d of index.domainsOfDevice.get(e.name) ?? []) {
    if (d.type === "identity" || d.type === "unmanaged") return "unknown";
    if (d.type === "blocked") continue;
    spaces.push(d.name);
  }
  for (const c of ctx.ir.containers)
    if (c.mapper === e.mapper && e.group !== undefined && c.groups.includes(e.group))
      for (const w of c.windows) spaces.push(w.qualifiedName);
  return spaces;
}

/** Unity (identity) ranges of the endpoint's domains: mapped read-write by the lowering. */
function unityChunks(index: IrIndex, spaces: string[] | "direct"): IrChunk[] {
  if (spaces === "direct") return [];
  const out: IrChunk[] = [];
  for (const name of spaces)
    for (const r of index.domains.get(name)?.reserved ?? [])
      if (r.kind === "unity") out.push({ pa: r.range.base, size: r.range.size });
  return out;
}

/**
 * Physical ranges an endpoint reaches untranslated, by design: outside the aperture of a domain
 * whose format passes such accesses through (GART `outside passthrough`), iova == pa, up to the
 * endpoint's dma-mask. The runtime grants them every right.
 */
function passthroughChunks(
  ctx: CheckContext,
  index: IrIndex,
  spaces: string[] | "direct",
  e: IrEndpoint,
): IrChunk[] {
  if (spaces === "direct") return [];
  const limit = e.dmaMaskBits >= 64 ? 1n << 64n : 1n << BigInt(e.dmaMaskBits);
  const out: IrChunk[] = [];
  for (const name of spaces) {
    const d = index.domains.get(name);
    if (!d || ctx.capabilities(d.mapper)?.outside !== "passthrough") continue;
    const end = d.aperture.base + d.aperture.size;
    if (d.aperture.base > 0n) out.push({ pa: 0n, size: minBig(d.aperture.base, limit) });
    if (end < limit) out.push({ pa: end, size: limit - end });
  }
  return out.filter((c) => c.size > 0n);
}

const minBig = (a: bigint, b: bigint) => (a < b ? a : b);

/** The mappings of `mappings` that touch any of `chunks`. */
function touching(mappings: readonly IrMapping[], chunks: readonly IrChunk[]): IrMapping[] {
  const out: IrMapping[] = [];
  // One chunk (the usual object: one buffer) is compared directly; more through a ChunkSet.
  if (chunks.length === 1) {
    const { pa, size } = chunks[0]!;
    if (size <= 0n) return out;
    const end = pa + size;
    for (const m of mappings)
      for (const a of m.source.chunks)
        if (a.size > 0n && a.pa < end && pa < a.pa + a.size) {
          out.push(m);
          break;
        }
    return out;
  }
  const set = new ChunkSet(chunks);
  for (const m of mappings)
    if (m.source.chunks.some((a) => set.overlaps(a.pa, a.size))) out.push(m);
  return out;
}

/** What every expect of one endpoint is checked against, worked out once per endpoint. */
interface EndpointView {
  spaces: string[] | "direct";
  passthrough: IrChunk[];
  unity: IrChunk[];
  /** The top-level mappings of its address spaces. */
  mappings: readonly IrMapping[];
}

function endpointView(ctx: CheckContext, index: IrIndex, e: IrEndpoint): EndpointView | undefined {
  const spaces = spacesOf(ctx, index, e);
  if (spaces === "unknown") return undefined;
  const mappings =
    spaces === "direct"
      ? []
      : spaces.length === 1
        ? (index.mappingsByTarget.get(spaces[0]!) ?? [])
        : spaces.flatMap((s) => index.mappingsByTarget.get(s) ?? []);
  return {
    spaces,
    passthrough: passthroughChunks(ctx, index, spaces, e),
    unity: unityChunks(index, spaces),
    mappings,
  };
}

const said = D.expectContradiction.messages;

export const expectContradiction = defineCheck(D.expectContradiction, {
  cost: "needs-plugins",
  needs: PLUGINS_USABLE,
  run(ctx) {
    const { ir, report } = ctx;
    const index = indexIr(ir);
    const memories = ir.memories;
    const rights = mappingRights(ctx, index);
    // Endpoint name -> the endpoint and its view, worked out at its first expect: one lookup
    // per expect (looking names up was most of this check's time).
    const slots = new Map<string, { endpoint: IrEndpoint; view?: EndpointView | null }>();
    for (const e of ir.endpoints) slots.set(e.name, { endpoint: e });
    let lastName: string | undefined;
    let slot: { endpoint: IrEndpoint; view?: EndpointView | null } | undefined;
    for (let i = 0; i < ir.expects.length; i++) {
      const x = ir.expects[i]!;
      // An endpoint's expects mostly come together: the lookup only when the endpoint changes.
      if (x.endpoint !== lastName) {
        lastName = x.endpoint;
        slot = slots.get(x.endpoint);
      }
      if (!slot) continue;
      const e = slot.endpoint;
      if (slot.view === undefined) slot.view = endpointView(ctx, index, e) ?? null;
      const view = slot.view;
      if (!view) continue;
      const { passthrough } = view;
      if (passthrough.length > 0 && passthroughContradiction(x, e, passthrough, memories, report))
        continue;
      checkOne(x, e, view, memories, report, rights);
    }
  },
});

/**
 * One expect against the declared mappings. Long on purpose: each kind of expectation (a fault,
 * a no-MMU endpoint, a unity range, a negated or a plain access) is one short branch over the
 * same locals; split apart, each piece would take the same eight arguments.
 */
function checkOne(
  x: IrExpect,
  e: IrEndpoint,
  { spaces, unity, mappings }: EndpointView,
  memories: CheckContext["ir"]["memories"],
  report: CheckContext["report"],
  rights: (m: IrMapping) => number,
): void {
  const ex = x.expectation;
  if (ex.kind === "sees") return;
  if (spaces === "direct") {
    const limit = 1n << BigInt(e.dmaMaskBits);
    if (ex.kind === "faults") {
      const pa = ex.at + e.busOffset;
      const mem = memories.find((m) => pa >= m.range.base && pa < m.range.base + m.range.size);
      if (mem && ex.at < limit)
        report(said.noMmuDoesNotFault, x.span, {
          endpoint: e.name,
          address: hex(ex.at),
          memory: mem.name,
        });
    } else if (ex.negated) {
      const reachable = ex.object.chunks.every(
        (c) => c.pa >= e.busOffset && c.pa - e.busOffset + c.size <= limit,
      );
      if (reachable)
        report(said.noMmuReaches, x.span, { endpoint: e.name, verb: ex.verb.replace(/s$/, "") });
    }
    return;
  }
  if (ex.kind === "faults") {
    const hit = mappings.find(
      (m) => m.iova !== "auto" && ex.at >= m.iova && ex.at < m.iova + m.source.size,
    );
    if (hit)
      report(
        said.mappedDoesNotFault,
        x.span,
        { address: hex(ex.at), endpoint: e.name },
        { related: [{ span: hit.span, message: text(said.coveringMapping) }] },
      );
    return;
  }
  const relevant = touching(mappings, ex.object.chunks);
  const perm = PERM[ex.verb];
  const inUnity =
    unity.length > 0 &&
    ex.object.chunks.some((c) => unity.some((u) => rangesOverlap(c.pa, c.size, u.pa, u.size)));
  if (inUnity && perm !== "x") {
    if (ex.negated) report(said.unity, x.span, { endpoint: e.name });
    return;
  }
  // A function: the text is needed only for a report, and most expects hold.
  const what = () =>
    ex.object.buffers.length > 0
      ? text(said.buffers, { buffers: ex.object.buffers.join("', '") })
      : text(said.thisMemory);
  // Rights in effect on the mapping's format (a GART `r` entry also writes, a TCE `w` reads).
  const right = RIGHT[ex.verb];
  if (ex.negated) {
    const hit = relevant.find((m) => rights(m) & right);
    if (hit)
      report(
        hit.perms[perm] ? said.mappedWith : said.formatGrants,
        x.span,
        { what: what(), perm, endpoint: e.name, perms: permText(hit) },
        { related: [{ span: hit.span, message: text(said.allows) }] },
      );
  } else if (relevant.length === 0) {
    report(D.expectContradiction, x.span, { what: what(), endpoint: e.name });
  } else if (!relevant.some((m) => rights(m) & right)) {
    report(
      said.lacks,
      x.span,
      { what: what(), endpoint: e.name, perm },
      {
        related: relevant.slice(0, 3).map((m) => ({ span: m.span, message: text(said.without) })),
      },
    );
  }
}

function permText(m: IrMapping): string {
  return (m.perms.r ? "r" : "") + (m.perms.w ? "w" : "") + (m.perms.x ? "x" : "");
}

/**
 * An expect about memory the endpoint reaches untranslated (outside a passthrough aperture):
 * reported when certainly false; true when the expect is settled here (nothing more to check).
 */
function passthroughContradiction(
  x: IrExpect,
  e: IrEndpoint,
  passthrough: readonly IrChunk[],
  memories: CheckContext["ir"]["memories"],
  report: CheckContext["report"],
): boolean {
  const ex = x.expectation;
  const inside = (a: bigint) => passthrough.some((c) => a >= c.pa && a < c.pa + c.size);
  if (ex.kind === "faults") {
    if (!inside(ex.at)) return false;
    const mem = memories.find((m) => ex.at >= m.range.base && ex.at < m.range.base + m.range.size);
    report(said.passthroughFault, x.span, {
      address: hex(ex.at),
      endpoint: e.name,
      memory: mem ? text(said.passthroughMemory, { memory: mem.name }) : "",
    });
    return true;
  }
  if (ex.kind !== "access") return false;
  const overlaps = ex.object.chunks.some((c) =>
    passthrough.some((p) => rangesOverlap(c.pa, c.size, p.pa, p.size)),
  );
  if (!overlaps) return false;
  if (ex.negated)
    report(said.passthroughReaches, x.span, {
      endpoint: e.name,
      verb: ex.verb.replace(/s$/, ""),
    });
  return true;
}
