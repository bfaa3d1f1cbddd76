/** The check engine: prerequisites, statuses, costs, internal errors, severity overrides, directives. */
import { describe, expect, test } from "vitest";
import { defineCheck, type Check } from "../../src/checks/check.js";
import { CHECKS } from "../../src/checks/impl/index.js";
import { listChecks } from "../../src/checks/registry.js";
import { dependencyOrder, runChecks } from "../../src/checks/runner.js";
import { emptySeverityOptions } from "../../src/checks/severity.js";
import { D } from "../../src/diagnostics/catalogue.js";
import { check, checksOf, parseAll } from "./harness.js";
import { checkTopology } from "../../src/checks/check-topology.js";
import { builtinRegistry } from "../../src/plugin-host/builtins.js";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { checkTopology as checkPath } from "../../src/pipeline/check-topology.js";
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
  test("disable-line and disable-next-line drop one line's findings of the check, no others", () => {
    const text = [
      "const A = 1  // vcm: disable-line unused-declaration",
      "// vcm: disable-next-line VCM0222 -- kept for later",
      "const B = 1",
      "const C = 1",
      "buffer b in nowhere size 4K  // vcm: disable-line unused-declaration",
    ].join("\n");
    const ds = check(text).diagnostics;
    // C is not silenced; on b's line only the named check is (unresolved-name stays).
    expect(ds.map((d) => `${d.check}@${d.span!.line}`)).toEqual([
      "unresolved-name@5",
      "unused-declaration@4",
    ]);
    // The command line still wins over a line directive.
    const o = emptySeverityOptions();
    o.error.add("unused-declaration");
    expect(checksOf(check(text, o).diagnostics).filter((c) => c === "unused-declaration")).toEqual([
      "unused-declaration",
      "unused-declaration",
      "unused-declaration",
      "unused-declaration",
    ]);
  });
  test("a line directive that silences nothing is reported, unless its check did not run", () => {
    const text =
      "memory m 0 .. +1M ram\n// vcm: disable-next-line unused-declaration\n\nconst X = 1\n" +
      "buffer b in m size 4K  // vcm: disable-line iova-overlap, unused-declaration\n";
    const ds = check(text).diagnostics;
    expect(ds.map((d) => `${d.check}@${d.span!.line}`)).toEqual([
      "unused-declaration@4",
      "unused-directive@2",
      "unused-directive@5",
    ]);
    expect(ds[1]!.message).toBe(
      "'// vcm: disable-next-line unused-declaration' silences nothing: no 'unused-declaration' finding on line 3",
    );
    expect(ds[2]!.message).toContain("no 'iova-overlap' finding on line 5");
    // A check skipped (here for cost, as in a language server's cheap run) may yet fire there.
    const platform =
      "memory ddr 0x8000_0000 .. +1G ram\npool tables in ddr[0 .. +16M]\n" +
      "iommu smmu : arm-lpae { stage 1; granule 4K; ias 32; oas 40 }\ndevice v behind smmu\n" +
      "domain dom on smmu { type dma; aperture 0 .. 4G; attach v }\nbuffer b in ddr size 4K\n";
    const at = (iova: string, cost?: "cheap") => {
      const line = `map b -> dom at ${iova} rw  // vcm: disable-line misaligned-address\n`;
      const { files, diagnostics } = parseAll({ "t.vcm": platform + line });
      const run = cost ? { cost } : {};
      return checksOf(
        checkTopology(files, builtinRegistry(), undefined, diagnostics, run).diagnostics,
      );
    };
    expect(at("0x1001")).toEqual([]);
    expect(at("0x1000")).toEqual(["unused-directive"]);
    expect(at("0x1000", "cheap")).toEqual([]);
    // And it can be silenced like any other finding.
    const o = emptySeverityOptions();
    o.disable.add("unused-directive");
    expect(checksOf(check(text, o).diagnostics)).toEqual(["unused-declaration"]);
  });
  test("a directive naming no check is reported with a suggestion", () => {
    const ds = check("// vcm: disable unused-declarations\n").diagnostics;
    expect(checksOf(ds)).toEqual(["unknown-check"]);
    expect(ds[0]!.hint).toBe("did you mean 'unused-declaration'?");
  });
});

