/**
 * A user's view of the library: the packed tarball installed into a scratch project in a
 * temporary directory, driven from a plain ESM consumer (`import ... from "vcm"`), and a typed
 * consumer checked by `tsc --noEmit` with `skipLibCheck: false`.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { npm, packTarball, ROOT, type PackedTarball } from "./tarball.js";

const TOPOLOGY = `topology tiny

memory dram 0x8000_0000 .. +1G ram
pool tables in dram[0 .. +16M]

iommu smmu0 : arm-lpae { granule 4K; ias 48; oas 48; stage 1 }
device gpu behind smmu0 stream 1

buffer fb in dram size 64K align 4K
map fb -> gpu at 0x1000_0000 rw

expect gpu writes fb
`;

const BROKEN = `topology broken
memory dram 0x8000_0000 .. +1G ram
device gpu behind nowhere stream 1
`;

/** Each step prints one JSON line: the test reads what the library returned. */
const CONSUMER = `
import * as vcm from "vcm";
import { check, compile, run, explain, parseSource, builtinRegistry, formatText, formatJson,
  listChecks, runReportJson, explainText, PluginRegistry, VCM_VERSION } from "vcm";
import { existsSync, readFileSync } from "node:fs";

const out = {};
out.version = VCM_VERSION;
out.exports = Object.keys(vcm).sort();

const formatted = vcm.formatVcm("memory  m 0..+4K ram // x\\n");
out.format = formatted;
const prettierPlugin = (await import("vcm/prettier")).default;
out.prettierLanguages = prettierPlugin.languages.map((l) => l.extensions).flat();

const parsed = parseSource("topology t\\nmemory m 0 .. +4K ram\\n", "inline.vcm");
out.parse = { statements: parsed.ast.statements.length, diagnostics: parsed.diagnostics.length };

const broken = await check("broken.vcm");
out.brokenCodes = broken.diagnostics.filter((d) => d.severity === "error").map((d) => d.code);
out.brokenText = formatText(broken.diagnostics, { color: false, sources: broken.sources });
out.brokenJson = JSON.parse(formatJson(broken.diagnostics, ["broken.vcm"], VCM_VERSION));

const checked = await check("tiny.vcm");
out.check = { errors: checked.diagnostics.filter((d) => d.severity === "error").length,
  topology: checked.ir?.name };

const inMemory = await compile(checked);
out.compile = { ok: inMemory.ok, written: inMemory.written, tables: inMemory.compiled.tables.length,
  mappings: inMemory.compiled.mappings.length };
const refused = await compile("broken.vcm", { output: "never" });
out.refused = { ok: refused.ok, written: refused.written, exists: existsSync("never") };

const toDir = await compile("tiny.vcm", { output: "out" });
out.compileDir = { ok: toDir.ok, written: toDir.written,
  manifest: JSON.parse(readFileSync("out/manifest.json", "utf8")).topology ?? null };

const report = (await run(inMemory)).report;
out.run = { status: report.status, pagesChecked: report.pagesChecked,
  json: JSON.parse(runReportJson(report)).status };
const fromTables = await run("tiny.vcm", { tables: "out" });
out.runTables = fromTables.report.status;
out.runBroken = await run("broken.vcm").then((r) => ({ report: r.report ?? null,
  errors: r.diagnostics.some((d) => d.severity === "error") }));

const walk = explain(inMemory.compiled, "gpu", 0x1000_0000n);
out.explain = { ok: walk.outcome.ok, pa: walk.outcome.ok ? walk.outcome.pa.toString(16) : null,
  text: explainText(walk).split("\\n")[0] };
const miss = explain(inMemory.compiled, "gpu", 0x2000_0000n);
out.explainMiss = miss.outcome.ok;

const registry = builtinRegistry();
out.plugins = registry.names();
out.emptyRegistry = new PluginRegistry().names();
out.checks = listChecks().length;

try {
  await import("vcm/testing/vitest");
  out.vitest = "loaded";
} catch (e) {
  out.vitest = e.message;
}
const testing = await import("vcm/testing");
out.testing = typeof testing.runConformance;
process.stdout.write(JSON.stringify(out));
`;

const TYPED_CONSUMER = `
import { check, compile, run, explain, builtinRegistry, type Diagnostic, type RunReport,
  type Compilation, type CheckedTopology, type VcmPlugin, type ExplainResult } from "vcm";
import type { Capabilities } from "vcm/plugin-api";
import { runConformance } from "vcm/testing";
import { ioPgtableSelfTests } from "vcm/testing/vitest";
import prettierPlugin, { parsers } from "vcm/prettier";
import { formatVcm, VcmFormatError } from "vcm";

export async function proved(path: string): Promise<RunReport["status"] | undefined> {
  const checked: CheckedTopology = await check(path, { plugins: [] });
  const errors: Diagnostic[] = checked.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) return undefined;
  const compilation: Compilation = await compile(checked, { output: "out", format: "c" });
  const walk: ExplainResult | undefined = compilation.compiled
    ? explain(compilation.compiled, "gpu", 0x1000n)
    : undefined;
  void walk;
  return (await run(compilation, { jobs: 2 })).report?.status;
}

export function plugin(name: string): VcmPlugin | undefined {
  return builtinRegistry().get(name);
}
export type Caps = Capabilities;
export const kit: typeof runConformance = runConformance;
export const selfTests: typeof ioPgtableSelfTests = ioPgtableSelfTests;
export const vcmParser = parsers.vcm.astFormat;
export const extensions: string[] = prettierPlugin.languages.flatMap((l) => l.extensions);
export function formatted(text: string): string | VcmFormatError {
  try {
    return formatVcm(text, { tabWidth: 2 });
  } catch (e) {
    if (e instanceof VcmFormatError) return e;
    throw e;
  }
}
`;

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    lib: ["ES2022"],
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    // The scratch project has no @types/node of its own: use the repository's.
    typeRoots: [join(ROOT, "node_modules/@types")],
    types: ["node"],
  },
  files: ["consumer.ts"],
};

