/**
 * Our SARIF output validates against the official SARIF 2.1.0 JSON schema (the copy shipped in
 * @microsoft/jest-sarif), for a real `vcm check` of topologies with diagnostics of every severity.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { vcm } from "../cli/helpers.js";

const require = createRequire(import.meta.url);
// A CommonJS module whose export is the class itself.
const Ajv = require("ajv-draft-04") as typeof import("ajv-draft-04").default;
const schemaPath = require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));

describe("SARIF output", () => {
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  const validate = ajv.compile(schema);

  it("validates against the SARIF 2.1.0 schema", () => {
    const r = vcm(["check", "--format", "sarif", "test/fixtures/checks/names.vcm"]);
    const log = JSON.parse(r.stdout);
    expect(log.runs[0].results.length).toBeGreaterThan(0);
    const ok = validate(log);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it("the schema check itself can fail", () => {
    const r = vcm(["check", "--format", "sarif", "test/fixtures/checks/names.vcm"]);
    const log = JSON.parse(r.stdout);
    log.runs[0].results[0].level = "fatal";
    expect(validate(log)).toBe(false);
  });
});
