/**
 * Where the model reports what a step (or the base state) breaks: a run check by name with its
 * details. The runtime's FailureSink is one; the model never formats a report.
 */
import type { Span } from "../diagnostics/span.js";

export interface FailureDetail {
  message: string;
  expected: string;
  found: string;
  endpoint?: string;
  table?: string;
  address?: bigint;
  size?: bigint;
  span?: Span;
}

export interface FailureOut {
  add(check: string, failure: FailureDetail): void;
}
