/**
 * `vcm check --watch`: the real binary, one process for the whole story: the first check
 * prints everything, an edit of an imported file prints only the new diagnostic, a change that
 * only moves lines prints nothing, the fix prints `fixed:`, and Ctrl-C ends it with the last
 * check's status.
 */
import { spawn } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../../bin/vcm.js", import.meta.url));
const SOC = "memory ddr 0x8000_0000 .. +1G ram\npool tables in ddr[0 .. +16M]\n";
const MAIN =
  'topology m\nimport "soc.vcm"\nbuffer b in ddr size 4K\n// vcm: disable unused-declaration\n';

it("re-checks on a change of an import and prints only what changed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "vcm-watch-"));
  mkdirSync(join(dir, ".git"));
  writeFileSync(join(dir, "soc.vcm"), SOC);
  writeFileSync(join(dir, "m.vcm"), MAIN);
  const child = spawn(process.execPath, [BIN, "check", "--watch", "m.vcm"], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: "1" },
  });
  let out = "";
  let waiting: (() => void) | undefined;
  child.stdout.on("data", (d) => {
    out += String(d);
    waiting?.();
  });
  child.stderr.on("data", (d) => (out += String(d)));
  const until = async (pattern: RegExp, from: number) => {
    const deadline = Date.now() + 20_000;
    while (!pattern.test(out.slice(from))) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${pattern}; output:\n${out}`);
      await new Promise<void>((resolve) => {
        waiting = resolve;
        setTimeout(resolve, 200);
      });
    }
    return out.length;
  };

  let mark = await until(/watching 2 files for changes/, 0);
  expect(out).toMatch(/^0 errors, 0 warnings\n/);

  writeFileSync(join(dir, "soc.vcm"), SOC.replace("memory ddr", "memory dram"));
  const next = await until(/now 2 errors, 0 warnings\n/, mark);
  const broken = out.slice(mark, next);
  expect(broken).toContain("m.vcm:3:13: error[VCM0100]: unknown name 'ddr'");
  expect(broken).toContain("soc.vcm:2:16: error[VCM0100]: unknown name 'ddr'");
  expect(broken).toContain("2 new diagnostics, 0 fixed; now 2 errors, 0 warnings");
  mark = next;

  // Blank lines move nothing that matters: no output. Then the fix.
  appendFileSync(join(dir, "m.vcm"), "\n\n");
  await new Promise((r) => setTimeout(r, 600));
  writeFileSync(join(dir, "soc.vcm"), SOC);
  const fixedAt = await until(/now 0 errors, 0 warnings\n/, mark);
  const fixed = out.slice(mark, fixedAt);
  expect(fixed.match(/^fixed: /gm)).toHaveLength(2);
  expect(fixed).toContain("fixed: m.vcm:3:13: error[VCM0100]");
  expect(fixed).not.toContain("new diagnostics, 0 fixed");

  const exit = new Promise<number | null>((resolve) => child.on("exit", resolve));
  child.kill("SIGINT");
  expect(await exit).toBe(0);
});
