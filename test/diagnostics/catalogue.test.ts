/** The diagnostics catalogue: one code and one name per entry, in its phase's range; templates. */
import { describe, expect, it } from "vitest";
import {
  CODE_RANGES,
  D,
  catalogueEntries,
  diagnostic,
  findEntry,
  formatMessage,
} from "../../src/diagnostics/catalogue.js";
import { fileSpan } from "../../src/diagnostics/span.js";

describe("the diagnostics catalogue", () => {
  const entries = catalogueEntries();

  it("gives every entry its own code and its own name", () => {
    expect(new Set(entries.map((e) => e.code)).size).toBe(entries.length);
    expect(new Set(entries.map((e) => e.name)).size).toBe(entries.length);
    expect(entries.length).toBe(Object.keys(D).length);
  });

  it("keeps each code inside its phase's range", () => {
    for (const e of entries) {
      const [lo, hi] = CODE_RANGES[e.phase];
      const n = Number(e.code.slice(3));
      expect(e.code, e.name).toMatch(/^VCM\d{4}$/);
      expect(n >= lo && n <= hi, `${e.code} ${e.name} outside ${e.phase} ${lo}-${hi}`).toBe(true);
    }
  });

  it("names entries in kebab case, with an anchor in docs/DIAGNOSTICS.md", () => {
    for (const e of entries) {
      expect(e.name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
      expect(e.anchor).toBe(`docs/DIAGNOSTICS.md#${e.code.toLowerCase()}-${e.name}`);
      expect(e.description.length).toBeGreaterThan(10);
    }
  });

  it("finds an entry by name or code, in any case", () => {
    expect(findEntry("iova-overlap")).toBe(D.iovaOverlap);
    expect(findEntry("vcm0204")).toBe(D.iovaOverlap);
    expect(findEntry("no-such-check")).toBeUndefined();
  });

  it("fills a template's placeholders once, leaving argument text as it is", () => {
    expect(formatMessage("'{a}' and {b}", { a: "x{b}", b: 3n })).toBe("'x{b}' and 3");
    expect(formatMessage('{w} must be { "plugins": [...] }', { w: "the file" })).toBe(
      'the file must be { "plugins": [...] }',
    );
  });

  it("builds a diagnostic at the entry's severity, with a further template", () => {
    const d = diagnostic(D.notAFile.messages.directory, fileSpan("x.vcm"), { file: "x.vcm" });
    expect(d).toMatchObject({
      code: "VCM0011",
      check: "not-a-file",
      severity: "error",
      message: "'x.vcm' is a directory, not a file",
    });
    const hinted = diagnostic(D.pluginNotAllowed, undefined, { specifier: "p" }, { hint: "h" });
    expect(hinted.hint).toBe("h");
    expect(hinted.span).toBeUndefined();
    // Entries are plain data when printed: the back reference to the entry is not enumerable.
    expect(() => JSON.stringify(entries)).not.toThrow();
  });
});
