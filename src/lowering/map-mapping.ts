/**
 * One IR mapping into the live tables, and back out: the target's table is found (a cpu
 * context's upper half included), an `at auto` IOVA allocated, the rights fitted to the format,
 * and the pages written by the mapper (page-mapper.ts). A no-MMU target only gets its bus
 * addresses. Lowering maps the top-level mappings this way; the scenario model its steps.
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { hex } from "../diagnostics/format.js";
import type { Span } from "../diagnostics/span.js";
import { article } from "../diagnostics/wording.js";
import { mappingLabel, mappingSource } from "../ir/mapping-text.js";
import type { IrMapping } from "../ir/types.js";
import { requestProt } from "../plugin-api/rights.js";
import { halfAt, halvesText, tableInput } from "./address-halves.js";
import type { CompiledChunk, CompiledMapping } from "./compiled.js";
import type { GuestAddresses } from "./guest-addresses.js";
import { pluginFailure } from "./diagnostics.js";
import { ADDRESS_LIMIT } from "./iova-allocator.js";
import { allocateIova } from "./iova-placement.js";
import type { LiveTables, TableState } from "./live-tables.js";
import { mapPages, type MapResult } from "./page-mapper.js";
import type { ProgressCounter } from "./progress.js";
import { attrsOf, protOf } from "./protection.js";

const failed = (...diagnostics: Diagnostic[]) => ({ ok: false as const, diagnostics });

/**
 * Map one IR mapping into its live table (allocating its IOVA when `at auto`). On failure the
 * table is left as it was and the result holds the diagnostics.
 */
export function mapMapping(live: LiveTables, m: IrMapping, progress?: ProgressCounter): MapResult {
  const prot = protOf(m.perms);
  const attrs = attrsOf(m.attrs);
  if (m.target.kind === "direct") return mapDirect(live, m, prot, attrs);
  const found = placeInTable(live, m);
  if (!found.ok) return found;
  const { state, iova } = found;
  // A nested domain's leaves hold IPAs: the host memory mapped must be guest memory.
  const chunks = state.guest ? state.guest.toIpa(m.source.chunks) : m.source.chunks;
  if (!chunks) {
    if (m.iova === "auto") state.iovas.release(iova, m.source.size);
    return failed(
      diagnostic(D.stage1MapNotGuest, m.span, {
        mapping: mappingLabel(m),
        parent: state.guest!.domain,
        domain: state.table.name,
      }),
    );
  }
  // An execute-only request is read+execute on a format that cannot express it.
  const caps = live.mappers.get(state.table.mapper)?.caps;
  const result = mapPages(
    {
      table: state,
      id: m.id,
      target: m.target,
      iova,
      placement: m.iova === "auto" ? "allocated" : "fixed",
      chunks,
      prot: caps ? requestProt(prot, caps) : prot,
      attrs,
      ...(m.pageSize !== undefined ? { pageSize: m.pageSize } : {}),
      span: m.span,
      what: `mapping ${mappingSource(m)} into '${state.table.name}'`,
    },
    { watch: live.watch, progress },
  );
  if (!result.ok) {
    if (m.iova === "auto") state.iovas.release(iova, m.source.size);
    return result;
  }
  if (state.guest) hostAddresses(result.record, state.guest);
  result.record.memory = m.source.memory;
  if (m.source.buffer !== undefined) result.record.buffer = m.source.buffer;
  return result;
}

/** A nested mapping's record in host addresses (its intent), as written in IPAs. */
function hostAddresses(record: CompiledMapping, guest: GuestAddresses): void {
  for (const c of record.chunks) {
    c.pa = guest.toHost(c.pa) ?? c.pa;
    for (const r of c.runs) r.pa = guest.toHost(r.pa) ?? r.pa;
  }
}

