/**
 * `vcm fmt`, run in process: what it prints, writes and exits with; and the repository's own
 * samples and documentation examples are formatted (`vcm fmt --check` passes on them).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { runCli } from "../../src/cli/program.js";
import { formatVcm } from "../../src/format/index.js";
import { ROOT } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "vcm-fmt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function fmt(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((s) => {
    stdout += String(s);
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation((s) => {
    stderr += String(s);
    return true;
  });
  const before = process.exitCode;
  try {
    const code = await runCli(["fmt", ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = before;
  }
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const MESSY = "memory  ddr 0x8000_0000..+2G ram\nmemory sram 0x1000_0000 .. +32M ram // on chip\n";
const TIDY =
  "memory ddr  0x8000_0000 .. +2G  ram\nmemory sram 0x1000_0000 .. +32M ram // on chip\n";

describe("vcm fmt", () => {
  it("prints the formatted text by default and writes nothing", async () => {
    const path = file("print.vcm", MESSY);
    const r = await fmt(path);
    expect(r).toMatchObject({ code: 0, stdout: TIDY, stderr: "" });
    expect(readFileSync(path, "utf8")).toBe(MESSY);
  });

  it("--check exits 1 naming a file that would change, 0 when all are formatted", async () => {
    const messy = file("check-messy.vcm", MESSY);
    const tidy = file("check-tidy.vcm", TIDY);
    const r = await fmt("--check", messy, tidy);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("would reformat");
    expect(r.stdout).toContain("check-messy.vcm");
    expect(r.stdout).not.toContain("check-tidy.vcm\n");
    expect(readFileSync(messy, "utf8")).toBe(MESSY);
    expect((await fmt("--check", tidy)).code).toBe(0);
  });

  it("--write rewrites the files that change; a second run has nothing to do", async () => {
    const path = file("write.vcm", MESSY);
    const r = await fmt("--write", path);
    expect(r.code).toBe(0);
    expect(readFileSync(path, "utf8")).toBe(TIDY);
    expect((await fmt("--write", path)).stdout).toBe("");
  });

  it("a syntax error: file:line:col and the code, exit 2, and no file is written", async () => {
    const good = file("good.vcm", MESSY);
    const bad = file("bad.vcm", "memory ddr 0 .. +1G ram\nbuffer b in ddr size\n");
    const r = await fmt("--write", good, bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.vcm:2:21: error\[VCM0001\]/);
    expect(r.stderr).toContain("nothing was written");
    expect(readFileSync(good, "utf8")).toBe(MESSY);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  // Issue 17: every syntax error of a broken file was printed (and, past ~120,000, spread as
  // call arguments until the stack overflowed); `vcm check`'s per-file cap applies.
  it("a file of 2,000 syntax errors prints 1,000 and one note counting the rest", async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `buffer b${i} in ddr size )`);
    const r = await fmt(file("broken.vcm", lines.join("\n") + "\n"));
    expect(r.code).toBe(2);
    expect(r.stderr.match(/error\[VCM0001\]/g)).toHaveLength(1000);
    expect(r.stderr).toMatch(/note\[VCM0143\]: 1000 more diagnostics in this file not shown/);
    expect(r.stderr).toContain("not formatted: 2000 problems");
  });

  it("a directory stands for the .vcm files below it", async () => {
    const sub = join(dir, "tree", "deeper");
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, "one.vcm"), MESSY);
    writeFileSync(join(dir, "tree", "notes.txt"), "not vcm");
    const r = await fmt("--check", join(dir, "tree"));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("one.vcm");
    expect(r.stdout).not.toContain("notes.txt");
  });

  it("an unreadable file and bad usage exit 2 without a stack trace", async () => {
    const missing = await fmt(join(dir, "missing.vcm"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/VCM0010/);
    const both = await fmt("--check", "--write", file("u.vcm", TIDY));
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--check or --write, not both");
  });
});

describe("the repository is formatted", () => {
  function vcmFiles(sub: string): string[] {
    return readdirSync(join(ROOT, sub), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".vcm"))
      .map((f) => join(ROOT, sub, f));
  }

  it("vcm fmt --check samples (every .vcm file below it)", async () => {
    expect(vcmFiles("samples").length).toBeGreaterThan(5);
    const r = await fmt("--check", join(ROOT, "samples"));
    expect(r.stdout + r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("every vcm example in README.md, grammar/REFERENCE.md and docs/ parses and is formatted", () => {
    const docs = [
      "README.md",
      "grammar/REFERENCE.md",
      ...readdirSync(join(ROOT, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`),
    ];
    const examples: { where: string; text: string }[] = [];
    for (const doc of docs) {
      const text = readFileSync(join(ROOT, doc), "utf8");
      for (const m of text.matchAll(/^```vcm\n([^]*?)^```/gm)) {
        examples.push({
          where: `${doc}:${text.slice(0, m.index).split("\n").length}`,
          text: m[1]!,
        });
      }
    }
    expect(examples.length).toBeGreaterThanOrEqual(4);
    const unformatted = examples.filter((e) => formatVcm(e.text, { file: e.where }) !== e.text);
    expect(unformatted.map((e) => e.where)).toEqual([]);
  });
});
