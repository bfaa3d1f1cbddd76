/**
 * VCM diagnostics as LSP diagnostics, and which file each is published under. A diagnostic
 * keeps everything `vcm check` prints: the VCM code (as `source` "vcm VCMnnnn" and in `data`),
 * the check name as `code` with a link to its documentation, the range, related locations and
 * the hint (appended to the message as the text printer does).
 *
 * Each open document is checked as the root of its own topology. Its diagnostics in its own
 * file are published under it; those in an imported file that is not open are published under
 * that file too (merged over every open document importing it), as `vcm check` prints them. An
 * imported file that is open shows its own check.
 */
import {
  DiagnosticSeverity,
  DiagnosticTag,
  type Diagnostic as LspDiagnostic,
  type DiagnosticRelatedInformation,
} from "vscode-languageserver";
import { D } from "../diagnostics/catalogue.js";
import type { Diagnostic, Severity } from "../diagnostics/diagnostic.js";
import { fileSpan } from "../diagnostics/span.js";
import { docsLinkOf } from "./docs-link.js";
import { pathOfSpanFile, rangeOfSpan, uriOfPath } from "./positions.js";

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  note: DiagnosticSeverity.Information,
};

/** What a code action needs back from a published diagnostic. */
export interface DiagnosticData {
  vcmCode: string;
  check: string;
  hint?: string;
}

export function toLspDiagnostic(d: Diagnostic, cwd: string): LspDiagnostic {
  const span = d.span ?? fileSpan("");
  const data: DiagnosticData = {
    vcmCode: d.code,
    check: d.check,
    ...(d.hint ? { hint: d.hint } : {}),
  };
  const out: LspDiagnostic = {
    range: rangeOfSpan(span),
    severity: SEVERITY[d.severity],
    source: `vcm ${d.code}`,
    code: d.check,
    message: d.hint ? `${d.message} (${d.hint})` : d.message,
    data,
  };
  const href = docsLinkOf(d.check);
  if (href) out.codeDescription = { href };
  if (d.check === D.unusedDeclaration.name) out.tags = [DiagnosticTag.Unnecessary];
  if (d.related && d.related.length > 0) {
    out.relatedInformation = d.related.map((r): DiagnosticRelatedInformation => ({
      location: { uri: uriOfPath(pathOfSpanFile(r.span.file, cwd)), range: rangeOfSpan(r.span) },
      message: r.message,
    }));
  }
  return out;
}

/** Identity of a diagnostic, to merge the same finding seen from two importers once. */
function keyOf(d: LspDiagnostic): string {
  const r = d.range;
  return `${r.start.line}:${r.start.character}:${r.end.line}:${r.end.character}:${d.source}:${d.message}`;
}

/**
 * Keeps each root document's diagnostics by file and works out what to publish per file URI.
 */
export class DiagnosticsBook {
  /** root URI -> file URI -> diagnostics found while checking that root. */
  private readonly byRoot = new Map<string, Map<string, LspDiagnostic[]>>();

  /**
   * Records the diagnostics of checking `rootUri`; returns every file URI whose published list
   * may have changed (the root, files it reported in now, files it reported in before).
   */
  record(rootUri: string, diagnostics: readonly Diagnostic[], cwd: string): Set<string> {
    const files = new Map<string, LspDiagnostic[]>([[rootUri, []]]);
    for (const d of diagnostics) {
      const uri = d.span?.file ? uriOfPath(pathOfSpanFile(d.span.file, cwd)) : rootUri;
      let list = files.get(uri);
      if (!list) files.set(uri, (list = []));
      list.push(toLspDiagnostic(d, cwd));
    }
    const touched = new Set<string>(files.keys());
    for (const uri of this.byRoot.get(rootUri)?.keys() ?? []) touched.add(uri);
    this.byRoot.set(rootUri, files);
    return touched;
  }

  /** Forgets a root (its document was closed); returns the URIs to publish again. */
  drop(rootUri: string): Set<string> {
    const touched = new Set<string>(this.byRoot.get(rootUri)?.keys() ?? []);
    touched.add(rootUri);
    this.byRoot.delete(rootUri);
    return touched;
  }

  /** What to publish for `uri`: its own check when it is open, else every importer's findings. */
  forFile(uri: string, isOpen: (uri: string) => boolean): LspDiagnostic[] {
    if (isOpen(uri)) return this.byRoot.get(uri)?.get(uri) ?? [];
    const seen = new Set<string>();
    const out: LspDiagnostic[] = [];
    for (const [root, files] of this.byRoot) {
      if (!isOpen(root)) continue;
      for (const d of files.get(uri) ?? []) {
        const k = keyOf(d);
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(d);
      }
    }
    return out;
  }
}
