/**
 * What the expensive checks (cost `needs-plugins` or more, `src/checks/check.ts`) found in a
 * document's last full check, kept while only the cheap checks run on each keystroke: a cheap
 * publication carries them, so they do not flicker away and back. They are known to be stale
 * (found on older text), so the edits since are applied to their positions: a finding after an
 * edit moves with the text, one whose range an edit touched is dropped (the text it was about
 * changed). The next full check replaces them all.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import { CHECKS } from "../checks/impl/index.js";

/** The names of the checks a cheap run leaves out. */
export const EXPENSIVE_CHECKS: ReadonlySet<string> = new Set(
  CHECKS.filter((c) => c.cost !== "cheap").map((c) => c.entry.name),
);

/** Whether a diagnostic comes from a check a cheap run leaves out (its finding or skip note). */
export function isExpensive(d: Diagnostic): boolean {
  return EXPENSIVE_CHECKS.has(d.check);
}

/** One edit of a document, in the coordinates of the text before it (1-based lines/columns). */
export interface TextEdit {
  /** Start and end of the replaced text: offsets, 1-based line and column. */
  start: { offset: number; line: number; column: number };
  end: { offset: number; line: number; column: number };
  /** The replacement. */
  text: string;
}

/** Where `span` goes after `edit`, or undefined when the edit touches it. */
export function shiftSpan(span: Span, edit: TextEdit): Span | undefined {
  if (span.endOffset < edit.start.offset) return span;
  // Touching an end counts as touching: typing at a finding's edge may change what it is about.
  if (span.offset <= edit.end.offset) return undefined;
  const newlines = countNewlines(edit.text);
  const lastLineLength = edit.text.length - (edit.text.lastIndexOf("\n") + 1);
  const lineDelta = newlines - (edit.end.line - edit.start.line);
  // Columns move only on the line where the edit ends (it becomes the edit's last line).
  const column = (line: number, col: number) =>
    line !== edit.end.line
      ? col
      : (newlines === 0 ? edit.start.column + lastLineLength : lastLineLength + 1) +
        (col - edit.end.column);
  const delta = edit.text.length - (edit.end.offset - edit.start.offset);
  return {
    file: span.file,
    offset: span.offset + delta,
    endOffset: span.endOffset + delta,
    line: span.line + lineDelta,
    column: column(span.line, span.column),
    endLine: span.endLine + lineDelta,
    endColumn: column(span.endLine, span.endColumn),
  };
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/** Per root document: the expensive findings of its last full check, edits applied since. */
export class ExpensiveFindings {
  private readonly byRoot = new Map<string, Diagnostic[]>();

  /** The findings of a full check of `rootUri` (its cheap findings are left out). */
  record(rootUri: string, diagnostics: readonly Diagnostic[]): void {
    this.byRoot.set(rootUri, diagnostics.filter(isExpensive));
  }

  /** What a cheap check of `rootUri` publishes beside its own findings. */
  carried(rootUri: string): readonly Diagnostic[] {
    return this.byRoot.get(rootUri) ?? [];
  }

  /**
   * Applies an edit of the file shown as `file` (a span's file name) to every root's kept
   * findings: a finding in that file moves with the text, or goes when the edit touched it.
   * Related locations move the same way; one the edit touched is dropped from the finding.
   */
  edited(file: string, edit: TextEdit): void {
    for (const [root, list] of this.byRoot) {
      const out: Diagnostic[] = [];
      for (const d of list) {
        let span = d.span;
        if (span && span.file === file) {
          span = shiftSpan(span, edit);
          if (!span) continue;
        }
        const related = d.related?.flatMap((r) => {
          if (r.span.file !== file) return [r];
          const moved = shiftSpan(r.span, edit);
          return moved ? [{ ...r, span: moved }] : [];
        });
        out.push({ ...d, ...(span ? { span } : {}), ...(related ? { related } : {}) });
      }
      this.byRoot.set(root, out);
    }
  }

  drop(rootUri: string): void {
    this.byRoot.delete(rootUri);
  }
}
