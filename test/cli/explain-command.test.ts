/** `vcm explain` with many addresses: positional, `--addresses FILE|-`, text and JSON lines. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { hasStackTrace, ROOT, vcm } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "vcm-explain-"));
const SAMPLE = "samples/kernel-halves.vcm";

describe("vcm explain, many addresses", () => {
  it("answers every positional address, in order, in one run", () => {
    const r = vcm(["explain", SAMPLE, "x86", "0xFFFF_FFFF_8000_0000", "0x40_0000"]);
    expect(r.code, r.stderr).toBe(0);
    const blocks = r.stdout.split(/^(?=x86 0x)/m);
    expect(blocks.map((b) => b.split(":")[0])).toEqual(["x86 0xffffffff80000000", "x86 0x400000"]);
    expect(r.stdout).toMatch(/L4 \[511\] @0x[0-9a-f]+ = 0x[0-9a-f]+ +PML4E table/);
    expect(r.stdout).toContain("upper half, table input 0xffff80000000");
  });

  it("reads --addresses from a file, with comments and blank lines; JSON lines with --json", () => {
    const file = join(dir, "addresses.txt");
    writeFileSync(
      file,
      "# kernel text\n0xFFFF_FFFF_8000_0000 0xFFFF_FFFF_8000_1000\n\n0x40_0000\n",
    );
    const r = vcm(["explain", SAMPLE, "a72", "0x1000", "--addresses", file, "--json"]);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.length).toBe(4);
    const results = lines.map((l) => JSON.parse(l));
    expect(results.map((x) => x.address)).toEqual([
      "0x1000",
      "0xffffffff80000000",
      "0xffffffff80001000",
      "0x400000",
    ]);
    // 0x1000 is unmapped and the kernel's a72 text is elsewhere: exit 1 when any address faults.
    expect(results.map((x) => x.outcome.ok)).toEqual([false, false, false, true]);
    expect(r.code).toBe(1);
  });

  it("reads --addresses - from standard input", () => {
    const bin = fileURLToPath(new URL("../../bin/vcm.js", import.meta.url));
    const r = spawnSync(process.execPath, [bin, "explain", SAMPLE, "a72", "--addresses", "-"], {
      cwd: ROOT,
      input: "0xFFFF_FFC0_0800_0000\n0xFFFF_FF80_0000_0000\n",
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "" },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.match(/^a72 0x/gm)?.length).toBe(2);
    expect(r.stdout).toContain("table a72.upper");
  });

  it("refuses a bad address in the file with its line, and no address at all", () => {
    const file = join(dir, "bad.txt");
    writeFileSync(file, "0x1000\n0xZZ\n");
    const bad = vcm(["explain", SAMPLE, "x86", "--addresses", file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("bad.txt:2: '0xZZ' is not an address");
    expect(hasStackTrace(bad.stderr)).toBe(false);
    const none = vcm(["explain", SAMPLE, "x86"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("give at least one address");
    const missing = vcm(["explain", SAMPLE, "x86", "--addresses", join(dir, "nope.txt")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read");
  });

  it("a thousand addresses take about as long as one (one lowering, one walk each)", () => {
    const file = join(dir, "many.txt");
    const many = Array.from(
      { length: 1000 },
      (_, i) => "0x" + (0xffff_8880_0000_0000n + BigInt(i) * 4096n).toString(16),
    );
    writeFileSync(file, many.join("\n"));
    const time = (args: string[]) => {
      const t = performance.now();
      const r = vcm(args);
      expect(r.code, r.stderr).toBe(0);
      return { ms: performance.now() - t, r };
    };
    const one = Math.min(...[0, 1].map(() => time(["explain", SAMPLE, "x86", many[0]!]).ms));
    const thousand = time(["explain", SAMPLE, "x86", "--addresses", file, "--json"]);
    expect(thousand.r.stdout.trimEnd().split("\n").length).toBe(1000);
    // Process start, check and lowering dominate; 1000 walks must not multiply them.
    expect(thousand.ms).toBeLessThan(one * 3 + 1000);
  });
});
