/**
 * What proving one endpoint added to the failure sink, in order, so a worker thread's proof can
 * be replayed on the main thread's sink exactly where the single-thread run would have added it:
 * failures, failures only counted, and table page lists whose pool/ownership check needs every
 * table of the run (done by the main thread when the list is replayed).
 */
import type { CatalogueEntry } from "../diagnostics/catalogue.js";
import { FailureSink, type FailureFields } from "./failure-sink.js";
import type { Prover, TablePages, TableRef } from "./prover.js";
import type { RunFailure } from "./report.js";
import { plainSpan, type SpanIndex } from "./span-transfer.js";

export type SinkEvent =
  | { kind: "failure"; failure: RunFailure }
  | { kind: "counted"; count: number }
  | { kind: "table-pages"; ref: TableRef; pages: TablePages };

export class RecordingSink extends FailureSink {
  events: SinkEvent[] = [];

  protected override record(entry: CatalogueEntry, message: string, fields: FailureFields): void {
    const kept = this.failures.length;
    super.record(entry, message, fields);
    if (this.failures.length > kept) {
      this.events.push({ kind: "failure", failure: this.failures[kept]! });
    } else {
      this.events.push({ kind: "counted", count: 1 });
    }
  }

  override addUncounted(n: number): void {
    super.addUncounted(n);
    this.events.push({ kind: "counted", count: n });
  }

  /** The events since the last call, ready to post: spans made plain (see span-transfer.ts). */
  takeForPosting(): SinkEvent[] {
    return this.take().map((e) =>
      e.kind === "failure" && e.failure.span
        ? { kind: "failure", failure: { ...e.failure, span: plainSpan(e.failure.span) } }
        : e,
    );
  }

  tablePages(ref: TableRef, pages: TablePages): void {
    this.events.push({ kind: "table-pages", ref, pages });
  }

  /** The events since the last call. */
  take(): SinkEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }
}

/** Replay one endpoint's events into the main thread's sink; returns the failures added. */
export function replayEvents(
  events: readonly SinkEvent[],
  prover: Prover,
  spans: SpanIndex,
): number {
  const sink = prover.sink;
  const before = sink.count;
  for (const e of events) {
    if (e.kind === "failure") {
      const f = e.failure;
      sink.adopt(f.span ? { ...f, span: spans.own(f.span) } : f);
    } else if (e.kind === "counted") sink.addUncounted(e.count);
    else prover.checkTablePageList(e.ref, () => e.pages);
  }
  return sink.count - before;
}
