/** The runtime verifier (`vcm run`, `vcm explain`): proofs from the emitted bytes. */
export { verify, type VerifyOptions } from "./verify.js";
export { verifyParallel, type ParallelOptions } from "./parallel.js";
export { explain, Explainer, type ExplainResult, type ExplainTableWalk } from "./explain.js";
export { runChecks } from "./checks.js";
export { runReportText, explainText, failureText, leavesText } from "./report-text.js";
export { runReportJson, explainJson, explainJsonLine, RUN_REPORT_VERSION } from "./report-json.js";
export { failureDiagnostics } from "./failure-sink.js";
export { frameToken } from "./frame-token.js";
export { runExitCode } from "./exit-code.js";
export type * from "./report.js";
