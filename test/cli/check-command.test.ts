import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hasStackTrace, ROOT, vcm } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "vcm-cli-"));
function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

const VALID = `topology t
memory ram 0x8000_0000 .. +1G ram
pool tables in ram[0 .. +4M]
iommu smmu : arm-lpae { ias 32; oas 40 }
device dev behind smmu stream 1
domain dom on smmu { type dma; aperture 0 .. 4G; attach dev }
buffer b in ram size 64K
map b -> dom at auto rw
expect dev writes b
`;

describe("vcm check", () => {
  it.each(["video-pipeline", "default-domains", "spapr-v2", "p2p-revoke"])(
    "checks the %s sample clean",
    (name) => {
      const r = vcm(["check", `samples/${name}.vcm`]);
      expect(r.stderr).not.toMatch(/error\[/);
      expect(r.code).toBe(0);
    },
  );

  it("exits 0 with no output on a clean file", () => {
    const r = vcm(["check", file("ok.vcm", VALID)]);
    expect(r).toMatchObject({ code: 0, stdout: "" });
  });

  it("reports a syntax error with file:line:col, code, frame and exit 1", () => {
    const p = file("syntax.vcm", VALID.replace("map b -> dom", "map b dom"));
    const r = vcm(["check", p]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/syntax\.vcm:8:\d+: error\[VCM0001\]: /);
    expect(r.stderr).toContain(" 8 | map b dom at auto rw");
    expect(r.stderr).toMatch(/\| +\^/);
  });

  it("exits 2 for a missing file, a directory and a binary file, without stack traces", () => {
    for (const [arg, code] of [
      [join(dir, "missing.vcm"), "VCM0010"],
      [dir, "VCM0011"],
      [file("bin.vcm", new Uint8Array([1, 2, 0, 3])), "VCM0012"],
      [file("latin1.vcm", new Uint8Array([0x2f, 0x2f, 0xe9, 0x0a])), "VCM0013"],
    ] as const) {
      const r = vcm(["check", arg]);
      expect(r.code, arg).toBe(2);
      expect(r.stderr).toContain(code);
      expect(hasStackTrace(r.stdout + r.stderr)).toBe(false);
    }
  });

  it("survives 10,000-deep parentheses and a number over 64 bits", () => {
    const deep = file(
      "deep.vcm",
      `const X = ${"(".repeat(10_000)}1${")".repeat(10_000)}\nconst Y = 0x1_0000_0000_0000_0000\n`,
    );
    const r = vcm(["check", deep]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("VCM0004");
    expect(r.stderr).toContain("VCM0002");
    expect(hasStackTrace(r.stdout + r.stderr)).toBe(false);
  });

  it("prints the documented JSON schema", () => {
    const p = file("json.vcm", VALID + "const UNUSED = 1\n");
    const r = vcm(["check", "--format", "json", p]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.version).toBe(1);
    expect(report.summary).toEqual({ errors: 0, warnings: 1, notes: 0 });
    expect(report.diagnostics[0]).toMatchObject({
      code: "VCM0222",
      check: "unused-declaration",
      severity: "warning",
      line: 10,
      column: 7,
    });
  });

  it("prints SARIF 2.1.0 with the rule of each result", () => {
    const p = file("sarif.vcm", VALID + "const UNUSED = 1\n");
    const log = JSON.parse(vcm(["check", "--format", "sarif", p]).stdout);
    expect(log.version).toBe("2.1.0");
    const run = log.runs[0];
    const result = run.results[0];
    expect(result.ruleId).toBe("VCM0222");
    expect(run.tool.driver.rules[result.ruleIndex].name).toBe("unused-declaration");
    expect(result.locations[0].physicalLocation.region.startLine).toBe(10);
  });

  it("turns checks off and up with -W and -E, and a file directive", () => {
    const p = file("sev.vcm", VALID + "const UNUSED = 1\n");
    expect(vcm(["check", p]).stderr).toContain("warning[VCM0222]");
    expect(vcm(["check", "-W", "no-unused-declaration", p]).stderr).toBe("");
    const up = vcm(["check", "-E", "unused-declaration", p]);
    expect(up.code).toBe(1);
    expect(up.stderr).toContain("error[VCM0222]");
    const directive = file(
      "dir.vcm",
      "// vcm: disable unused-declaration\n" + VALID + "const U = 1\n",
    );
    expect(vcm(["check", directive]).stderr).toBe("");
  });

  it("refuses an unknown check name with a suggestion (exit 2)", () => {
    const r = vcm(["check", "-W", "no-unused-declarations", file("x.vcm", VALID)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unused-declaration");
  });

  it("lists every check once, generated from the registry", () => {
    const r = vcm(["check", "--list-checks", "--format", "json"]);
    const checks = JSON.parse(r.stdout) as { code: string; name: string; description: string }[];
    expect(new Set(checks.map((c) => c.code)).size).toBe(checks.length);
    expect(checks.map((c) => c.name)).toContain("iova-overlap");
    for (const c of checks) expect(c.description.length).toBeGreaterThan(10);
    const text = vcm(["check", "--list-checks"]).stdout;
    expect(text.split("\n").filter(Boolean)).toHaveLength(checks.length);
    // A check on the IR shows its cost and what it needs first; other entries have neither.
    const pool = checks.find((c) => c.name === "pool-too-small") as Record<string, unknown>;
    expect(pool.cost).toBe("needs-plugins");
    expect(pool.needs).toEqual([
      "plugin-not-allowed",
      "unknown-format",
      "invalid-param",
      "plugin-param-problem",
    ]);
    expect((checks.find((c) => c.name === "syntax-error") as Record<string, unknown>).cost).toBe(
      undefined,
    );
    expect(text).toMatch(/^VCM0222 +unused-declaration +warning .*\[cheap\]$/m);
    expect(text).toMatch(/^VCM0203 .*\[needs-plugins; needs plugin-not-allowed, unknown-format/m);
  });

  it("-W no-invalid-param hides the error, and the checks needing good parameters say they were skipped", () => {
    const bad = file(
      "bad-param.vcm",
      VALID.replace("ias 32; oas 40", "ias 32; oas 40; granule 8K"),
    );
    const r = vcm(["check", "-W", "no-invalid-param", "--format", "json", bad]);
    const out = JSON.parse(r.stdout) as {
      diagnostics: { check: string; severity: string; message: string }[];
    };
    expect(out.diagnostics.map((d) => d.check)).not.toContain("invalid-param");
    const skipped = out.diagnostics.filter(
      (d) => d.severity === "note" && /skipped/.test(d.message),
    );
    expect(skipped.map((d) => d.check)).toContain("misaligned-address");
    expect(skipped[0]!.message).toMatch(/its prerequisite 'invalid-param' reported errors$/);
  });

  it("emits the IR as JSON with big numbers as hex strings", () => {
    const r = vcm(["check", "--emit-ir", file("ir.vcm", VALID)]);
    expect(r.code).toBe(0);
    const ir = JSON.parse(r.stdout);
    expect(ir.irVersion).toBe(1);
    expect(ir.memories[0].range.base).toBe("0x80000000");
  });

  it("colours only when forced or on a terminal, never with NO_COLOR", () => {
    const p = file("c.vcm", VALID + "const UNUSED = 1\n");
    expect(vcm(["check", p]).stderr).not.toContain("\x1b[");
    expect(vcm(["check", p], { env: { FORCE_COLOR: "1" } }).stderr).toContain("\x1b[");
    expect(vcm(["check", p], { env: { FORCE_COLOR: "1", NO_COLOR: "1" } }).stderr).not.toContain(
      "\x1b[",
    );
  });

  it("prints help and exits 2 on a usage error", () => {
    expect(vcm(["check", "--help"]).stdout).toContain("--list-checks");
    expect(vcm(["check"]).code).toBe(2);
    expect(vcm(["frobnicate"]).code).toBe(2);
  });
});

describe("third-party plugins", () => {
  const fixture = "test/fixtures/plugins/toy-flat";

  it("loads a plugin its project configuration allows, with its own parameters", () => {
    const r = vcm(["check", `${fixture}/topology.vcm`]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("validates the plugin's own parameter schema", () => {
    const r = vcm(["check", `${fixture}/bad-params.vcm`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad-params\.vcm:4:\d+: error\[VCM0108\]: .*colour/);
  });

  it("lists a --plugin with its origin; two plugins of one name are an error naming both", () => {
    const list = vcm(["plugins", "--plugin", `${fixture}/index.js`]);
    expect(list.stdout).toMatch(/toy-flat 0\.0\.1 \(API 1\) from .*toy-flat\/index\.js/);
    expect(list.stdout).toMatch(/^arm-lpae .* from built-in/m);
    // --json: capabilities as structured data (sizes in bytes, page sizes also in words).
    const json = JSON.parse(vcm(["plugins", "--json"]).stdout) as {
      name: string;
      capabilities: { pageSizes: number[]; pageSizeNames: string[]; inputBits: number };
    }[];
    const lpae = json.find((p) => p.name === "arm-lpae")!;
    expect(lpae.capabilities.pageSizes).toEqual([4096, 2 ** 21, 2 ** 30]);
    expect(lpae.capabilities.pageSizeNames).toEqual(["4K", "2M", "1G"]);
    expect(lpae.capabilities.inputBits).toBe(48);
    const r = vcm([
      "check",
      "--plugin",
      "test/fixtures/plugins/toy-flat-again.js",
      `${fixture}/topology.vcm`,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("VCM0021");
    expect(r.stderr).toContain("toy-flat-again.js");
    expect(r.stderr).toMatch(/toy-flat\/index\.js/);
  });

  it("loads a plugin by package name, from --plugin and from a `use` line", () => {
    // A project directory with the plugin installed as a package (and vcm itself beside it).
    const project = mkdtempSync(join(tmpdir(), "vcm-pkg-"));
    const pkg = join(project, "node_modules", "vcm-plugin-toy");
    mkdirSync(pkg, { recursive: true });
    symlinkSync(ROOT, join(project, "node_modules", "vcm"), "dir");
    cpSync(join(ROOT, fixture, "index.js"), join(pkg, "index.js"));
    writeFileSync(
      join(pkg, "package.json"),
      JSON.stringify({
        name: "vcm-plugin-toy",
        version: "0.0.1",
        type: "module",
        main: "index.js",
      }),
    );
    const list = vcm(["plugins", "--plugin", "vcm-plugin-toy"], { cwd: project });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(
      /toy-flat 0\.0\.1 \(API 1\) from .*node_modules\/vcm-plugin-toy\/index\.js/,
    );
    const topology = readFileSync(join(ROOT, fixture, "topology.vcm"), "utf8").replace(
      'use "./index.js"',
      'use "vcm-plugin-toy"',
    );
    writeFileSync(join(project, "t.vcm"), topology);
    // The `use` line alone does not load it; the "vcm" key of the project's package.json does.
    const refused = vcm(["check", "t.vcm"], { cwd: project });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^t\.vcm:3:5: error\[VCM0023\]: plugin 'vcm-plugin-toy' was not loaded/m,
    );
    expect(refused.stderr).toContain(
      'to trust it, pass --plugin vcm-plugin-toy or create vcm.config.json holding { "plugins": ["vcm-plugin-toy"] }',
    );
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "p", private: true, vcm: { plugins: ["vcm-plugin-toy"] } }, null, 2),
    );
    const r = vcm(["check", "t.vcm"], { cwd: project });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const missing = vcm(["plugins", "--plugin", "vcm-plugin-absent"], { cwd: project });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot find plugin 'vcm-plugin-absent'");
  });

  it("reports a module that is not a plugin", () => {
    const p = file("notplugin.js", "export default { name: 'x' };\n");
    const r = vcm(["plugins", "--plugin", p]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("is not a VCM plugin");
  });

  it("runs the conformance kit: the fixture passes, a broken plugin fails", () => {
    const ok = vcm(["plugin-test", `${fixture}/index.js`, "--runs", "5"]);
    expect(ok.stdout).toContain("all properties hold");
    expect(ok.code).toBe(0);
    const broken = file(
      "broken.js",
      `import base from ${JSON.stringify(join(process.cwd(), fixture, "index.js"))};\n` +
        "export default { ...base, name: 'toy-broken',\n" +
        "  walk: (m, c, i) => { const r = base.walk(m, c, i); return r.ok ? { ...r, pa: r.pa ^ 0x1000n } : r; } };\n",
    );
    const bad = vcm(["plugin-test", broken, "--runs", "5"]);
    expect(bad.stdout).toContain("FAIL");
    expect(bad.code).toBe(1);
  });

  it("runs the conformance kit on a built-in plugin with parameters", () => {
    const r = vcm([
      "plugin-test",
      "gart",
      "--params",
      "aperture 0xE000_0000 .. +512M",
      "--runs",
      "3",
    ]);
    expect(r.stdout).toContain("all properties hold");
    expect(r.code).toBe(0);
  });
});
