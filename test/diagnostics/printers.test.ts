import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { formatJson } from "../../src/diagnostics/printers/json.js";
import { formatSarif } from "../../src/diagnostics/printers/sarif.js";
import { formatText, useColor } from "../../src/diagnostics/printers/text.js";
import type { CatalogueEntry } from "../../src/diagnostics/catalogue.js";

const source = "topology t\nmap frame[*] -> disp_dom at 0xFFFF_F000 r\n";
const diagnostic: Diagnostic = {
  code: "VCM0201",
  check: "iova-outside-aperture",
  severity: "error",
  message: "mapping lies outside the aperture of 'disp_dom'",
  span: { file: "a.vcm", offset: 15, endOffset: 23, line: 2, column: 5, endLine: 2, endColumn: 13 },
  hint: "the aperture is 0x0 .. 0x1000_0000",
  related: [
    {
      span: {
        file: "a.vcm",
        offset: 0,
        endOffset: 8,
        line: 1,
        column: 1,
        endLine: 1,
        endColumn: 9,
      },
      message: "declared here",
    },
  ],
};
const rules: Pick<CatalogueEntry, "code" | "name" | "phase" | "severity" | "description">[] = [
  { code: "VCM0200", name: "other", phase: "check", severity: "warning", description: "Other." },
  {
    code: "VCM0201",
    name: "iova-outside-aperture",
    phase: "check",
    severity: "error",
    description: "A mapping lies outside its domain's aperture.",
  },
];

describe("text printer", () => {
  it("prints location, severity, code, message, check name, code frame and caret", () => {
    const out = formatText([diagnostic], { color: false, sources: new Map([["a.vcm", source]]) });
    const lines = out.split("\n");
    expect(lines[0]).toBe(
      "a.vcm:2:5: error[VCM0201]: mapping lies outside the aperture of 'disp_dom' [iova-outside-aperture]",
    );
    expect(lines[2]).toBe(" 2 | map frame[*] -> disp_dom at 0xFFFF_F000 r");
    expect(lines[3]).toBe("   |     ^^^^^^^^");
    expect(out).toContain(" = hint: the aperture is 0x0 .. 0x1000_0000");
    expect(out).toContain(" = note: a.vcm:1:1: declared here");
    expect(out.trimEnd().endsWith("1 error, 0 warnings")).toBe(true);
    expect(out).not.toContain("\x1b[");
  });

  it("colours only when asked", () => {
    const out = formatText([diagnostic], { color: true, sources: new Map([["a.vcm", source]]) });
    expect(out).toContain("\x1b[31m");
  });

  it("prints nothing for no diagnostics", () => {
    expect(formatText([], { color: false, sources: new Map() })).toBe("");
  });

  it("decides colour from the terminal and NO_COLOR", () => {
    expect(useColor({ isTTY: true }, {})).toBe(true);
    expect(useColor({ isTTY: false }, {})).toBe(false);
    expect(useColor({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(useColor({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
  });
});

describe("JSON printer", () => {
  it("follows the documented version-1 schema", () => {
    const report = JSON.parse(formatJson([diagnostic], ["a.vcm"], "9.9.9"));
    expect(report).toEqual({
      version: 1,
      tool: { name: "vcm", version: "9.9.9" },
      files: ["a.vcm"],
      summary: { errors: 1, warnings: 0, notes: 0 },
      diagnostics: [
        {
          code: "VCM0201",
          check: "iova-outside-aperture",
          severity: "error",
          message: "mapping lies outside the aperture of 'disp_dom'",
          hint: "the aperture is 0x0 .. 0x1000_0000",
          file: "a.vcm",
          line: 2,
          column: 5,
          endLine: 2,
          endColumn: 13,
          offset: 15,
          endOffset: 23,
          related: [{ file: "a.vcm", line: 1, column: 1, message: "declared here" }],
        },
      ],
    });
  });
});

describe("SARIF printer", () => {
  it("writes a SARIF 2.1.0 log with rules and located results", () => {
    const log = JSON.parse(formatSarif([diagnostic], rules, "9.9.9"));
    expect(log.version).toBe("2.1.0");
    const run = log.runs[0];
    expect(run.tool.driver.name).toBe("vcm");
    expect(run.tool.driver.rules[1]).toEqual({
      id: "VCM0201",
      name: "iova-outside-aperture",
      shortDescription: { text: "A mapping lies outside its domain's aperture." },
      defaultConfiguration: { level: "error" },
    });
    const result = run.results[0];
    expect(result.ruleId).toBe("VCM0201");
    expect(result.ruleIndex).toBe(1);
    expect(result.level).toBe("error");
    expect(result.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: "a.vcm", uriBaseId: "%SRCROOT%" },
      region: { startLine: 2, startColumn: 5, endLine: 2, endColumn: 13 },
    });
    expect(result.relatedLocations[0].message.text).toBe("declared here");
  });

  it("uses file URIs for absolute paths", () => {
    const abs = { ...diagnostic, span: { ...diagnostic.span!, file: "/tmp/x y.vcm" }, related: [] };
    const log = JSON.parse(formatSarif([abs], rules, "1"));
    expect(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation).toEqual({
      uri: "file:///tmp/x%20y.vcm",
    });
  });
});
