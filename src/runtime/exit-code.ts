/** Exit semantics of `vcm run`: 0 all proved, 1 a check failed (bad input is 2, decided by the CLI before verifying). */
import type { RunReport } from "./report.js";

export function runExitCode(report: RunReport): 0 | 1 {
  return report.status === "proved" ? 0 : 1;
}
