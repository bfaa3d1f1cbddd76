/** The kernel-halves sample through the real binary: check, run, compile and `run --tables`. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { vcm } from "./helpers.js";

const SAMPLE = "samples/kernel-halves.vcm";

describe("kernel-half address spaces from the command line", () => {
  it("proves the sample, then its compile output with --tables (both roots)", () => {
    const run = vcm(["run", SAMPLE, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const fresh = JSON.parse(run.stdout);
    expect(fresh.status).toBe("proved");
    const a72 = fresh.endpoints.find((e: { endpoint: string }) => e.endpoint === "a72");
    expect(a72.tables).toEqual(["a72", "a72.upper"]);

    const out = join(mkdtempSync(join(tmpdir(), "vcm-halves-")), "out");
    expect(vcm(["compile", SAMPLE, "-o", out]).code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    const upper = manifest.tables.find((t: { name: string }) => t.name === "a72.upper");
    expect(upper.registers.TTBR1).toBe(upper.root);
    const loaded = vcm(["run", SAMPLE, "--tables", out, "--json"]);
    expect(loaded.code, loaded.stderr).toBe(0);
    const report = JSON.parse(loaded.stdout);
    expect(report.status).toBe("proved");
    expect(report.pagesChecked).toBe(fresh.pagesChecked);
  });
});
