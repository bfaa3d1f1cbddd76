/**
 * The mapper: one `MapRequest` (a table, an IOVA, physically contiguous chunks, rights and
 * attributes) is planned into page runs (page-plan.ts) and written through the table's plugin
 * in slices; the `MapResult` is the mapping's record, or the diagnostics of a failure, after
 * which whatever was mapped has been unmapped again.
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { hex } from "../diagnostics/format.js";
import type { Span } from "../diagnostics/span.js";
import type { IrChunk, IrTargetKind } from "../ir/types.js";
import { tableInput } from "./address-halves.js";
import { leafKey, type CompiledChunk, type CompiledMapping } from "./compiled.js";
import { pluginFailure } from "./diagnostics.js";
import type { TableState } from "./live-tables.js";
import { planPages, type PageRun } from "./page-plan.js";
import type { CallWatch } from "./plugin-guard.js";
import type { ProgressCounter } from "./progress.js";

/** The most pages one `map` call is given (a run of more is mapped in slices). */
const PAGES_PER_CALL = 1 << 18;

export interface MapRequest {
  table: TableState;
  /** The IR mapping's id (negative for unity ranges). */
  id: number;
  target: { kind: IrTargetKind; name: string };
  /** Where the first chunk goes; the rest follow at consecutive addresses. */
  iova: bigint;
  /** How the IOVA was chosen; only recorded (the manifest's `autoIova`). */
  placement: "fixed" | "allocated";
  chunks: readonly IrChunk[];
  prot: number;
  attrs: number;
  /** `pages 4K`: only this page size. */
  pageSize?: bigint;
  span: Span;
  /** What messages call this mapping ("mapping frame[0] into 'disp_dom'"). */
  what: string;
}

export type MapResult =
  { ok: true; record: CompiledMapping } | { ok: false; diagnostics: Diagnostic[] };

export interface MapperContext {
  watch?: CallWatch | undefined;
  progress?: ProgressCounter | undefined;
}

/** Plan and map every chunk at consecutive IOVAs; on any failure undo what was mapped. */
export function mapPages(request: MapRequest, context: MapperContext = {}): MapResult {
  const planned = planChunks(request);
  if (!Array.isArray(planned)) return { ok: false, diagnostics: [planned] };
  const state = request.table;
  const { what, span } = request;
  const done: PageRun[] = [];
  context.watch?.subject?.(what, span);
  try {
    for (const chunk of planned) {
      for (const run of chunk.runs) {
        // Long runs go in slices, so a progress bar moves and a watchdog sees calls end.
        for (let first = 0; first < run.count; first += PAGES_PER_CALL) {
          const count = Math.min(PAGES_PER_CALL, run.count - first);
          const offset = run.pageSize * BigInt(first);
          const slice = {
            iova: run.iova + offset,
            pa: run.pa + offset,
            pageSize: run.pageSize,
            count,
          };
          const input = tableInput(state.table, slice.iova);
          state.plugin.map(
            state.handle,
            input,
            slice.pa,
            run.pageSize,
            count,
            request.prot,
            request.attrs,
          );
          done.push(slice);
          context.progress?.add(run.pageSize, count, what);
        }
      }
    }
  } catch (e) {
    undo(state, done);
    return { ok: false, diagnostics: [pluginFailure(e, what, span)] };
  }
  return { ok: true, record: recordOf(request, planned) };
}

/** The page runs of every chunk, or the diagnostic saying why they cannot be planned. */
function planChunks(request: MapRequest): CompiledChunk[] | Diagnostic {
  const state = request.table;
  const { what, span } = request;
  const planned: CompiledChunk[] = [];
  let at = request.iova;
  for (const c of request.chunks) {
    const plan = planPages(at, c.pa, c.size, state.pageSizes, request.pageSize);
    if (!Array.isArray(plan)) {
      return plan.kind === "unsupported-size"
        ? diagnostic(D.pageSizeUnsupported, span, {
            what,
            pageSize: hex(plan.pageSize),
            format: state.table.format,
            sizes: state.pageSizes.map(hex).join(", "),
          })
        : diagnostic(D.mappingUnaligned, span, {
            what,
            iova: hex(at),
            pa: hex(c.pa),
            size: hex(c.size),
            page: hex(plan.smallest),
          });
    }
    planned.push({ iova: at, pa: c.pa, size: c.size, runs: plan });
    at += c.size;
  }
  return planned;
}

/** Best effort: the mapping already failed; a scenario reports the first error. */
function undo(state: TableState, done: readonly PageRun[]): void {
  for (const run of done) {
    try {
      const input = tableInput(state.table, run.iova);
      state.plugin.unmap(state.handle, input, run.pageSize * BigInt(run.count));
    } catch {
      // Nothing more to do: the first failure is the one reported.
    }
  }
}

/** The record of a mapping made, its leaves added to its table's footprint. */
function recordOf(request: MapRequest, planned: CompiledChunk[]): CompiledMapping {
  const table = request.table.table;
  const leafCounts: Record<string, number> = {};
  for (const chunk of planned) {
    for (const run of chunk.runs) {
      const key = leafKey(run.pageSize);
      leafCounts[key] = (leafCounts[key] ?? 0) + run.count;
      table.leafCounts[key] = (table.leafCounts[key] ?? 0) + run.count;
    }
  }
  let size = 0n;
  for (const c of request.chunks) size += c.size;
  return {
    id: request.id,
    target: { ...request.target },
    table: table.name,
    iova: request.iova,
    size,
    autoIova: request.placement === "allocated",
    chunks: planned,
    prot: request.prot,
    attrs: request.attrs,
    leafCounts,
    memory: "",
  };
}
