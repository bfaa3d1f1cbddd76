/**
 * Golden diagnostics: each test/fixtures/checks/<name>.vcm is checked with the fake plugins and
 * its diagnostics compared with <name>.expected. UPDATE_GOLDEN=1 rewrites the expected files.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { DiagnosticCollector } from "../../src/diagnostics/collector.js";
import { check, lines } from "./harness.js";

const DIR = "test/fixtures/checks";

for (const file of readdirSync(DIR).filter((f) => f.endsWith(".vcm"))) {
  test(file, () => {
    const result = check({ [file]: readFileSync(join(DIR, file), "utf8") });
    const collector = new DiagnosticCollector();
    collector.addAll(result.diagnostics);
    const actual = lines(collector.sorted()).join("\n") + "\n";
    const expectedPath = join(DIR, file.replace(/\.vcm$/, ".expected"));
    if (process.env["UPDATE_GOLDEN"]) writeFileSync(expectedPath, actual);
    expect(actual).toBe(readFileSync(expectedPath, "utf8"));
  });
}
