/**
 * The real binary for `import-dt`, `diff` and `compile --format dts`: exit codes, output files,
 * diagnostics instead of stack traces. One spawn per behaviour; the logic is tested in-process
 * (test/devicetree, test/diff).
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hasStackTrace, vcm } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "vcm-dt-cli-"));
const QEMU = "test/fixtures/devicetree/qemu-virt-smmuv3.dtb";

describe("vcm import-dt", () => {
  it("writes a skeleton that vcm check accepts clean", () => {
    const out = join(dir, "virt.vcm");
    const r = vcm(["import-dt", QEMU, "-o", out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^wrote .*virt\.vcm: .*1 iommu, 1 cpu/m);
    expect(readFileSync(out, "utf8")).toMatch(/^topology linux_dummy_virt$/m);
    expect(vcm(["check", out])).toMatchObject({ code: 0, stdout: "" });
  });

  it("refuses a malformed blob with VCM0033 and the byte offset, exit 2, no stack trace", () => {
    const bad = join(dir, "bad.dtb");
    const blob = readFileSync(QEMU).subarray(0, 64 * 1024);
    writeFileSync(bad, blob); // totalsize says 1 MiB
    const out = join(dir, "never.vcm");
    const r = vcm(["import-dt", bad, "-o", out]);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(
      /error\[VCM0033\]: the header's totalsize 0x100000 is larger than the file \(0x10000 bytes\) \(at byte 0x4\)/,
    );
    expect(hasStackTrace(r.stdout + r.stderr)).toBe(false);
    expect(existsSync(out)).toBe(false);
  });

  it("says dtc is missing for a .dts when it is (VCM0031)", () => {
    const r = vcm(["import-dt", "test/fixtures/devicetree/juno-r1.dts"], {
      env: { VCM_DTC: "/nonexistent/dtc" },
    });
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(
      /error\[VCM0031\]: a \.dts source needs the device-tree compiler `dtc`.*apt-get install device-tree-compiler/,
    );
  });
});

describe("vcm diff", () => {
  const base = `topology t
memory ram 0x8000_0000 .. +1G ram
pool tables in ram[0x3000_0000 .. +4M]
iommu smmu : arm-lpae { stage 1; granule 4K; ias 32; oas 40 }
device gpu behind smmu stream 1
buffer fb in ram size 2M align 2M
`;
  it("prints gains, exits 1 with --fail-on-gain, and writes JSON", () => {
    const a = join(dir, "a.vcm");
    const b = join(dir, "b.vcm");
    writeFileSync(a, `${base}map fb -> gpu r\n`);
    writeFileSync(b, `${base}map fb -> gpu rw\n`);
    const text = vcm(["diff", a, b]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^gpu\n {2}\+ w {3}0x80000000 \.\. \+2M {2}buffer fb in ram {2}\[VCM0464 reach-gained\]$/m,
    );
    const guard = vcm(["diff", a, b, "--fail-on-gain", "--json"]);
    expect(guard.code).toBe(1);
    expect(JSON.parse(guard.stdout)).toMatchObject({
      gained: true,
      endpoints: [{ endpoint: "gpu", lost: [] }],
    });
    expect(vcm(["diff", b, a, "--fail-on-gain"]).code).toBe(0); // a loss is not a gain
  });

  it("refuses to compare a topology with errors (VCM0463)", () => {
    const a = join(dir, "ok.vcm");
    const broken = join(dir, "broken.vcm");
    writeFileSync(a, base);
    writeFileSync(broken, `${base}map nothing -> gpu rw\n`);
    const r = vcm(["diff", a, broken]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/VCM0463.*does not compile/);
  });
});

describe("vcm compile --format dts", () => {
  it("adds overlay.dtso to the output directory", () => {
    const out = join(dir, "out");
    const r = vcm(["compile", "samples/qemu-virt.vcm", "-o", out, "--format", "dts"]);
    expect(r.code).toBe(0);
    const overlay = readFileSync(join(out, "overlay.dtso"), "utf8");
    expect(overlay).toMatch(/iommu-addresses = <&nvme 0x0 0x44000000 0x0 0x10000>;/);
  });
});
