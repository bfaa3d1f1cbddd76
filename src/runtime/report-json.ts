/** The `--json` form of a RunReport (schema in docs/RUN-REPORT.md): BigInts as hex strings. */
import type { ExplainResult } from "./explain.js";
import type { RunReport } from "./report.js";

export const RUN_REPORT_VERSION = 1;

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return "0x" + value.toString(16);
  return value;
}

/** What was moved before the proof (`vcm run --relocate-to`): the JSON says it, as the text does. */
export interface RelocatedJson {
  pool: string;
  from: bigint;
  to: bigint;
  entries: number;
  registers: number;
}

export function runReportJson(report: RunReport, relocated?: RelocatedJson): string {
  const head = { runReportVersion: RUN_REPORT_VERSION, ...(relocated ? { relocated } : {}) };
  return JSON.stringify({ ...head, ...report }, replacer, 2);
}

export function explainJson(result: ExplainResult): string {
  return JSON.stringify(result, replacer, 2);
}

/** One explained address as one line of JSON (`vcm explain --json`: JSON lines). */
export function explainJsonLine(result: ExplainResult): string {
  return JSON.stringify(result, replacer) + "\n";
}
