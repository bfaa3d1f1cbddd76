/**
 * What a topology alone can make `vcm` do (docs/SECURITY.md), through the real binary on real
 * files: a `use` line runs no code, imports stay inside the project root, and nothing outside
 * it is shown.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, hasStackTrace, vcm } from "./helpers.js";

const TOY = join(ROOT, "test/fixtures/plugins/toy-flat/index.js");

/** A plugin module that leaves a marker file when it is imported: proof that its code ran. */
const EVIL = `import { writeFileSync } from "node:fs";
writeFileSync(new URL("./MARKER", import.meta.url), "ran");
export default {};
`;

/** A fresh project directory (a `.git` entry bounds the configuration search to it). */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "vcm-trust-"));
  mkdirSync(join(dir, ".git"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const SMALL = `topology t
memory ram 0x4000_0000 .. +1G ram
pool tables in ram[0 .. +4M]
`;

const EVIL_TOPOLOGY = `topology t
use "./evil.mjs"
memory ram 0x4000_0000 .. +1G ram
pool tables in ram[0 .. +4M]
`;

describe("a `use` line runs no code", () => {
  it("vcm check, compile and run do not import a plugin only a `use` line names", () => {
    const dir = project({ "t.vcm": EVIL_TOPOLOGY, "evil.mjs": EVIL });
    const check = vcm(["check", "t.vcm"], { cwd: dir });
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(
      /^t\.vcm:2:5: error\[VCM0023\]: plugin '\.\/evil\.mjs' was not loaded: a `use` line alone never runs a plugin's code/m,
    );
    expect(check.stderr).toContain(
      'hint: to trust it, pass --plugin ./evil.mjs or create vcm.config.json holding { "plugins": ["./evil.mjs"] }',
    );
    const compile = vcm(["compile", "t.vcm", "-o", "out"], { cwd: dir });
    expect(compile.code).toBe(1);
    expect(compile.stderr + compile.stdout).toContain("VCM0023");
    const run = vcm(["run", "t.vcm"], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("VCM0023");
    expect(existsSync(join(dir, "MARKER"))).toBe(false);
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it("--plugin allows it: the module runs (and is then judged as a plugin)", () => {
    const dir = project({ "t.vcm": EVIL_TOPOLOGY, "evil.mjs": EVIL });
    const r = vcm(["check", "--plugin", "./evil.mjs", "t.vcm"], { cwd: dir });
    expect(readFileSync(join(dir, "MARKER"), "utf8")).toBe("ran");
    expect(r.stderr).not.toContain("VCM0023");
    expect(r.stderr).toMatch(/error\[VCM0022\]: '\.\/evil\.mjs' is not a VCM plugin/);
  });

  it("vcm.config.json found upwards from the topology allows it; --no-config ignores it", () => {
    const dir = project({
      "vcm.config.json": '{ "plugins": ["./tools/evil.mjs"] }\n',
      "tools/evil.mjs": EVIL,
      "hw/t.vcm": EVIL_TOPOLOGY.replace("./evil.mjs", "../tools/evil.mjs"),
    });
    const ignored = vcm(["check", "--no-config", "hw/t.vcm"], { cwd: dir });
    expect(ignored.stderr).toMatch(/^hw\/t\.vcm:2:5: error\[VCM0023\]/m);
    expect(existsSync(join(dir, "tools", "MARKER"))).toBe(false);
    const r = vcm(["check", "hw/t.vcm"], { cwd: dir });
    expect(existsSync(join(dir, "tools", "MARKER"))).toBe(true);
    expect(r.stderr).not.toContain("VCM0023");
    // The hint names the configuration in force, and the path as that file would list it.
    const other = join(dir, "hw", "other.mjs");
    writeFileSync(other, EVIL);
    writeFileSync(join(dir, "hw", "u.vcm"), EVIL_TOPOLOGY.replace("./evil.mjs", "./other.mjs"));
    const u = vcm(["check", "hw/u.vcm"], { cwd: dir });
    expect(u.stderr).toContain('or add "./hw/other.mjs" to the "plugins" list of vcm.config.json');
    expect(existsSync(join(dir, "hw", "MARKER"))).toBe(false);
  });

  it("the configuration search stops at the repository root", () => {
    const outer = project({
      "vcm.config.json": '{ "plugins": ["./repo/evil.mjs"] }\n',
    });
    const repo = join(outer, "repo");
    mkdirSync(join(repo, ".git"), { recursive: true });
    writeFileSync(join(repo, "evil.mjs"), EVIL);
    writeFileSync(join(repo, "t.vcm"), EVIL_TOPOLOGY);
    const r = vcm(["check", "t.vcm"], { cwd: repo });
    expect(r.stderr).toMatch(/^t\.vcm:2:5: error\[VCM0023\]/m);
    expect(existsSync(join(repo, "MARKER"))).toBe(false);
  });

  it("a refused plugin skips the checks that need it rather than failing them", () => {
    const dir = project({
      "t.vcm": readFileSync(join(ROOT, "test/fixtures/plugins/toy-flat/topology.vcm"), "utf8"),
    });
    cpSync(TOY, join(dir, "index.js"));
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(ROOT, join(dir, "node_modules", "vcm"), "dir");
    const r = vcm(["check", "--format", "json", "t.vcm"], { cwd: dir });
    const out = JSON.parse(r.stdout) as {
      diagnostics: { code: string; severity: string; line: number; column: number }[];
    };
    const errors = out.diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => [d.code, d.line, d.column])).toEqual([["VCM0023", 3, 5]]);
    expect(out.diagnostics).toContainEqual(
      expect.objectContaining({ code: "VCM0106", severity: "note", line: 6 }),
    );
    // Allowed, the same file is clean.
    const ok = vcm(["check", "--plugin", "./index.js", "t.vcm"], { cwd: dir });
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
  });

  it("an invalid configuration is reported at its line and column, and allows nothing", () => {
    const dir = project({
      "vcm.config.json": '{\n  "plugins": ["./evil.mjs", 7],\n  "plugns": []\n}\n',
      "t.vcm": SMALL,
    });
    const r = vcm(["check", "t.vcm"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^vcm\.config\.json:2:29: error\[VCM0024\]: \/plugins\/1 must be a plugin path or package name/m,
    );
    expect(r.stderr).toMatch(
      /^vcm\.config\.json:3:3: error\[VCM0024\]: 'vcm\.config\.json' has an unknown setting 'plugns'/m,
    );
    writeFileSync(join(dir, "vcm.config.json"), '{ "plugins": [\n');
    const broken = vcm(["check", "t.vcm"], { cwd: dir });
    expect(broken.stderr).toMatch(
      /^vcm\.config\.json:2:1: error\[VCM0024\]: 'vcm\.config\.json' is not valid JSON/m,
    );
    expect(hasStackTrace(broken.stdout + broken.stderr)).toBe(false);
  });

  it("a valid configuration and a package.json without a vcm key are silent", () => {
    const dir = project({
      "package.json": '{ "name": "x" }\n',
      "vcm.config.json": '{ "$schema": "x", "plugins": [] }\n',
      "t.vcm": SMALL,
    });
    const r = vcm(["check", "t.vcm"], { cwd: dir });
    expect(r.stderr).toContain("0 errors");
    expect(r.code).toBe(0);
  });
});

describe("imports stay inside the project root", () => {
  const SECRET = "SECRET-CONTENT-4711";

  function escapeProject(): string {
    const dir = project({
      "outside/secret.vcm": `${SECRET}\n`,
      "outside/passwd": `root:${SECRET}:0:0\n`,
      "proj/common.vcm": "const C = 1\n",
      "proj/hw/notes.txt": `${SECRET}\n`,
    });
    symlinkSync(join(dir, "outside", "secret.vcm"), join(dir, "proj", "hw", "link.vcm"));
    return dir;
  }

  it("refuses .., absolute paths, symbolic links out and non-.vcm files, showing none of them", () => {
    const dir = escapeProject();
    writeFileSync(
      join(dir, "proj/hw/t.vcm"),
      [
        "topology t",
        'import "../../outside/passwd"',
        `import "${join(dir, "outside", "secret.vcm")}"`,
        'import "link.vcm"',
        'import "notes.txt"',
        "",
      ].join("\n"),
    );
    const r = vcm(["check", "proj/hw/t.vcm"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^proj\/hw\/t\.vcm:2:8: error\[VCM0025\]: import '\.\.\/\.\.\/outside\/passwd' leaves the project root; it is not read/m,
    );
    expect(r.stderr).toMatch(
      /^proj\/hw\/t\.vcm:3:8: error\[VCM0025\]: import '.*' is an absolute path/m,
    );
    expect(r.stderr).toMatch(
      /^proj\/hw\/t\.vcm:4:8: error\[VCM0025\]: import 'link\.vcm' is a symbolic link to a place outside the project root/m,
    );
    expect(r.stderr).toMatch(
      /^proj\/hw\/t\.vcm:5:8: error\[VCM0026\]: import 'notes\.txt' does not name a \.vcm file/m,
    );
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    const json = vcm(["check", "-f", "sarif", "proj/hw/t.vcm"], { cwd: dir });
    expect(json.stderr).not.toContain(SECRET);
  });

  it("the root is the top-level file's directory, the configuration's, or --root", () => {
    const dir = escapeProject();
    writeFileSync(join(dir, "proj/hw/t.vcm"), 'topology t\nimport "../common.vcm"\n');
    const narrow = vcm(["check", "proj/hw/t.vcm"], { cwd: dir });
    expect(narrow.stderr).toMatch(/^proj\/hw\/t\.vcm:2:8: error\[VCM0025\]/m);
    const wide = vcm(["check", "--root", "proj", "proj/hw/t.vcm"], { cwd: dir });
    expect(wide.stderr).toContain("0 errors");
    expect(wide.code).toBe(0);
    writeFileSync(join(dir, "proj", "vcm.config.json"), "{}\n");
    const configured = vcm(["check", "proj/hw/t.vcm"], { cwd: dir });
    expect(configured.stderr).toContain("0 errors");
    expect(configured.code).toBe(0);
    const bad = vcm(["check", "--root", "nowhere", "proj/hw/t.vcm"], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("vcm: error: --root nowhere: not a directory\n");
  });

  it("an import of a FIFO is refused without blocking", () => {
    const dir = project({ "t.vcm": 'topology t\nimport "pipe.vcm"\n' });
    execFileSync("mkfifo", [join(dir, "pipe.vcm")]);
    const r = vcm(["check", "t.vcm"], { cwd: dir });
    expect(r.stderr).toMatch(/^t\.vcm:2:1: error\[VCM0011\]: 'pipe\.vcm' is not a regular file/m);
  });

  it("code frames quote only .vcm sources", () => {
    const dir = project({
      "t.txt": "topology t\nmap nothing\n",
      "t.vcm": "topology t\nmap nothing\n",
    });
    const txt = vcm(["check", "t.txt"], { cwd: dir });
    expect(txt.stderr).toMatch(/^t\.txt:2:\d+: error/m);
    expect(txt.stderr).not.toContain(" | ");
    const src = vcm(["check", "t.vcm"], { cwd: dir });
    expect(src.stderr).toContain(" 2 | map nothing");
  });
});
