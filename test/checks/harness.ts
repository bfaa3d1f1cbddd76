/** Parse + resolve + check a source text with the fake plugins; format diagnostics as lines. */
import { checkTopology } from "../../src/checks/check-topology.js";
import type { SeverityOptions } from "../../src/checks/severity.js";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import type { PluginRegistry } from "../../src/plugin-host/registry.js";
import type { SourceFile } from "../../src/syntax/ast.js";
import { parseSource } from "../../src/syntax/parse.js";
import { fakeRegistry } from "../fixtures/fake-plugins.js";

export function parseAll(sources: Record<string, string>): {
  files: SourceFile[];
  diagnostics: Diagnostic[];
} {
  const files: SourceFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const [file, text] of Object.entries(sources)) {
    const r = parseSource(text, file);
    files.push(r.ast);
    diagnostics.push(...r.diagnostics);
  }
  return { files, diagnostics };
}

export function check(
  text: string | Record<string, string>,
  options?: SeverityOptions,
  plugins: PluginRegistry = fakeRegistry(),
) {
  const { files, diagnostics } = parseAll(typeof text === "string" ? { "t.vcm": text } : text);
  return checkTopology(files, plugins, options, diagnostics);
}

export function formatDiagnostic(d: Diagnostic): string {
  const at = d.span ? `${d.span.file}:${d.span.line}:${d.span.column}: ` : "";
  return `${at}${d.severity}[${d.code}] ${d.check}: ${d.message}${d.hint ? ` (${d.hint})` : ""}`;
}

export function lines(ds: readonly Diagnostic[]): string[] {
  return ds.map(formatDiagnostic);
}

/** Names of the checks that reported, for "fires / does not fire" tests. */
export function checksOf(ds: readonly Diagnostic[]): string[] {
  return ds.map((d) => d.check);
}
