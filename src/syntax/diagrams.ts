/** Railroad diagrams of the grammar, generated from the parser itself so they cannot drift. */
import { createSyntaxDiagramsCode } from "chevrotain";
import { parser } from "./parser.js";

export function renderDiagrams(): string {
  return createSyntaxDiagramsCode(parser.getSerializedGastProductions());
}