/** The table and IOVA a table mapping goes to (an auto IOVA is taken from its allocator). */
function placeInTable(
  live: LiveTables,
  m: IrMapping,
): { ok: true; state: TableState; iova: bigint } | { ok: false; diagnostics: Diagnostic[] } {
  const state = live.tables.get(m.target.name);
  if (!state) return failed(...noTable(live, m));
  if (m.iova === "auto") {
    // A cpu context fills its lower half first, then its upper half's own table.
    const upper = live.upperTables.get(m.target.name);
    for (const candidate of upper ? [state, upper] : [state]) {
      const iova = allocateIova(candidate, m);
      if (iova !== undefined) return { ok: true, state: candidate, iova };
    }
    return failed(
      diagnostic(D.iovaSpaceExhausted, m.span, {
        domain: state.table.name,
        size: m.source.size,
        sizeHex: hex(m.source.size),
        mapping: mappingLabel(m),
        free: state.iovas.freeBytes,
      }),
    );
  }
  const iova = m.iova;
  if (iova + m.source.size > ADDRESS_LIMIT)
    return failed(
      diagnostic(D.iovaWraps, m.span, {
        mapping: mappingLabel(m),
        iova: hex(iova),
        size: hex(m.source.size),
      }),
    );
  const at = live.tableAt(m.target.name, iova) ?? state;
  const halves = at.table.halves;
  if (halves && !halfAt(halves, iova, m.source.size))
    return failed(
      diagnostic(D.addressOutsideHalves, m.span, {
        id: m.id,
        iova: hex(iova),
        size: hex(m.source.size),
        target: m.target.name,
        halves: halvesText(live.halvesOf(m.target.name)),
      }),
    );
  return { ok: true, state: at, iova };
}

/** Why a mapping's target has no table (nothing, when its mapper's absence was reported). */
function noTable(live: LiveTables, m: IrMapping): Diagnostic[] {
  const domain = live.domainsByName.get(m.target.name);
  if (domain && (domain.type === "identity" || domain.type === "blocked"))
    return [
      diagnostic(D.mappingIntoUntranslatedDomain, m.span, {
        mapping: mappingLabel(m),
        domain: domain.name,
        domainType: `${article(domain.type)} ${domain.type}`,
      }),
    ];
  if (!domain || live.mappers.has(domain.mapper))
    return [
      diagnostic(D.unknownMappingTarget, m.span, {
        mapping: mappingLabel(m),
        kind: m.target.kind,
        target: m.target.name,
      }),
    ];
  return [];
}

/** A no-MMU endpoint's mapping: its bus addresses, nothing to write. */
function mapDirect(live: LiveTables, m: IrMapping, prot: number, attrs: number): MapResult {
  const ep = live.ir.endpoints.find((e) => e.name === m.target.name);
  if (!ep)
    return failed(
      diagnostic(D.unknownMappingTarget.messages.noEndpoint, m.span, {
        mapping: mappingLabel(m),
        target: m.target.name,
      }),
    );
  const chunks: CompiledChunk[] = [];
  for (const c of m.source.chunks) {
    const bus = c.pa - ep.busOffset;
    if (bus < 0n || bus + c.size > ADDRESS_LIMIT)
      return failed(
        diagnostic(D.iovaWraps.messages.busAddress, m.span, {
          endpoint: ep.name,
          pa: hex(c.pa),
          bus: `${bus < 0n ? "-" : ""}${hex(bus < 0n ? -bus : bus)}`,
        }),
      );
    chunks.push({ iova: bus, pa: c.pa, size: c.size, runs: [] });
  }
  const record: CompiledMapping = {
    id: m.id,
    target: { ...m.target },
    iova: m.iova === "auto" ? (chunks[0]?.iova ?? 0n) : m.iova,
    size: m.source.size,
    autoIova: m.iova === "auto",
    chunks,
    prot,
    attrs,
    leafCounts: {},
    memory: m.source.memory,
  };
  if (m.source.buffer !== undefined) record.buffer = m.source.buffer;
  return { ok: true, record };
}

/**
 * Undo a mapping made by `mapMapping`: unmap it from its table, give an auto IOVA back to the
 * allocator and drop its leaves from the table's footprint. Returns the diagnostics of a failure
 * (none: done).
 */
export function unmapMapping(
  live: LiveTables,
  record: CompiledMapping,
  span?: Span,
): { ok: boolean; diagnostics: Diagnostic[] } {
  if (record.table === undefined) return { ok: true, diagnostics: [] };
  const state = live.tables.get(record.table);
  if (!state) return { ok: false, diagnostics: [] };
  const what = `unmapping ${record.buffer ?? record.memory} from '${record.table}'`;
  live.watch?.subject?.(what, span);
  try {
    for (const c of record.chunks)
      state.plugin.unmap(state.handle, tableInput(state.table, c.iova), c.size);
  } catch (e) {
    return { ok: false, diagnostics: [pluginFailure(e, what, span)] };
  }
  for (const [key, n] of Object.entries(record.leafCounts)) {
    const left = (state.table.leafCounts[key] ?? 0) - n;
    if (left > 0) state.table.leafCounts[key] = left;
    else delete state.table.leafCounts[key];
  }
  if (record.autoIova) state.iovas.release(record.iova, record.size);
  return { ok: true, diagnostics: [] };
}
