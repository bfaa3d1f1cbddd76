/** Collects failures: every one is counted, the first `max` are kept in detail. */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import { runCheck } from "./checks.js";
import type { RunFailure } from "./report.js";

export class FailureSink {
  readonly failures: RunFailure[] = [];
  count = 0;
  /** Scenario and step the failures being added belong to; `span` is the step's location. */
  context: { scenario?: string; step?: number; span?: Span } = {};

  constructor(readonly max: number) {}

  get full(): boolean {
    return this.failures.length >= this.max;
  }

  add(check: string, failure: Omit<RunFailure, "code" | "check">): void {
    this.count++;
    if (this.full) return;
    const def = runCheck(check);
    this.failures.push({ code: def.code, check: def.name, ...this.context, ...failure });
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
