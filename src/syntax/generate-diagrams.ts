/**
 * Writes grammar/diagrams.html from the parser: `node dist/src/syntax/generate-diagrams.js [out]`.
 * A test fails when the committed file differs, so rerun this after changing the grammar.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderDiagrams } from "./diagrams.js";

// dist/src/syntax/ -> repository root.
const out =
  process.argv[2] ?? fileURLToPath(new URL("../../../grammar/diagrams.html", import.meta.url));
writeFileSync(out, renderDiagrams());
console.log(`wrote ${out}`);
