/** Human-readable `vcm run` output: a summary table per endpoint, then each failure with its walk. */
import { hex } from "../diagnostics/format.js";
import { formatDiagnostic, type TextPrintOptions } from "../diagnostics/printers/text.js";
import type { ExplainResult } from "./explain.js";
import type { RunFailure, RunReport } from "./report.js";
import { protText } from "../lowering/protection.js";
import type { WalkStep } from "../plugin-api/types.js";

function sizeText(bytes: number): string {
  const units: [number, string][] = [
    [2 ** 30, "G"],
    [2 ** 20, "M"],
    [2 ** 10, "K"],
  ];
  for (const [u, s] of units) if (bytes >= u && bytes % u === 0) return `${bytes / u}${s}`;
  return `${bytes}`;
}

export function leavesText(leaves: Record<string, number>): string {
  const keys = Object.keys(leaves).sort((a, b) => Number(a) - Number(b));
  return keys.length === 0 ? "-" : keys.map((k) => `${sizeText(Number(k))}x${leaves[k]}`).join(" ");
}

/** Reachable pages by decoded attributes, e.g. `cacheable:16 device:4`; `-` when none apply. */
export function attributesText(attributes: Record<string, number>): string {
  const keys = Object.keys(attributes).sort();
  return keys.length === 0 ? "-" : keys.map((k) => `${k}:${attributes[k]}`).join(" ");
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => rows.reduce((w, r) => Math.max(w, r[i]!.length), 0));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** One line per level; `(allows rw-)` is what that level leaves (a leaf: its own rights). */
export function traceText(steps: readonly WalkStep[], indent = "    "): string {
  return steps
    .map(
      (s) =>
        `${indent}L${s.level} [${s.index}] @${hex(s.descriptorAddress)} = ${hex(s.descriptor)}  ${s.decoded}` +
        (s.allows !== undefined ? `  (allows ${protText(s.allows)})` : ""),
    )
    .join("\n");
}

/**
 * One failure in the format of `vcm check` diagnostics (`file:line:col: error[CODE]: message
 * [check]`, a code frame when `print.sources` holds the file), then where and what was read.
 */
export function failureText(f: RunFailure, print: TextPrintOptions = NO_FRAMES): string {
  const scope = f.scenario ? ` [scenario ${f.scenario}${f.step ? ` step ${f.step}` : ""}]` : "";
  const head = formatDiagnostic(
    {
      code: f.code,
      check: f.check,
      severity: "error",
      message: `${f.message}${scope}`,
      ...(f.span ? { span: f.span } : {}),
    },
    print,
  );
  const lines = [head];
  if (f.address !== undefined) {
    lines.push(
      `    at ${hex(f.address)}${f.size !== undefined ? ` (+${hex(f.size)})` : ""}${f.table ? ` in table ${f.table}` : ""}`,
    );
  }
  lines.push(`    expected: ${f.expected}`, `    found:    ${f.found}`);
  if (f.trace && f.trace.length > 0) lines.push("    walk:", traceText(f.trace, "      "));
  return lines.join("\n");
}

const NO_FRAMES: TextPrintOptions = { color: false, sources: new Map() };

/** `print`: colour and the sources for code frames, as `vcm check` prints diagnostics. */
export function runReportText(report: RunReport, print: TextPrintOptions = NO_FRAMES): string {
  const rows = [["endpoint", "route", "pages", "reachable", "leaves", "attributes", "result"]];
  for (const e of report.endpoints) {
    rows.push([
      e.endpoint,
      e.route,
      String(e.pagesChecked),
      String(e.pagesReachable),
      leavesText(e.leaves),
      attributesText(e.attributes ?? {}),
      e.ok ? "ok" : `FAIL (${e.failures})`,
    ]);
  }
  const out = [`topology ${report.topology}`, table(rows)];
  if (report.expects.length > 0) {
    out.push("");
    for (const x of report.expects) out.push(`${x.ok ? "ok  " : "FAIL"} expect ${x.text}`);
  }
  if (report.reservations.length > 0) out.push("");
  for (const r of report.reservations) {
    const rest = r.size - r.backed;
    out.push(
      `reservation ${r.name} in ${r.domain} ${hex(r.base)}..${hex(r.base + r.size)}: ` +
        (r.backed === 0n
          ? "unbacked, faults"
          : `${hex(r.backed)} bytes backed by ${r.by.join(", ")}` +
            (rest > 0n ? `, ${hex(rest)} unbacked (faults)` : "")),
    );
  }
  for (const s of report.scenarios) {
    out.push("", `scenario ${s.name}: ${s.ok ? "ok" : "FAILED"}`);
    for (const st of s.steps) {
      const re =
        st.reverified.length > 0
          ? ` (re-proved ${st.reverified.join(", ")}: ${st.pagesChecked} pages)`
          : "";
      out.push(`  ${st.ok ? "ok  " : "FAIL"} ${st.step}. ${st.text}${re}`);
      for (const n of st.notes) out.push(`         ${n}`);
    }
    for (const c of s.containers) {
      out.push(
        `  locked memory of ${c.container}${c.owner !== c.container ? ` (owner ${c.owner})` : ""}: ${hex(c.lockedStart)} -> ${hex(c.lockedEnd)} (limit ${hex(c.limit)})`,
      );
    }
  }
  if (report.failures.length > 0) {
    out.push("");
    for (const f of report.failures) out.push(failureText(f, print));
    if (report.failureCount > report.failures.length) {
      out.push(`... and ${report.failureCount - report.failures.length} more failure(s)`);
    }
  }
  out.push(
    "",
    report.status === "proved"
      ? `proved: ${report.pagesChecked} pages on ${report.endpoints.length} endpoint(s) see exactly the intended memory`
      : `FAILED: ${report.failureCount} failure(s)`,
  );
  return out.join("\n") + "\n";
}

export function explainText(r: ExplainResult): string {
  const out = [`${r.endpoint} ${hex(r.address)}: ${r.route}`];
  for (const b of r.bindingSteps ?? [])
    out.push(`  ${b.structure} @ ${hex(b.address)} = ${hex(b.value)}: ${b.decoded}`);
  if (r.binding) out.push(`  binding: ${r.binding}`);
  for (const x of r.registers ?? []) out.push(`  registers: ${x}`);
  for (const w of r.walks) {
    const half =
      w.half !== undefined
        ? `, ${w.half} half${w.input !== r.address ? `, table input ${hex(w.input ?? 0n)}` : ""}`
        : "";
    const regime = w.regime !== undefined ? `, ${w.regime} regime` : "";
    const wxn = w.writeExecNever ? ", WXN" : "";
    out.push(
      `  table ${w.table} (${w.format}${regime}${wxn}, root ${hex(w.root)}${half})`,
      traceText(w.steps, "    "),
    );
    out.push(
      w.result.ok
        ? `    -> pa ${hex(w.result.pa)} ${w.result.prot}${w.result.attributes ? ` ${w.result.attributes}` : ""}`
        : `    -> fault at level ${w.result.level}: ${w.result.reason}`,
    );
  }
  out.push(
    r.outcome.ok
      ? `  lands on pa ${hex(r.outcome.pa)} (${r.outcome.memory}, token ${r.outcome.token.toString(16).padStart(8, "0")}) ${r.outcome.prot}${r.outcome.attributes ? ` ${r.outcome.attributes}` : ""} via ${r.outcome.via}`
      : `  faults: ${r.outcome.reason}`,
  );
  return out.join("\n") + "\n";
}
