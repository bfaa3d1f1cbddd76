import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hasStackTrace, vcm } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "vcm-compile-"));

describe("vcm compile", () => {
  it("writes the manifest, pool images and dumps for every sample", () => {
    for (const name of ["video-pipeline", "default-domains", "spapr-v2", "p2p-revoke"]) {
      const out = join(dir, name);
      const r = vcm(["compile", `samples/${name}.vcm`, "-o", out]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^wrote .*: \d+ table\(s\)/);
      const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
      expect(manifest.manifestVersion).toBe(1);
      for (const pool of manifest.pools) {
        expect(readFileSync(join(out, pool.image)).length).toBe(Number(BigInt(pool.size)));
      }
      expect(readdirSync(join(out, "domains")).length).toBeGreaterThan(0);
    }
  });

  it("adds a C header with --format c", () => {
    const out = join(dir, "c");
    expect(vcm(["compile", "samples/spapr-v2.vcm", "-o", out, "--format", "c"]).code).toBe(0);
    const header = readFileSync(join(out, "tables.h"), "utf8");
    expect(header).toContain("uint64_t");
  });

  it("takes several formats and --relocatable; refuses an unknown format", () => {
    const out = join(dir, "firmware");
    const r = vcm([
      "compile",
      "samples/boot-el1.vcm",
      "-o",
      out,
      "-f",
      "asm,ld",
      "--format",
      "elf",
      "--relocatable",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(out, "firmware")).sort()).toEqual([
      "tables.ld",
      "tables.o",
      "tables.rel.bin",
      "tables.relocs",
      "tables.s",
    ]);
    expect(readFileSync(join(out, "tables.h"), "utf8")).toContain("vcm_relocate(");
    const bad = vcm(["compile", "samples/boot-el1.vcm", "-o", out, "-f", "asm,pdf"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Allowed choices are default, c, dts, asm, ld, elf");
  });

  it("writes nothing and keeps an earlier output when the topology has errors", () => {
    const out = join(dir, "keep");
    expect(vcm(["compile", "samples/p2p-revoke.vcm", "-o", out]).code).toBe(0);
    const before = readFileSync(join(out, "manifest.json"));
    const bad = join(dir, "bad.vcm");
    writeFileSync(bad, "memory ram 0x0 .. +1G ram\nmap nothing -> nowhere at 0 r\n");
    const r = vcm(["compile", bad, "-o", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error[VCM0100]");
    expect(readFileSync(join(out, "manifest.json")).equals(before)).toBe(true);
    expect(vcm(["compile", bad, "-o", join(dir, "never")]).code).toBe(1);
    expect(existsSync(join(dir, "never"))).toBe(false);
  });

  it("reports an unwritable output and a missing input with exit 2, no stack trace", () => {
    const blocker = join(dir, "file-not-dir");
    writeFileSync(blocker, "x");
    const r = vcm(["compile", "samples/p2p-revoke.vcm", "-o", join(blocker, "out")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot write");
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(vcm(["compile", join(dir, "missing.vcm"), "-o", join(dir, "m")]).code).toBe(2);
    expect(vcm(["compile", "samples/p2p-revoke.vcm"]).code).toBe(2);
  });
});