let packed: PackedTarball;
let app: string;

beforeAll(() => {
  packed = packTarball();
  app = join(packed.dir, "app");
  mkdirSync(app);
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "scratch", private: true, type: "module" }),
  );
  const install = ["install", "--no-audit", "--no-fund", "--no-save", packed.tarball];
  try {
    // The dependencies are in npm's cache when `npm ci` has run and the lockfile's versions match.
    npm([...install, "--offline"], app);
  } catch {
    npm([...install, "--prefer-offline"], app);
  }
  writeFileSync(join(app, "tiny.vcm"), TOPOLOGY);
  writeFileSync(join(app, "broken.vcm"), BROKEN);
  writeFileSync(join(app, "consumer.mjs"), CONSUMER);
  writeFileSync(join(app, "consumer.ts"), TYPED_CONSUMER);
  writeFileSync(join(app, "tsconfig.json"), JSON.stringify(TSCONFIG));
}, 240_000);

afterAll(() => {
  if (packed) rmSync(packed.dir, { recursive: true, force: true });
});

function node(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { cwd: app, encoding: "utf8" });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

let consumed: Record<string, any> | undefined;
function consumerOutput(): Record<string, any> {
  if (!consumed) {
    const r = node(["consumer.mjs"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    consumed = JSON.parse(r.stdout) as Record<string, any>;
  }
  return consumed;
}

describe("vcm as a library, installed from its tarball", () => {
  it("drives load, check, compile, run, explain and the registry from plain ESM", () => {
    const out = consumerOutput();
    expect(out.exports).toEqual(
      expect.arrayContaining(["check", "compile", "run", "explain", "parseSource"]),
    );
    expect(out.parse).toEqual({ statements: 2, diagnostics: 0 });
    expect(out.brokenCodes.length).toBeGreaterThan(0);
    expect(out.brokenCodes[0]).toMatch(/^VCM\d{4}$/);
    expect(out.brokenText).toMatch(/broken\.vcm:3:\d+: error\[VCM\d{4}\]/);
    expect(out.brokenJson.diagnostics.length).toBe(out.brokenCodes.length);
    expect(out.check).toEqual({ errors: 0, topology: "tiny" });
    expect(out.compile).toEqual({ ok: true, written: false, tables: 1, mappings: 1 });
    expect(out.refused).toEqual({ ok: false, written: false, exists: false });
    expect(out.compileDir.ok).toBe(true);
    expect(out.compileDir.written).toBe(true);
    expect(out.run).toEqual({ status: "proved", pagesChecked: 16, json: "proved" });
    expect(out.runTables).toBe("proved");
    expect(out.runBroken).toEqual({ report: null, errors: true });
    expect(out.explain.ok).toBe(true);
    // fb is placed first fit in dram after the 16M pool: within dram, outside the pool.
    const pa = BigInt(`0x${out.explain.pa}`);
    expect(pa >= 0x8100_0000n && pa < 0xc000_0000n).toBe(true);
    expect(out.explain.text).toMatch(/^gpu 0x10000000: iommu smmu0/);
    expect(out.explainMiss).toBe(false);
    expect(out.plugins).toEqual(expect.arrayContaining(["arm-lpae", "intel-vtd", "x86-64"]));
    expect(out.emptyRegistry).toEqual([]);
    expect(out.checks).toBeGreaterThan(50);
    expect(out.testing).toBe("function");
    expect(out.format).toBe("memory m 0 .. +4K ram // x\n");
    expect(out.prettierLanguages).toEqual([".vcm"]);
  });

  it("says clearly that vcm/testing/vitest needs vitest when it is not installed", () => {
    const out = consumerOutput();
    expect(out.vitest).toMatch(/vcm\/testing\/vitest needs vitest.*npm install --save-dev vitest/);
  });

  it("type-checks a typed consumer with skipLibCheck off", () => {
    const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
    const r = node([tsc, "-p", "tsconfig.json"]);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.code).toBe(0);
  }, 180_000);

  it("installs the vcm command", () => {
    const r = node(["node_modules/vcm/bin/vcm.js", "check", "tiny.vcm"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("formats with `prettier --plugin vcm/prettier` and `vcm fmt`, which agree", () => {
    writeFileSync(join(app, "messy.vcm"), "topology  t\nmemory dram 0x8000_0000..+1G ram\n");
    const prettier = join(ROOT, "node_modules/prettier/bin/prettier.cjs");
    const viaPrettier = node([prettier, "--plugin", "vcm/prettier", "messy.vcm"]);
    expect(viaPrettier.stderr).toBe("");
    expect(viaPrettier.stdout).toBe("topology t\nmemory dram 0x8000_0000 .. +1G ram\n");
    const viaVcm = node(["node_modules/vcm/bin/vcm.js", "fmt", "messy.vcm"]);
    expect(viaVcm.stdout).toBe(viaPrettier.stdout);
    const check = node([prettier, "--plugin", "vcm/prettier", "--check", "messy.vcm"]);
    expect(check.code).toBe(1);
  });
});
