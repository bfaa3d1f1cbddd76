/**
 * Where the model reports what a step (or the base state) breaks: a run diagnostic of the
 * catalogue, its template's arguments and the failure's details. The runtime's FailureSink is
 * one; the model never formats a report.
 */
import { formatMessage, type Message, type MessageArgs } from "../diagnostics/catalogue.js";
import type { Span } from "../diagnostics/span.js";

export interface FailureDetail {
  expected: string;
  found: string;
  endpoint?: string;
  table?: string;
  address?: bigint;
  size?: bigint;
  span?: Span;
}

export interface FailureOut {
  report<M extends string>(message: Message<M>, args: MessageArgs<M>, detail: FailureDetail): void;
}

/** A refusal worded from the catalogue: its text (steps report it as what was found) and how to report it. */
export interface Refusal {
  ok: false;
  text: string;
  send(out: FailureOut, detail: FailureDetail): void;
}

export function refusal<M extends string>(message: Message<M>, args: MessageArgs<M>): Refusal {
  return {
    ok: false,
    text: formatMessage(message.template, args),
    send: (out, detail) => out.report(message, args, detail),
  };
}
