/**
 * `vcm plugin-init`: the scaffolded package passes `vcm plugin-test` and its own vitest
 * conformance test against this vcm, as generated; bad names and non-empty places are refused.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scaffoldPlugin } from "../../src/cli/plugin-scaffold.js";
import { ROOT, vcm } from "./helpers.js";

const scratch = mkdtempSync(join(tmpdir(), "vcm-plugin-init-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("vcm plugin-init", () => {
  it("scaffolds a package that passes plugin-test, its own tests and a run, as generated", () => {
    const init = vcm(["plugin-init", "my-iommu", "--dir", join(scratch, "pkg")]);
    expect(init.code, init.stderr).toBe(0);
    const dir = join(scratch, "pkg");
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    expect(pkg.peerDependencies).toEqual({ vcm: expect.stringMatching(/^\^\d/) });
    // What `npm install` would give: this vcm and its vitest.
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(ROOT, join(dir, "node_modules", "vcm"), "dir");
    symlinkSync(join(ROOT, "node_modules", "vitest"), join(dir, "node_modules", "vitest"), "dir");

    const kit = vcm(["plugin-test", "./index.js", "--runs", "5"], { cwd: dir });
    expect(kit.stdout).toContain("all properties hold");
    expect(kit.code).toBe(0);
    const proved = vcm(["run", "example.vcm"], { cwd: dir });
    expect(proved.stdout).toContain("proved: 512 pages");
    expect(proved.code, proved.stderr).toBe(0);
    const own = spawnSync(process.execPath, ["node_modules/vitest/vitest.mjs", "run"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, FUZZ_RUNS: "5", CI: "1" },
    });
    expect(own.stdout + own.stderr).toMatch(/1 passed/);
    expect(own.status).toBe(0);
  });

  it("refuses a name that is not a format name, and a non-empty directory", () => {
    expect(() => scaffoldPlugin(join(scratch, "x"), "My_IOMMU")).toThrow(/not a format name/);
    const full = join(scratch, "full");
    mkdirSync(full);
    writeFileSync(join(full, "keep.txt"), "mine");
    expect(() => scaffoldPlugin(full, "ok")).toThrow(/not empty; nothing was written/);
    expect(readFileSync(join(full, "keep.txt"), "utf8")).toBe("mine");
  });
});
