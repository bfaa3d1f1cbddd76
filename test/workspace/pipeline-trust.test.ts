/**
 * The trust rule lives in the pipeline every front end calls (the CLI, a language server), so a
 * caller of `checkTopology` gets it without any flag: a `use` line imports nothing.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkTopology } from "../../src/pipeline/check-topology.js";

const EVIL = `import { writeFileSync } from "node:fs";
writeFileSync(new URL("./MARKER", import.meta.url), "ran");
export default {};
`;

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), "vcm-pipeline-"));
  mkdirSync(join(dir, ".git"));
  writeFileSync(join(dir, "evil.mjs"), EVIL);
  writeFileSync(join(dir, "t.vcm"), 'topology t\nuse "./evil.mjs"\nimport "../x.vcm"\n');
  return dir;
}

describe("checkTopology (the path a language server takes)", () => {
  it("refuses a `use` and an escaping import by default, importing and reading nothing", async () => {
    const dir = project();
    const r = await checkTopology(join(dir, "t.vcm"), { cwd: dir });
    expect(
      r.diagnostics
        .filter((d) => d.severity === "error")
        .map((d) => [d.code, d.span?.line])
        .sort(),
    ).toEqual([
      ["VCM0023", 2],
      ["VCM0025", 3],
    ]);
    expect(existsSync(join(dir, "MARKER"))).toBe(false);
    expect(r.root).toBe(dir);
    expect(r.configFile).toBeUndefined();
  });

  it("reports a --plugin that cannot be found or fails to load (plugin-load-failed)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vcm-pipeline-"));
    writeFileSync(join(dir, "t.vcm"), "topology t\n");
    const plugins = ["no-such-vcm-plugin-package", "./gone.mjs"];
    const r = await checkTopology(join(dir, "t.vcm"), { cwd: dir, plugins });
    const failed = r.diagnostics.filter((d) => d.check === "plugin-load-failed");
    expect(failed.map((d) => d.code)).toEqual(["VCM0020", "VCM0020"]);
    expect(failed[0]!.message).toBe("cannot find plugin 'no-such-vcm-plugin-package'");
    expect(failed[1]!.message).toMatch(/^plugin '\.\/gone\.mjs' failed to load: /);
  });

  it("loads what the configuration allows, and ignores it when told to", async () => {
    const dir = project();
    writeFileSync(join(dir, "vcm.config.json"), '{ "plugins": ["./evil.mjs"] }');
    const ignored = await checkTopology(join(dir, "t.vcm"), { cwd: dir, config: false });
    expect(ignored.diagnostics.map((d) => d.code)).toContain("VCM0023");
    expect(existsSync(join(dir, "MARKER"))).toBe(false);
    const r = await checkTopology(join(dir, "t.vcm"), { cwd: dir });
    expect(existsSync(join(dir, "MARKER"))).toBe(true);
    expect(r.configFile).toBe(join(dir, "vcm.config.json"));
    expect(r.diagnostics.map((d) => d.code)).not.toContain("VCM0023");
  });
});
