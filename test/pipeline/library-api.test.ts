/**
 * The library's high-level functions (src/index.ts) from source: what they refuse and what they
 * write. The packed-tarball view of the same API is test/package/library-consumer.test.ts.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { check, compile, emptySeverityOptions, PluginRegistry, run } from "../../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "vcm-api-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TINY = join(dir, "tiny.vcm");
writeFileSync(
  TINY,
  `topology tiny
memory dram 0x8000_0000 .. +1G ram
pool tables in dram[0 .. +16M]
iommu smmu0 : arm-lpae { granule 4K; ias 48; oas 48; stage 1 }
device gpu behind smmu0 stream 1
buffer fb in dram size 64K align 4K
buffer unused in dram size 4K
map fb -> gpu at 0x1000_0000 rw
`,
);

describe("the library API", () => {
  it("applies the check's severity overrides and refuses to write when one makes an error", async () => {
    const clean = await compile(TINY);
    expect(clean.ok).toBe(true);
    const warning = clean.diagnostics.find((d) => d.severity === "warning");
    expect(warning).toBeDefined();
    const severity = emptySeverityOptions();
    severity.error.add(warning!.check);
    const out = join(dir, "out");
    const strict = await compile(TINY, { severity, output: out });
    expect(strict).toMatchObject({ ok: false, written: false });
    expect(strict.compiled).toBeUndefined();
    expect(existsSync(out)).toBe(false);
  });

  it("reports a missing file as a diagnostic and runs nothing", async () => {
    const r = await run(join(dir, "missing.vcm"));
    expect(r.report).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toContain("VCM0010");
  });

  it("throws for an endpoint or scenario name the topology does not have", async () => {
    const checked = await check(TINY);
    await expect(run(checked, { endpoints: ["gpu0"] })).rejects.toThrow("no endpoint named 'gpu0'");
    await expect(run(checked, { scenarioNames: ["boot"] })).rejects.toThrow(
      "no scenario named 'boot'",
    );
    expect((await run(checked, { endpoints: ["gpu"] })).report?.status).toBe("proved");
  });

  it("uses the registry it is given: an empty one knows no format", async () => {
    const r = await check(TINY, { registry: new PluginRegistry() });
    expect(r.diagnostics.some((d) => d.severity === "error" && /arm-lpae/.test(d.message))).toBe(
      true,
    );
  });
});
