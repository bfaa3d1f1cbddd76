import type { Diagnostic, Severity } from "./diagnostic.js";

/**
 * Collects diagnostics, separate from any printer (text, JSON, SARIF, LSP all read `all()`).
 * Severity overrides (`-W no-NAME`, `-E NAME`, file directives) are applied by the check runner
 * before a diagnostic reaches the collector.
 */
export class DiagnosticCollector {
  private readonly items: Diagnostic[] = [];

  report(diagnostic: Diagnostic): void {
    this.items.push(diagnostic);
  }

  addAll(diagnostics: Iterable<Diagnostic>): void {
    for (const d of diagnostics) this.items.push(d);
  }

  all(): readonly Diagnostic[] {
    return this.items;
  }

  count(severity: Severity): number {
    let n = 0;
    for (const d of this.items) if (d.severity === severity) n++;
    return n;
  }

  hasErrors(): boolean {
    return this.items.some((d) => d.severity === "error");
  }

  /** Diagnostics ordered by file, then position, then code: stable output for printers and tests. */
  sorted(): Diagnostic[] {
    return [...this.items].sort((a, b) => {
      const fa = a.span?.file ?? "";
      const fb = b.span?.file ?? "";
      if (fa !== fb) return fa < fb ? -1 : 1;
      const oa = a.span?.offset ?? -1;
      const ob = b.span?.offset ?? -1;
      if (oa !== ob) return oa - ob;
      return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
    });
  }
}