describe("engine", () => {
  const { files } = parseAll({ "t.vcm": "memory m 0 .. +1M ram\n" });
  const { ir } = resolve(files, fakeRegistry());
  const base = { ir, files, plugins: fakeRegistry() };
  const noop = (entry: Check["entry"], spec: Partial<Check> = {}) =>
    defineCheck(entry, { run() {}, ...spec });

  // Recursion audit (issue 17): the engine spread each check's findings as call arguments, so
  // 200,000 unused consts (one finding each) overflowed the stack in `vcm check`.
  test("a check finding 200,000 diagnostics keeps them all, without a stack overflow", () => {
    const many = noop(D.regionOverlap, {
      run({ report }) {
        for (let i = 0; i < 200_000; i++)
          report(D.regionOverlap, undefined, { name: `m${i}`, other: "m" });
      },
    });
    const { diagnostics } = runChecks({ ...base, checks: [many] });
    expect(diagnostics).toHaveLength(200_000);
    expect(diagnostics[199_999]!.message).toBe("memory 'm199999' overlaps 'm'");
  });

  test("a throwing check becomes an internal-error diagnostic", () => {
    const boom = noop(D.regionOverlap, {
      run() {
        throw new Error("boom");
      },
    });
    const { diagnostics, outcomes } = runChecks({ ...base, checks: [boom] });
    expect(diagnostics.map((d) => [d.check, d.severity])).toEqual([["internal-error", "error"]]);
    expect(diagnostics[0]!.message).toBe("check 'region-overlap' failed: boom");
    expect(outcomes[0]!.status).toBe("failed");
  });
  test("a check whose earlier-phase prerequisite fired is skipped with a note", () => {
    let ran = false;
    const needy = noop(D.misalignedAddress, {
      needs: [D.unknownFormat],
      run() {
        ran = true;
      },
    });
    const prior = check("iommu s : nope { }\n").diagnostics;
    const skipped = runChecks({ ...base, checks: [needy], prior });
    expect(ran).toBe(false);
    expect(skipped.diagnostics.map((d) => [d.check, d.severity, d.message])).toEqual([
      [
        "misaligned-address",
        "note",
        "check 'misaligned-address' skipped: its prerequisite 'unknown-format' reported errors",
      ],
    ]);
    expect(skipped.outcomes[0]).toMatchObject({
      status: "skipped",
      reason: "prerequisite-failed",
      prerequisite: "unknown-format",
    });
    expect(runChecks({ ...base, checks: [needy] }).outcomes[0]!.status).toBe("passed");
    expect(ran).toBe(true);
  });
  test("checks run after the checks they need, whatever their codes; a cycle is refused", () => {
    const order: string[] = [];
    const later = noop(D.regionOverlap, { run: () => void order.push("region-overlap") });
    const first = noop(D.unusedDeclaration, { run: () => void order.push("unused-declaration") });
    const needsLater = noop(D.outsideRegion, {
      needs: [first],
      run: () => void order.push("outside-region"),
    });
    runChecks({ ...base, checks: [needsLater, later, first] });
    expect(order).toEqual(["region-overlap", "unused-declaration", "outside-region"]);
    const a: Check = { ...noop(D.regionOverlap), needs: [] };
    const b = noop(D.outsideRegion, { needs: [a] });
    (a.needs as Check[]).push(b);
    expect(() => dependencyOrder([a, b])).toThrow(/cycle: .*region-overlap/);
  });
  test("a failed, skipped or disabled prerequisite check skips its dependents, and says which", () => {
    const failing = noop(D.regionOverlap, {
      run: ({ report }) => report(D.regionOverlap, undefined, { name: "a", other: "b" }),
    });
    const middle = noop(D.outsideRegion, { needs: [failing] });
    const last = noop(D.poolOutsideRam, { needs: [middle] });
    const run = runChecks({ ...base, checks: [last, middle, failing] });
    expect(run.outcomes.map((o) => [o.check, o.status, o.reason])).toEqual([
      ["region-overlap", "failed", undefined],
      ["outside-region", "skipped", "prerequisite-failed"],
      ["pool-outside-ram", "skipped", "prerequisite-skipped"],
    ]);
    expect(run.diagnostics.filter((d) => d.severity === "note").map((d) => d.message)).toEqual([
      "check 'outside-region' skipped: its prerequisite 'region-overlap' reported errors",
      "check 'pool-outside-ram' skipped: its prerequisite 'outside-region' was skipped",
    ]);
    // Turned off, a check does not run, and what needs it is skipped rather than run blind.
    const off = emptySeverityOptions();
    off.disable.add("region-overlap");
    const disabled = runChecks({ ...base, checks: [middle, failing], options: off });
    expect(disabled.outcomes.map((o) => [o.check, o.status, o.reason])).toEqual([
      ["region-overlap", "skipped", "disabled"],
      ["outside-region", "skipped", "disabled"],
    ]);
    expect(disabled.diagnostics.map((d) => d.message)).toEqual([
      "check 'outside-region' skipped: its prerequisite 'region-overlap' is disabled",
    ]);
  });
  test("a check may report only its own entry's messages", () => {
    const wrong = noop(D.regionOverlap, {
      run: ({ report }) => report(D.p2pRam, undefined, { memory: "m" }),
    });
    const ds = runChecks({ ...base, checks: [wrong] }).diagnostics;
    expect(ds.map((d) => d.message)).toEqual([
      "check 'region-overlap' failed: check 'region-overlap' reported a message of 'p2p-ram'",
    ]);
  });
  test("cost: a cheap run skips the plugin checks, and a cheap check cannot ask a plugin", () => {
    const asks = noop(D.regionOverlap, { run: ({ capabilities }) => void capabilities("x") });
    expect(runChecks({ ...base, checks: [asks] }).diagnostics[0]!.message).toContain(
      "declared cheap but asks a plugin",
    );
    const plugin = noop(D.poolTooSmall, { cost: "needs-plugins" });
    const dependent = noop(D.unusedDeclaration, { needs: [plugin] });
    const cheap = runChecks({ ...base, checks: [plugin, dependent], cost: "cheap" });
    expect(cheap.outcomes.map((o) => [o.check, o.status, o.reason])).toEqual([
      ["pool-too-small", "skipped", "cost"],
      ["unused-declaration", "skipped", "cost"],
    ]);
    expect(cheap.diagnostics).toEqual([]);
  });
  test("every registered check is registered once", () => {
    expect(new Set(CHECKS.map((c) => c.entry)).size).toBe(CHECKS.length);
  });
});

