/**
 * CLI conventions (issue 12): one exit-code table listed by every command's help, usage errors
 * with one prefix, help wrapped to the terminal, colour switches, a keyword "did you mean",
 * skipped checks folded into one hint, SARIF's %SRCROOT%, and a closed pipe ending quietly.
 * In process where the CLI's pieces can be called; one spawn for the closed pipe.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Command } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { listChecks } from "../../src/checks/registry.js";
import { buildProgram } from "../../src/cli/program.js";
import { EXIT_CODES, exitCodeOf } from "../../src/cli/exit.js";
import { formatSarif, isSkippedCheckNote } from "../../src/diagnostics/printers/sarif.js";
import { useColor } from "../../src/diagnostics/printers/text.js";
import { check } from "../../src/index.js";
import { parseSource } from "../../src/syntax/parse.js";
import { ROOT } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "vcm-conventions-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function helpOf(command: Command, width = 80): string {
  let out = "";
  command.configureOutput({ writeOut: (s) => (out += s), getOutHelpWidth: () => width });
  command.outputHelp();
  return out;
}

describe("one exit-code table", () => {
  it("every command's help lists it", async () => {
    const program = await buildProgram();
    const table = EXIT_CODES.map((r) => `  ${r.code}  ${r.meaning}`);
    for (const command of [program, ...program.commands]) {
      const help = helpOf(command);
      expect(help, command.name()).toContain("Exit status:");
      for (const row of table) expect(help, command.name()).toContain(row);
    }
  });

  it("maps diagnostics to 0, 1, 2 and 3", () => {
    const d = (code: string, check: string, severity: "error" | "warning" = "error") => ({
      code,
      check,
      severity,
      message: "m",
    });
    expect(exitCodeOf([])).toBe(0);
    expect(exitCodeOf([d("VCM0222", "unused-declaration", "warning")])).toBe(0);
    expect(exitCodeOf([d("VCM0201", "iova-outside-aperture")])).toBe(1);
    expect(exitCodeOf([d("VCM0201", "iova-outside-aperture"), d("VCM0010", "x")])).toBe(2);
    expect(exitCodeOf([d("VCM0010", "x"), d("VCM0299", "internal-error")])).toBe(3);
  });

  it("the top-level help wraps to the terminal's width", async () => {
    const help = helpOf(await buildProgram(), 60);
    for (const line of help.split("\n")) expect(line.length, line).toBeLessThanOrEqual(60);
  });
});

describe("colour", () => {
  it("FORCE_COLOR=0 turns it off, NO_COLOR wins over FORCE_COLOR", () => {
    const tty = { isTTY: true };
    expect(useColor(tty, {})).toBe(true);
    expect(useColor(tty, { FORCE_COLOR: "0" })).toBe(false);
    expect(useColor({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
    expect(useColor({ isTTY: false }, { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(false);
    expect(useColor({ isTTY: false }, {})).toBe(false);
  });
});

describe("diagnostics that help", () => {
  it("a mistyped statement or block keyword gets a did-you-mean; a far one does not", () => {
    const { diagnostics } = parseSource(
      "mapp b -> dom\ndomain d on t { type dma; atach x }\nzzzzzz y\n",
      "k.vcm",
    );
    const messages = diagnostics.map((d) => d.message);
    expect(messages[0]).toMatch(/but found 'mapp'; did you mean 'map'\?$/);
    expect(messages[1]).toMatch(/but found 'atach'; did you mean 'attach'\?$/);
    expect(messages[2]).not.toContain("did you mean");
  });

  it("checks skipped behind an unknown format are notes, which SARIF does not count as results", async () => {
    const file = join(dir, "unknown.vcm");
    writeFileSync(
      file,
      "memory ram 0x4000_0000 .. +1G ram\npool p in ram[0 .. +4M]\niommu t : nosuch { }\n" +
        "device d behind t stream 1\ndomain dom on t { type dma; aperture 0 .. 1G; attach d }\n" +
        "buffer b in ram size 2M\nmap b -> dom at auto rw\n",
    );
    const checked = await check(file);
    expect(checked.diagnostics.some((d) => d.check === "unknown-format")).toBe(true);
    const n = checked.diagnostics.filter(isSkippedCheckNote).length;
    expect(n).toBeGreaterThan(0);
    // SARIF: skipped-check notes are not results; %SRCROOT% is declared.
    const log = JSON.parse(formatSarif(checked.diagnostics, listChecks(), "1", { srcRoot: dir }));
    expect(log.runs[0].results.length).toBe(checked.diagnostics.length - n);
    expect(log.runs[0].originalUriBaseIds).toEqual({
      "%SRCROOT%": { uri: pathToFileURL(dir).href + "/" },
    });
  });
});

describe("the language reference", () => {
  it("points at a complete example that checks clean", async () => {
    const reference = readFileSync(join(ROOT, "grammar/REFERENCE.md"), "utf8");
    const link = /A complete example that checks clean[^[]*\[([^\]]+)\]/.exec(reference);
    expect(link).not.toBeNull();
    const checked = await check(join(ROOT, link![1]!));
    expect(checked.diagnostics.filter((d) => d.severity !== "note")).toEqual([]);
    expect(checked.ir?.scenarios.length).toBeGreaterThan(0);
  });
});

describe("a closed pipe", () => {
  it("`vcm check --list-checks | head -1` ends quietly", () => {
    const r = spawnSync(
      "bash",
      ["-c", `node bin/vcm.js check --list-checks | head -1; echo "status=\${PIPESTATUS[0]}" >&2`],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect(r.stdout.trim().split("\n").length).toBe(1);
    expect(r.stderr.trim()).toBe("status=0");
  });
});
