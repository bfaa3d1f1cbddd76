/**
 * Plugins are bounded (issue 9 §3), with real processes: a third-party plugin that throws,
 * returns garbage or never returns ends with a diagnostic naming the plugin, its origin and the
 * call, exit 1, nothing written, no temporary directory left, and never a hang.
 */
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hasStackTrace, ROOT, vcm } from "./helpers.js";

/**
 * The fixture plugins copied into the package's ignored test-output folder: the cases are
 * written beside the plugin (its folder's vcm.config.json allows it), and other test files walk
 * `test/` for .vcm files while this one runs. Inside the package, `vcm/plugin-api` still
 * resolves (a package's self-reference).
 */
mkdirSync(join(ROOT, "test-output"), { recursive: true });
const copy = mkdtempSync(join(ROOT, "test-output", "plugin-bounds-"));
cpSync(join(ROOT, "test/fixtures/plugins"), copy, {
  recursive: true,
  filter: (source) => !/case-[^/]*\.vcm$/.test(source),
});
const FIXTURE = join(copy, "hostile");
const ORIGIN = join(FIXTURE, "index.js");
const scratch = mkdtempSync(join(tmpdir(), "vcm-bounds-"));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(copy, { recursive: true, force: true });
});

/**
 * The hostile topology in the fixture's folder (its `use` is relative; the folder's
 * vcm.config.json allows the plugin), in a given mode.
 */
function topology(mode: string): string {
  const file = join(FIXTURE, `case-${mode}.vcm`);
  writeFileSync(file, readFileSync(join(FIXTURE, "topology.vcm"), "utf8").replace("MODE", mode));
  return file;
}

function compile(mode: string, ...extra: string[]) {
  const out = join(scratch, `out-${mode}`);
  const t0 = performance.now();
  const r = vcm(["compile", topology(mode), "-o", out, ...extra]);
  return { ...r, out, ms: performance.now() - t0 };
}

function expectNothingWritten(out: string): void {
  const name = out.split("/").pop()!;
  expect(readdirSync(scratch).filter((n) => n === name || n.startsWith(`.${name}.`))).toEqual([]);
}

describe("third-party plugins are bounded", () => {
  it("compiles through a well-behaved third-party plugin in the worker thread", () => {
    const r = compile("none");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("wrote");
  });

  it("a plugin that throws: VCM0310 naming the plugin, its origin, the call and the mapping", () => {
    const r = compile("throw-map");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[VCM0310]");
    expect(r.stderr).toContain(`plugin 'hostile' (${ORIGIN}) threw in map()`);
    expect(r.stderr).toContain("mapping b into 'dom'");
    expect(r.stderr).toMatch(/case-throw-map\.vcm:\d+:\d+/);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expectNothingWritten(r.out);
  });

  for (const [mode, call, why] of [
    ["bad-registers", "registers()", "register 'ROOT' must be a 64-bit unsigned bigint"],
    ["root-outside-pool", "create()", "root 0x12345000 is outside pool 'tables'"],
    ["bad-describe", "describe()", "expected a string, got 42"],
  ] as const) {
    it(`a plugin returning garbage from ${call}: VCM0321, exit 1, nothing written`, () => {
      const r = compile(mode);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("error[VCM0321]");
      expect(r.stderr).toContain(
        `plugin 'hostile' (${ORIGIN}) returned an invalid value from ${call}`,
      );
      expect(r.stderr).toContain(why);
      expect(hasStackTrace(r.stderr)).toBe(false);
      expectNothingWritten(r.out);
    });
  }

  it("garbage capabilities while checking: VCM0270 at the mapper, not an internal error", () => {
    const file = topology("bad-capabilities");
    const r = vcm(["check", file]);
    const out = r.stdout + r.stderr;
    expect(r.code).toBe(1);
    expect(out).toContain("error[VCM0270]");
    expect(out).toContain("pageSizes[0] must be a power of two");
    expect(out).not.toContain("VCM0299");
  });

  it("a plugin stuck in map(): VCM0322 after the budget, naming the call; no hang", () => {
    const r = compile("hang-map", "--plugin-timeout", "4");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[VCM0322]");
    expect(r.stderr).toContain(
      `plugin 'hostile' (${ORIGIN}) ran past the 4 s budget in map() while mapping b into 'dom'`,
    );
    expect(r.stderr).toMatch(/case-hang-map\.vcm:\d+:\d+/);
    expect(r.ms).toBeLessThan(30_000);
    expectNothingWritten(r.out);
  });

  it("a plugin stuck in describe() while the output is written: no temporary directory left", () => {
    const r = compile("hang-describe", "--plugin-timeout", "4");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[VCM0322]");
    expect(r.stderr).toContain("in describe() while writing");
    expectNothingWritten(r.out);
  });

  it("a plugin module whose top-level code never returns: VCM0322, no hang", () => {
    const file = join(FIXTURE, "case-import.vcm");
    writeFileSync(file, 'topology x\nuse "./hang-on-import.js"\nmemory ram 0 .. +1G ram\n');
    const t0 = performance.now();
    // Allowed by the invocation (a `use` line alone would not load it at all).
    const hang = join(FIXTURE, "hang-on-import.js");
    const r = vcm([
      "compile",
      file,
      "-o",
      join(scratch, "out-import"),
      "--plugin",
      hang,
      "--plugin-timeout",
      "4",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[VCM0322]");
    expect(r.stderr).toContain("loading the plugins and checking the topology ran past the 4 s");
    expect(r.stderr).toMatch(/case-import\.vcm:1:1/);
    expect(performance.now() - t0).toBeLessThan(30_000);
  });

  it("vcm check: a plugin stuck in validate() is VCM0322 naming the call; no hang", () => {
    const t0 = performance.now();
    const r = vcm(["check", topology("hang-validate"), "--plugin-timeout", "4"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[VCM0322]");
    expect(r.stderr).toContain(
      `plugin 'hostile' (${ORIGIN}) ran past the 4 s budget in validate()`,
    );
    expect(performance.now() - t0).toBeLessThan(30_000);
  });

  it("vcm run: a well-behaved plugin is proved in the worker; one stuck in leaves() is VCM0322", () => {
    const ok = vcm(["run", topology("none")]);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("proved: 512 pages");
    const t0 = performance.now();
    const r = vcm(["run", topology("hang-leaves"), "--plugin-timeout", "4", "--jobs", "2"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[VCM0322]");
    expect(r.stderr).toContain(
      `plugin 'hostile' (${ORIGIN}) ran past the 4 s budget in leaves() while proving the endpoints`,
    );
    expect(performance.now() - t0).toBeLessThan(30_000);
  });

  it("vcm run: a plugin that ends its thread is VCM0323 naming the call, not a crash", () => {
    const r = vcm(["run", topology("exit-leaves")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[VCM0323]");
    expect(r.stderr).toContain(`during leaves() of plugin 'hostile' (${ORIGIN})`);
    expect(r.stderr).toContain("the thread exited (code 7)");
    expect(hasStackTrace(r.stderr)).toBe(false);
  });

  it("refuses a --plugin-timeout that is not a positive number of seconds", () => {
    const r = vcm(["compile", topology("none"), "-o", join(scratch, "x"), "--plugin-timeout", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("a number of seconds > 0");
  });
});
