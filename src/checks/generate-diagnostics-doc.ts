/**
 * Writes docs/DIAGNOSTICS.md from the catalogue: `npm run docs:diagnostics`
 * (`node dist/src/checks/generate-diagnostics-doc.js [out]`). A test fails when the committed
 * file differs, so rerun this after changing a catalogue entry or a check's cost or needs.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderDiagnosticsDoc } from "./diagnostics-doc.js";

// dist/src/checks/ -> repository root.
const out =
  process.argv[2] ?? fileURLToPath(new URL("../../../docs/DIAGNOSTICS.md", import.meta.url));
writeFileSync(out, renderDiagnosticsDoc());
console.log(`wrote ${out}`);
