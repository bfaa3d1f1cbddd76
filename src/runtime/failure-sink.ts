/** Collects failures: every one is counted, the first `max` are kept in detail. */
import {
  formatMessage,
  type CatalogueEntry,
  type Message,
  type MessageArgs,
} from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import type { FailureOut } from "../model/failure-out.js";
import type { RunFailure } from "./report.js";

/** A failure's details: everything but its code, name and (templated) message. */
export type FailureFields = Omit<RunFailure, "code" | "check" | "message">;

export class FailureSink implements FailureOut {
  readonly failures: RunFailure[] = [];
  count = 0;
  /** Scenario and step the failures being added belong to; `span` is the step's location. */
  context: { scenario?: string; step?: number; span?: Span } = {};

  constructor(readonly max: number) {}

  get full(): boolean {
    return this.failures.length >= this.max;
  }

  /** A failure of `message`'s diagnostic, its text from the catalogue's template. */
  report<M extends string>(message: Message<M>, args: MessageArgs<M>, fields: FailureFields): void {
    this.record(message.entry, formatMessage(message.template, args), fields);
  }

  /** One failure of `entry`: counted, and kept while there is room. */
  protected record(entry: CatalogueEntry, message: string, fields: FailureFields): void {
    this.count++;
    if (this.full) return;
    this.failures.push({
      code: entry.code,
      check: entry.name,
      message,
      ...this.context,
      ...fields,
    });
  }

  /** A failure built elsewhere (a worker thread), counted and kept as it is. */
  adopt(failure: RunFailure): void {
    this.count++;
    if (!this.full) this.failures.push(failure);
  }

  /** Count failures that were not detailed (a proof cut short by its limit). */
  addUncounted(n: number): void {
    this.count += n;
  }
}

/** Failures as diagnostics, for printers that speak Diagnostic. */
export function failureDiagnostics(failures: readonly RunFailure[]): Diagnostic[] {
  return failures.map((f) => {
    const d: Diagnostic = {
      code: f.code,
      check: f.check,
      severity: "error",
      message: f.message,
    };
    if (f.span) d.span = f.span;
    return d;
  });
}
