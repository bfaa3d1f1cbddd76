import type { Span } from "./span.js";

export type Severity = "error" | "warning" | "note";

export interface RelatedInformation {
  span: Span;
  message: string;
}

/**
 * One finding. `code` is stable (VCMnnnn) and `check` is the kebab name of the check that
 * produced it, so printers and directives can refer to either.
 */
export interface Diagnostic {
  code: string;
  check: string;
  severity: Severity;
  message: string;
  span?: Span;
  related?: RelatedInformation[];
  /** A short suggestion ("did you mean ...?"), printed after the message. */
  hint?: string;
}