describe("statuses are judged before severity overrides", () => {
  const BAD_PARAM =
    "memory m 0 .. +1M ram\npool p in m\niommu s : arm-lpae { granule 8K }\n" +
    "device d behind s\ndomain dom on s { attach d }\nbuffer b in m size 4K\nmap b -> dom at 0x1000 rw\n";
  test("-W no-invalid-param hides the error but still skips the checks that need good parameters", () => {
    const off = emptySeverityOptions();
    off.disable.add("invalid-param");
    const r = check(BAD_PARAM, off);
    expect(checksOf(r.diagnostics)).not.toContain("invalid-param");
    const misaligned = r.checks.find((o) => o.check === "misaligned-address");
    expect(misaligned).toMatchObject({
      status: "skipped",
      reason: "prerequisite-failed",
      prerequisite: "invalid-param",
    });
    const note = r.diagnostics.find((d) => d.check === "misaligned-address")!;
    expect([note.severity, note.message]).toEqual([
      "note",
      "check 'misaligned-address' skipped: its prerequisite 'invalid-param' reported errors",
    ]);
    const good = check(BAD_PARAM.replace("granule 8K", "granule 4K"), off);
    expect(good.checks.find((o) => o.check === "misaligned-address")!.status).toBe("passed");
  });
  test("raising a check to an error raises what it needs first", () => {
    const o = emptySeverityOptions();
    o.warn.add("invalid-param");
    const lowered = check(BAD_PARAM, o).diagnostics.find((d) => d.check === "invalid-param")!;
    expect(lowered.severity).toBe("warning");
    o.error.add("pool-too-small");
    const raised = check(BAD_PARAM, o).diagnostics.find((d) => d.check === "invalid-param")!;
    expect(raised.severity).toBe("error");
  });
});

describe("cheap checks (what a language server runs on every change)", () => {
  test("on every sample: no cheap check asks a plugin, the plugin checks are skipped for cost", async () => {
    const samples = readdirSync(new URL("../../samples/", import.meta.url)).filter((f) =>
      f.endsWith(".vcm"),
    );
    expect(samples.length).toBeGreaterThan(3);
    for (const f of samples) {
      const path = fileURLToPath(new URL(`../../samples/${f}`, import.meta.url));
      const cheap = await checkPath(path, { cost: "cheap" });
      expect(checksOf(cheap.diagnostics), f).not.toContain("internal-error");
      for (const o of cheap.checks)
        if (o.cost !== "cheap") expect([o.check, o.reason]).toEqual([o.check, "cost"]);
      const all = await checkPath(path);
      expect(all.checks.every((o) => o.reason !== "cost")).toBe(true);
    }
  });
});

describe("runner", () => {
  test("a plugin whose capabilities throw does not crash the checks (plugin-failed, VCM0270)", () => {
    const ds = check(
      "memory m 0 .. +1M ram\npool p in m\niommu s : broken { }\ndevice d behind s\nmap m[0 .. +4K] -> d at 0x1000 r\n",
    ).diagnostics;
    expect(checksOf(ds)).toContain("plugin-failed");
    // The catalogue's template names the plugin and the call that failed.
    expect(ds.find((d) => d.check === "plugin-failed")?.message).toMatch(
      /^plugin 'broken' failed computing capabilities: /,
    );
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
