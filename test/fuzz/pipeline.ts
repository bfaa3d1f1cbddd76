/**
 * One fuzz case through the whole pipeline in this process: check, then (when clean) lower,
 * write and load back, then prove. Returns what went wrong, if anything: an exception (a stack
 * trace for a user), an internal-error diagnostic, or a diagnostic with no location.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCompiled } from "../../src/compile/load-compiled.js";
import { writeCompileOutput } from "../../src/compile/write-output.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { lower } from "../../src/lowering/lower.js";
import { checkTopology } from "../../src/pipeline/check-topology.js";
import { failureDiagnostics, verify } from "../../src/runtime/index.js";

export const SAMPLES = new URL("../../samples/", import.meta.url);

/** Checks whose only meaning is "VCM itself failed". */
export const INTERNAL = new Set(["internal-error", "plugin-internal-error", "run-internal-error"]);

/** Leaves a case may map and still be proved here (bigger ones stop after lowering). */
const PROVE_LIMIT_PAGES = 1 << 22;

export interface CaseResult {
  stage: "check" | "lower" | "write" | "run" | "done";
  problems: string[];
}

function problemsOf(stage: string, diagnostics: readonly Diagnostic[]): string[] {
  const out: string[] = [];
  for (const d of diagnostics) {
    if (INTERNAL.has(d.check)) out.push(`${stage}: ${d.code} ${d.check}: ${d.message}`);
    if (!d.span) out.push(`${stage}: ${d.code} has no location: ${d.message}`);
  }
  return out;
}

export async function runCase(text: string): Promise<CaseResult> {
  const dir = mkdtempSync(join(tmpdir(), "vcm-fuzz-"));
  const problems: string[] = [];
  let stage: CaseResult["stage"] = "check";
  try {
    cpSync(new URL("common/", SAMPLES), join(dir, "common"), { recursive: true });
    const file = join(dir, "case.vcm");
    writeFileSync(file, text);
    const checked = await checkTopology(file, { cwd: dir });
    problems.push(...problemsOf("check", checked.diagnostics));
    if (!checked.ir || checked.diagnostics.some((d) => d.severity === "error")) {
      return { stage, problems };
    }
    stage = "lower";
    const lowered = lower(checked.ir, checked.registry);
    problems.push(...problemsOf("lower", lowered.diagnostics));
    if (!lowered.compiled) return { stage, problems };
    stage = "write";
    const out = join(dir, "out");
    writeCompileOutput(lowered.compiled, out);
    const pages = lowered.compiled.mappings.reduce((n, m) => n + Number(m.size >> 12n), 0);
    if (pages > PROVE_LIMIT_PAGES) return { stage, problems };
    const loaded = loadCompiled(out, checked.ir, checked.registry);
    stage = "run";
    const report = verify(loaded, checked.ir, checked.registry);
    problems.push(...problemsOf("run", failureDiagnostics(report.failures)));
    stage = "done";
  } catch (e) {
    problems.push(`${stage}: threw ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { stage, problems };
}
