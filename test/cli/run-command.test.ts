import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hasStackTrace, vcm } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "vcm-run-"));

interface TableEntry {
  name: string;
  tablePages: { pa: string; bytes: number; level: number }[];
}

/** Compile the p2p sample and return where gpu_dom's last-level table sits in the pool image. */
function compileP2p(out: string) {
  expect(vcm(["compile", "samples/p2p-revoke.vcm", "-o", out]).code).toBe(0);
  const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
  const pool = manifest.pools[0];
  const table = (manifest.tables as TableEntry[]).find((t) => t.name === "gpu_dom")!;
  const page = table.tablePages[table.tablePages.length - 1]!;
  const image = join(out, pool.image);
  const offset = Number(BigInt(page.pa) - BigInt(pool.base));
  return { image, offset };
}

describe("vcm run", () => {
  it.each(["video-pipeline", "default-domains", "spapr-v2", "p2p-revoke"])(
    "proves the %s sample",
    (name) => {
      const r = vcm(["run", `samples/${name}.vcm`]);
      expect(r.stdout).toMatch(/^proved: \d+ pages on \d+ endpoint\(s\)/m);
      expect(r.code, r.stdout + r.stderr).toBe(0);
    },
  );

  it("prints a JSON report", () => {
    const r = vcm(["run", "samples/p2p-revoke.vcm", "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.status).toBe("proved");
    expect(report.endpoints.map((e: { endpoint: string }) => e.endpoint).sort()).toEqual([
      "gpu",
      "nic",
    ]);
  });

  it("proves an untouched compile output, and fails on corrupted bytes", () => {
    const out = join(dir, "p2p");
    const { image, offset } = compileP2p(out);
    expect(vcm(["run", "samples/p2p-revoke.vcm", "--tables", out]).code).toBe(0);

    const bytes = readFileSync(image);
    const original = Buffer.from(bytes);
    let entry = -1;
    for (let i = offset; i < offset + 4096; i += 8) {
      if (bytes.readBigUInt64LE(i) !== 0n) {
        entry = i;
        break;
      }
    }
    expect(entry).toBeGreaterThanOrEqual(0);

    // Clear the valid bit of gpu_dom's mapping: the gpu no longer reaches vram_rx.
    bytes[entry] = bytes[entry]! & ~1;
    writeFileSync(image, bytes);
    const cleared = vcm(["run", "samples/p2p-revoke.vcm", "--tables", out, "--no-scenarios"]);
    expect(cleared.code).toBe(1);
    expect(cleared.stdout).toMatch(/gpu/);
    expect(cleared.stdout).toContain("FAILED");

    // A stray copy of the descriptor one slot further: reach nobody declared.
    original.copy(bytes, 0, 0);
    bytes.writeBigUInt64LE(original.readBigUInt64LE(entry), entry + 8);
    writeFileSync(image, bytes);
    const stray = vcm(["run", "samples/p2p-revoke.vcm", "--tables", out, "--no-scenarios"]);
    expect(stray.code).toBe(1);
    expect(stray.stdout).toContain("gpu");

    // AttrIndx bit 3 (index 1 write-back -> 3, inner non-cacheable outer write-back): the bytes
    // no longer give the cacheable memory the sample's RAM mapping declares by default.
    original.copy(bytes, 0, 0);
    bytes[entry] = bytes[entry]! ^ 0x8;
    writeFileSync(image, bytes);
    const retyped = vcm(["run", "samples/p2p-revoke.vcm", "--tables", out, "--no-scenarios"]);
    expect(retyped.code).toBe(1);
    // Printed as `vcm check` prints diagnostics: file:line:col: error[CODE]: message [check].
    expect(retyped.stdout).toMatch(
      /^samples\/p2p-revoke\.vcm:\d+:\d+: error\[VCM0425\]: gpu: 0x[0-9a-f]+\.\.0x.*\[attribute-mismatch\]$/m,
    );
    expect(retyped.stdout).toContain("has memory attributes 'other type', declared 'cacheable'");
    expect(retyped.stdout).toContain("AttrIndx=3 (Normal 0xf4)");
  });

  it("fails a hand-edited table entry that removes write, and explain shows what it allows", () => {
    const out = join(dir, "default-domains");
    expect(vcm(["compile", "samples/default-domains.vcm", "-o", out]).code).toBe(0);
    const explain = ["explain", "samples/default-domains.vcm", "nvme", "0x1000", "--tables", out];
    const before = JSON.parse(vcm([...explain, "--json"]).stdout);
    const walk = before.walks[0];
    expect(walk.format).toBe("intel-vtd");
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    const pool = manifest.pools[0];
    // The SL-L2 entry on nvme's walk of 0x1000 (VT-d levels count down to 1).
    const pd = walk.steps.find((s: { level: number }) => s.level === 2);
    const image = join(out, pool.image);
    const at = Number(BigInt(pd.descriptorAddress) - BigInt(pool.base));
    const bytes = readFileSync(image);
    expect(bytes.readBigUInt64LE(at) & 3n).toBe(3n); // R | W, as VCM writes table entries
    bytes[at] = bytes[at]! & ~2; // clear W
    writeFileSync(image, bytes);
    const r = vcm(["run", "samples/default-domains.vcm", "--tables", out, "--no-scenarios"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `error[VCM0420]: table entry at pa ${pd.descriptorAddress} (level 2) ` +
        "removes write for nvme: 0x1000..",
    );
    expect(r.stdout).toMatch(/removes write for nvme: .*\[table-rights-narrowed\]$/m);
    const e = vcm(explain);
    expect(e.stdout).toMatch(/L2 \[0\] .* SL-L2 table -> 0x[0-9a-f]+ R {2}\(allows r-x\)/);
    expect(e.stdout).toContain(`-> pa ${walk.result.pa} r--`);
  });

  it("--relocate-to proves the tables moved; a bad base is VCM0485, an unknown pool exits 2", () => {
    const ok = vcm(["run", "samples/boot-el1.vcm", "--relocate-to", "tables=0x4300_0000"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(
      /^relocated pool 'tables' from 0x41000000 to 0x43000000: 5 table pointer\(s\) and 1 register\(s\) moved/,
    );
    expect(ok.stdout).toContain("proved: 514 pages");
    const json = JSON.parse(
      vcm(["run", "samples/boot-el1.vcm", "--relocate-to", "tables=0x4300_0000", "--json"]).stdout,
    );
    expect(json.relocated).toEqual({
      pool: "tables",
      from: "0x41000000",
      to: "0x43000000",
      entries: 5,
      registers: 1,
    });
    expect(json.status).toBe("proved");
    const unaligned = vcm(["run", "samples/boot-el1.vcm", "--relocate-to", "0x4300_0800"]);
    expect(unaligned.code).toBe(1);
    expect(unaligned.stderr).toContain("error[VCM0485]");
    const unknown = vcm(["run", "samples/boot-el1.vcm", "--relocate-to", "nope=0x4300_0000"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no pool named 'nope' holds tables");
  });

  it("exits 2 for bad input, an unknown scenario or endpoint, and a bad tables directory", () => {
    expect(vcm(["run", join(dir, "missing.vcm")]).code).toBe(2);
    const bad = join(dir, "bad.vcm");
    writeFileSync(bad, "map x -> y at 0 r\n");
    // A topology with errors exits 1, as `vcm check` and `vcm compile` do.
    const r = vcm(["run", bad]);
    expect(r.code).toBe(1);
    expect(vcm(["explain", bad, "x", "0"]).code).toBe(1);
    expect(r.stderr).toContain("error[VCM0100]");
    expect(vcm(["run", "samples/p2p-revoke.vcm", "--scenario", "nope"]).code).toBe(2);
    expect(vcm(["run", "samples/p2p-revoke.vcm", "--endpoint", "nope"]).code).toBe(2);
    const t = vcm(["run", "samples/p2p-revoke.vcm", "--tables", join(dir, "nothing-here")]);
    expect(t.code).toBe(2);
    expect(t.stderr).toContain("cannot load tables");
    expect(hasStackTrace(t.stderr)).toBe(false);
  });
});

describe("vcm explain", () => {
  it("prints the walk trace of a mapped address, descriptor by descriptor", () => {
    const r = vcm(["explain", "samples/video-pipeline.vcm", "disp", "0x1000_0000"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("disp_dom (arm-v7s");
    expect(r.stdout).toMatch(/L1 \[256\] @0x[0-9a-f]+ = 0x[0-9a-f]+ +section/);
    expect(r.stdout).toContain("buffer frame[0]");
  });

  it("explains a fault with its level, and refuses a bad address", () => {
    const r = vcm(["explain", "samples/video-pipeline.vcm", "vdec", "0"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("fault");
    expect(vcm(["explain", "samples/video-pipeline.vcm", "vdec", "12Q"]).code).toBe(2);
    expect(vcm(["explain", "samples/video-pipeline.vcm", "nobody", "0"]).code).toBe(2);
  });
});
