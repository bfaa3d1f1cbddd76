/** The statement under a position, from the parsed file (what did not parse is not there). */
import type { ScenarioStep, Statement } from "../syntax/ast.js";
import type { Analysis } from "./analysis.js";

/** The top-level statement of `file` holding `offset`, and a scenario step inside it if any. */
export function statementAt(
  analysis: Analysis,
  file: string,
  offset: number,
): { statement: Statement; step?: ScenarioStep } | undefined {
  const source = analysis.checked.files.find((f) => f.file === file);
  if (!source) return undefined;
  const list = source.statements;
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = list[mid]!;
    if (s.span.endOffset < offset) lo = mid + 1;
    else if (s.span.offset > offset) hi = mid - 1;
    else {
      if (s.kind === "scenario") {
        const step = s.steps.find((x) => offset >= x.span.offset && offset <= x.span.endOffset);
        return step ? { statement: s, step } : { statement: s };
      }
      return { statement: s };
    }
  }
  return undefined;
}
