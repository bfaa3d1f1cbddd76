/** The check runner: prerequisites, internal errors, severity overrides and directives. */
import { describe, expect, test } from "vitest";
import { listChecks } from "../../src/checks/registry.js";
import {
  emptySeverityOptions,
  runChecks,
  type CheckImplementation,
} from "../../src/checks/runner.js";
import { check, checksOf, parseAll } from "./harness.js";
import { resolve } from "../../src/semantics/resolve.js";
import { fakeRegistry } from "../fixtures/fake-plugins.js";

const UNUSED = "memory m 0 .. +1M ram\nconst X = 1\n";

describe("registry", () => {
  test("codes and names are unique, sorted, and every phase's checks are listed", () => {
    const all = listChecks();
    expect(new Set(all.map((d) => d.code)).size).toBe(all.length);
    expect(all.map((d) => d.code)).toEqual([...all.map((d) => d.code)].sort());
    for (const name of [
      "syntax-error",
      "import-cycle",
      "unresolved-name",
      "iova-overlap",
      "internal-error",
    ])
      expect(all.some((d) => d.name === name)).toBe(true);
  });
});

describe("severity overrides", () => {
  test("default: unused const is a warning", () => {
    expect(check(UNUSED).diagnostics.map((d) => d.severity)).toEqual(["warning"]);
  });
  test("-W no-NAME, -E NAME, codes work too", () => {
    const o = emptySeverityOptions();
    o.disable.add("unused-declaration");
    expect(check(UNUSED, o).diagnostics).toEqual([]);
    const e = emptySeverityOptions();
    e.error.add("VCM0222");
    expect(check(UNUSED, e).diagnostics.map((d) => d.severity)).toEqual(["error"]);
  });
  test("overrides apply to resolve-phase diagnostics but not to fixed ones", () => {
    const o = emptySeverityOptions();
    o.warn.add("unresolved-name");
    o.warn.add("syntax-error");
    const ds = check("buffer b in nowhere size 4K\nmemory @@@\n", o).diagnostics;
    expect(ds.find((d) => d.check === "unresolved-name")?.severity).toBe("warning");
    expect(ds.filter((d) => d.check === "syntax-error").every((d) => d.severity === "error")).toBe(
      true,
    );
  });
  test("directives: root file applies everywhere, imported file only to itself; CLI wins", () => {
    const files = {
      "root.vcm": "// vcm: error unused-declaration\nconst A = 1\n",
      "lib.vcm": "// vcm: disable unused-declaration\nconst B = 1\n",
    };
    expect(check(files).diagnostics.map((d) => `${d.span!.file}:${d.severity}`)).toEqual([
      "root.vcm:error",
    ]);
    const o = emptySeverityOptions();
    o.warn.add("unused-declaration");
    expect(check(files, o).diagnostics.map((d) => d.severity)).toEqual(["warning", "warning"]);
  });
  test("a directive naming no check is reported with a suggestion", () => {
    const ds = check("// vcm: disable unused-declarations\n").diagnostics;
    expect(checksOf(ds)).toEqual(["unknown-check"]);
    expect(ds[0]!.hint).toBe("did you mean 'unused-declaration'?");
  });
});

describe("runner", () => {
  const { files } = parseAll({ "t.vcm": "memory m 0 .. +1M ram\n" });
  const { ir } = resolve(files, fakeRegistry());
  test("a throwing check becomes an internal-error diagnostic", () => {
    const boom: CheckImplementation = {
      check: "region-overlap",
      run() {
        throw new Error("boom");
      },
    };
    const ds = runChecks({ ir, files, plugins: fakeRegistry(), implementations: [boom] });
    expect(ds.map((d) => [d.check, d.severity])).toEqual([["internal-error", "error"]]);
    expect(ds[0]!.message).toContain("boom");
  });
  test("a check whose prerequisite reported an error is skipped: counted in a hint, a note with verbose", () => {
    let ran = false;
    const impl: CheckImplementation = {
      check: "misaligned-address",
      run() {
        ran = true;
      },
    };
    const prior = check("iommu s : nope { }\n").diagnostics;
    const ds = runChecks({ ir, files, plugins: fakeRegistry(), implementations: [impl], prior });
    expect(ran).toBe(false);
    expect(ds).toEqual([]);
    const failed = prior.find((d) => d.check === "unknown-format")!;
    expect(failed.hint).toMatch(/1 check that needs it was skipped; --verbose lists them$/);
    const verbose = check("iommu s : nope { }\n").diagnostics;
    const listed = runChecks({
      ir,
      files,
      plugins: fakeRegistry(),
      implementations: [impl],
      prior: verbose,
      options: { disable: new Set(), warn: new Set(), error: new Set(), verbose: true },
    });
    expect(listed.map((d) => [d.check, d.severity])).toEqual([["misaligned-address", "note"]]);
    expect(ran).toBe(false);
    runChecks({ ir, files, plugins: fakeRegistry(), implementations: [impl] });
    expect(ran).toBe(true);
  });
  test("a plugin whose capabilities throw does not crash the checks (plugin-failed, VCM0270)", () => {
    const ds = check(
      "memory m 0 .. +1M ram\npool p in m\niommu s : broken { }\ndevice d behind s\nmap m[0 .. +4K] -> d at 0x1000 r\n",
    ).diagnostics;
    expect(checksOf(ds)).toContain("plugin-failed");
  });
  test("a mapper whose params failed validation is never asked for capabilities", () => {
    const ds = check(
      "memory m 0 .. +1M ram\npool p in m\niommu s : spapr-tce { page-sizes 4K / 0 }\ndevice d behind s group 1\n" +
        "container c on s : spapr-v2 { groups 1; window w at 0 size 1M page 4K }\n",
    ).diagnostics;
    expect(checksOf(ds)).toContain("division-by-zero");
    expect(checksOf(ds)).not.toContain("internal-error");
  });
});
