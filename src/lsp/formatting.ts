/**
 * Document and range formatting through VCM's formatter (`vcm fmt`, src/format/), given as a
 * plain function so the server does not depend on how the formatter is built. A document that
 * does not parse is left alone (the formatter answers undefined). Edits are one replacement of
 * what changed; a range is formatted as the whole lines it covers, which hold whole
 * statements when the selection does.
 */
import type { Range, TextEdit } from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";

/** Formatted text, or undefined when `text` cannot be formatted (a syntax error). */
export type FormatVcm = (text: string) => string | undefined;

/** One edit replacing what lies between the unchanged start and end of the text. */
export function minimalEdit(document: TextDocument, after: string): TextEdit[] {
  const before = document.getText();
  if (before === after) return [];
  const shorter = Math.min(before.length, after.length);
  let head = 0;
  while (head < shorter && before.charCodeAt(head) === after.charCodeAt(head)) head++;
  let tail = 0;
  while (
    tail < shorter - head &&
    before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)
  )
    tail++;
  return [
    {
      range: {
        start: document.positionAt(head),
        end: document.positionAt(before.length - tail),
      },
      newText: after.slice(head, after.length - tail),
    },
  ];
}

export function formatDocumentEdits(document: TextDocument, format: FormatVcm): TextEdit[] | null {
  const formatted = format(document.getText());
  return formatted === undefined ? null : minimalEdit(document, formatted);
}

export function formatRangeEdits(
  document: TextDocument,
  range: Range,
  format: FormatVcm,
): TextEdit[] | null {
  const endLine =
    range.end.character === 0 && range.end.line > range.start.line
      ? range.end.line
      : range.end.line + 1;
  const whole = {
    start: { line: range.start.line, character: 0 },
    end: { line: endLine, character: 0 },
  };
  const text = document.getText(whole);
  const formatted = format(text);
  if (formatted === undefined) return null;
  // The formatter ends a file with one newline; keep the range's own ending.
  const out = text.endsWith("\n") || formatted === "" ? formatted : formatted.replace(/\n$/, "");
  return out === text ? [] : [{ range: whole, newText: out }];
}
