/** The `--json` form of a RunReport (schema in docs/RUN-REPORT.md): BigInts as hex strings. */
import type { ExplainResult } from "./explain.js";
import type { RunReport } from "./report.js";

export const RUN_REPORT_VERSION = 1;

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return "0x" + value.toString(16);
  return value;
}

export function runReportJson(report: RunReport): string {
  return JSON.stringify({ runReportVersion: RUN_REPORT_VERSION, ...report }, replacer, 2);
}

export function explainJson(result: ExplainResult): string {
  return JSON.stringify(result, replacer, 2);
}

/** One explained address as one line of JSON (`vcm explain --json`: JSON lines). */
export function explainJsonLine(result: ExplainResult): string {
  return JSON.stringify(result, replacer) + "\n";
}
