/**
 * Every sample is proved; a compile output directory loaded back is proved the same way and a
 * corrupted pool image is caught; explain and the JSON report carry the walk from bytes.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCompiled } from "../../src/compile/load-compiled.js";
import { readManifest } from "../../src/compile/load-compiled.js";
import { writeCompileOutput } from "../../src/compile/write-output.js";
import {
  explain,
  explainText,
  runChecks,
  runExitCode,
  runReportJson,
  runReportText,
  verify,
} from "../../src/runtime/index.js";
import { lowerFile } from "./helpers.js";

describe("samples", () => {
  for (const f of readdirSync("samples").filter((x) => x.endsWith(".vcm"))) {
    it(`${f} is proved, scenarios included`, () => {
      const l = lowerFile(join("samples", f));
      const report = verify(l.compiled, l.ir, l.plugins);
      expect(report.failures.map((x) => x.message)).toEqual([]);
      expect(report.status).toBe("proved");
      expect(runExitCode(report)).toBe(0);
      expect(report.pagesChecked).toBeGreaterThan(0);
      expect(report.scenarios.length).toBe(l.ir.scenarios.length);
      expect(runReportText(report)).toContain("proved:");
    });
  }
});

describe("compile output directory", () => {
  it("is proved after loading, and a flipped byte in a pool image is caught", () => {
    const l = lowerFile("samples/p2p-revoke.vcm");
    const dir = mkdtempSync(join(tmpdir(), "vcm-run-"));
    try {
      const out = join(dir, "out");
      writeCompileOutput(l.compiled, out, { format: "default" });
      const loaded = loadCompiled(out, l.ir, l.plugins);
      expect(loaded.live).toBeUndefined();
      expect(verify(loaded, l.ir, l.plugins, { scenarios: false }).status).toBe("proved");

      // Clear the low byte (valid and type bits) of the leaf mapping the first 2M of rx.
      const rx = l.compiled.mappings.find((m) => m.buffer === "rx")!;
      const table = l.compiled.tables.find((t) => t.name === rx.table)!;
      const walk = l.plugins.get(table.format)!.walk(l.compiled.memory, table.context, rx.iova);
      const leaf = walk.steps.at(-1)!.descriptorAddress;
      const pool = readManifest(out).pools[0]!;
      const image = readFileSync(join(out, pool.image));
      image[Number(leaf - BigInt(pool.base))] = 0;
      writeFileSync(join(out, pool.image), image);

      const report = verify(loadCompiled(out, l.ir, l.plugins), l.ir, l.plugins, {
        scenarios: false,
      });
      expect(report.status).toBe("failed");
      expect(runExitCode(report)).toBe(1);
      const f = report.failures.find((x) => x.check === "translation-missing")!;
      expect([f.endpoint, f.address, f.size]).toEqual(["nic", rx.iova, 2n << 20n]);
      // The listing shows the walk down to the cleared descriptor.
      const text = runReportText(report);
      expect(text).toMatch(/error\[VCM0400\]: .*\[translation-missing\]/);
      expect(text).toMatch(new RegExp(`@0x${leaf.toString(16)} = 0x[0-9a-f]+00  invalid`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("explain and JSON", () => {
  it("explain walks one address and names the frame it lands on", () => {
    const l = lowerFile("samples/p2p-revoke.vcm");
    const e = explain(l.compiled, "nic", 0x40_0000_1234n);
    expect(e.outcome).toMatchObject({
      ok: true,
      pa: 0x60_0000_1234n,
      memory: "mmio region gpu_bar",
    });
    expect(e.walks[0]!.steps.length).toBeGreaterThan(1);
    expect(explainText(e)).toContain("lands on pa 0x6000001234");
    const fault = explain(l.compiled, "gpu", 0x40_0000_0000n);
    expect(fault.outcome.ok).toBe(false);
  });

  it("the JSON report has hex addresses and every failure's code is a run check", () => {
    const l = lowerFile("samples/p2p-revoke.vcm");
    l.ir.expects.push({
      ...l.ir.expects[0]!,
      expectation: { kind: "faults", at: 0x40_0000_0000n },
    });
    const report = verify(l.compiled, l.ir, l.plugins, { scenarios: false });
    const json = JSON.parse(runReportJson(report));
    expect(json.runReportVersion).toBe(1);
    expect(json.status).toBe("failed");
    expect(json.failures[0].address).toBe("0x4000000000");
    // nic: rx (one 2M page), 64M of gpu_bar (32) and gpu_regs (one).
    expect(json.endpoints[1].leaves).toEqual({ "2097152": 34 });
    const codes = new Set(runChecks.map((c) => c.code));
    for (const f of json.failures) expect(codes.has(f.code)).toBe(true);
  });

  it("run check codes are unique and in VCM0400-0499", () => {
    const codes = runChecks.map((c) => Number(c.code.slice(3)));
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.every((c) => c >= 400 && c <= 499)).toBe(true);
    expect(runChecks.every((c) => c.phase === "run")).toBe(true);
  });
});
