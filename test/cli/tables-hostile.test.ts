/**
 * `vcm run --tables DIR` on hostile directories, through the real binary: every problem is a
 * diagnostic with its code at manifest.json:line:col (or at the manifest), exit 2, no stack
 * trace, nothing outside DIR read, nothing blocking.
 */
import { execFileSync } from "node:child_process";
import {
  cpSync,
  mkdtempSync,
  openSync,
  closeSync,
  ftruncateSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { hasStackTrace, vcm } from "./helpers.js";

const SAMPLE = "samples/p2p-revoke.vcm";
let clean: string;
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "vcm-hostile-"));
  clean = join(scratch, "clean");
  const r = vcm(["compile", SAMPLE, "-o", clean]);
  expect(r.code, r.stderr).toBe(0);
});

/** A copy of the clean output, its manifest edited by `edit` (pretty-printed, so lines are stable). */
function hostile(name: string, edit: (m: any) => void = () => {}): string {
  const dir = join(scratch, name);
  cpSync(realpathSync(clean), dir, { recursive: true });
  const m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  edit(m);
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(m, null, 2));
  return dir;
}

/** The 1-based line of the first line of `dir`'s manifest.json that contains `text`. */
function lineOf(dir: string, text: string): number {
  const lines = readFileSync(join(dir, "manifest.json"), "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes(text));
  expect(i, text).toBeGreaterThanOrEqual(0);
  return i + 1;
}

function run(dir: string) {
  const r = vcm(["run", SAMPLE, "--no-scenarios", "--tables", dir]);
  expect(hasStackTrace(r.stderr + r.stdout)).toBe(false);
  expect(r.stderr).not.toContain("Cannot read properties");
  return r;
}

describe("vcm run --tables on a hostile directory", () => {
  it("proves a clean output (nothing fires)", () => {
    const r = run(clean);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/VCM045[5-7]/);
  });

  it("refuses paths that leave DIR: '..', absolute", () => {
    const dir = hostile("dotdot", (m) => {
      m.pools[0].image = "../clean/pools/tables.bin";
      m.tables[1].dump = "/etc/passwd";
    });
    const r = run(dir);
    expect(r.code).toBe(2);
    const m = join(dir, "manifest.json");
    expect(r.stderr).toContain(
      `${m}:${lineOf(dir, '"image"')}:7: error[VCM0455]: '../clean/pools/tables.bin' is refused: it climbs out of the output directory with '..' [tables-file-refused]`,
    );
    expect(r.stderr).toContain(
      `${m}:${lineOf(dir, "/etc/passwd")}:7: error[VCM0455]: '/etc/passwd' is refused: it is an absolute path`,
    );
    expect(r.stderr).toContain(`vcm: error: cannot load tables from '${dir}'`);
  });

  it("refuses a pool image or a manifest that is a symbolic link out of DIR", () => {
    const outside = join(scratch, "outside.bin");
    writeFileSync(outside, "SECRET");
    const dir = hostile("link-image");
    rmSync(join(dir, "pools", "tables.bin"));
    symlinkSync(outside, join(dir, "pools", "tables.bin"));
    const r = run(dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /manifest\.json:\d+:7: error\[VCM0455\]: pool 'tables': 'pools\/tables\.bin' is refused: it is a symbolic link to a place outside the output directory/,
    );
    expect(r.stderr).not.toContain("SECRET");

    const linked = hostile("link-manifest");
    rmSync(join(linked, "manifest.json"));
    symlinkSync(join(clean, "manifest.json"), join(linked, "manifest.json"));
    const l = run(linked);
    expect(l.code).toBe(2);
    expect(l.stderr).toContain(
      `${join(linked, "manifest.json")}:1:1: error[VCM0455]: 'manifest.json' is refused: it is a symbolic link to a place outside the output directory`,
    );
  });

  it("a symbolic link that stays inside DIR is fine", () => {
    const dir = hostile("link-inside", (m) => (m.pools[0].image = "pools/alias.bin"));
    symlinkSync("tables.bin", join(dir, "pools", "alias.bin"));
    expect(run(dir).code).toBe(0);
  });

  it("refuses FIFOs without blocking on them", () => {
    const dir = hostile("fifo");
    rmSync(join(dir, "pools", "tables.bin"));
    execFileSync("mkfifo", [join(dir, "pools", "tables.bin")]);
    const r = run(dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /manifest\.json:\d+:7: error\[VCM0455\]: pool 'tables': 'pools\/tables\.bin' is refused: it is a FIFO, not a regular file/,
    );
    const m = hostile("fifo-manifest");
    rmSync(join(m, "manifest.json"));
    execFileSync("mkfifo", [join(m, "manifest.json")]);
    expect(run(m).stderr).toContain("'manifest.json' is refused: it is a FIFO, not a regular file");
  });

  it("checks size claims against the file before reading it", () => {
    const dir = hostile("size");
    truncateSync(join(dir, "pools", "tables.bin"), 4096);
    const r = run(dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `manifest.json:${lineOf(dir, '"size"')}:7: error[VCM0457]: pool image pools/tables.bin is 4096 bytes, expected 33554432 (the pool's size) [tables-file-size]`,
    );
    // A claim and a (sparse) file grown together to 1 TiB are refused before anything is read:
    // the topology bounds the pools, not the directory.
    const grown = hostile("grown", (m) => (m.pools[0].size = "0x10000000000"));
    truncateSync(join(grown, "pools", "tables.bin"), 2 ** 40);
    const g = run(grown);
    expect(g.code).toBe(2);
    expect(g.stderr).toContain(
      `manifest.json:${lineOf(grown, '"base"')}:7: error[VCM0456]: manifest /pools/0/base: pool 'tables' is 0x30000000 .. +0x10000000000 here, but the topology declares 0x30000000 .. +0x2000000 [manifest-invalid]`,
    );
    // A manifest too long to be a string is refused from its size alone (a sparse file).
    const big = hostile("big-manifest");
    const fd = openSync(join(big, "manifest.json"), "r+");
    ftruncateSync(fd, 600 * 1024 * 1024);
    closeSync(fd);
    const b = run(big);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(
      /manifest\.json:1:1: error\[VCM0457\]: manifest\.json is 629145600 bytes; at most \d+ can be read/,
    );
  });

  it("reports each schema violation at its line and column", () => {
    const dir = hostile("schema", (m) => {
      delete m.tables[0].root;
      m.pools[0].usedBytes = "lots";
      m.mappings[0].chunks[0].runs[0].count = -3;
      m.endpoints[1].kind = "teleport";
    });
    const r = run(dir);
    expect(r.code).toBe(2);
    const errors = r.stderr.split("\n").filter((l) => l.includes("error[VCM0456]"));
    expect(errors).toHaveLength(4);
    expect(r.stderr).toMatch(
      new RegExp(
        `manifest\\.json:${lineOf(dir, '"usedBytes"')}:7: error\\[VCM0456\\]: manifest /pools/0/usedBytes: must be an integer, not "lots"`,
      ),
    );
    expect(r.stderr).toMatch(
      /manifest\.json:\d+:5: error\[VCM0456\]: manifest \/tables\/0: lacks the required field 'root'/,
    );
    expect(r.stderr).toMatch(
      /manifest \/mappings\/0\/chunks\/0\/runs\/0\/count: must be at least 0, not -3/,
    );
    expect(r.stderr).toMatch(
      /manifest \/endpoints\/1\/kind: must be one of "table", "iommu", .*, not "teleport"/,
    );
  });

  it("reports invalid JSON and an unknown version at their place", () => {
    const dir = hostile("json");
    writeFileSync(join(dir, "manifest.json"), '{\n  "manifestVersion": 1,\n  "pools": [,]\n}\n');
    expect(run(dir).stderr).toContain(
      "manifest.json:3:13: error[VCM0456]: manifest.json is not valid JSON: unexpected character ','",
    );
    const v = hostile("version", (m) => (m.manifestVersion = 2));
    expect(run(v).stderr).toMatch(
      /manifest\.json:2:3: error\[VCM0456\]: .* has manifestVersion 2; this VCM reads version 1/,
    );
  });

  it("an unknown format, a misaligned or overlapping pool, a dangling reference are errors", () => {
    const dir = hostile("semantic", (m) => {
      m.mappers[0].format = "arm-lpae-but-not";
      m.pools[0].base = "0x30000100";
      m.pools.push({ ...m.pools[0], name: "twin", base: "0x31000000" });
      m.domains[0].table = "ghost";
    });
    const r = run(dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /error\[VCM0456\]: manifest \/mappers\/0\/format: unknown format 'arm-lpae-but-not' \(known: .*arm-lpae/,
    );
    expect(r.stderr).toContain(
      "manifest /pools/0/base: pool 'tables' starts at 0x30000100, not on a 4 KiB frame boundary",
    );
    expect(r.stderr).toContain("manifest /pools/1/base: pool 'twin' overlaps pool 'tables'");
    expect(r.stderr).toContain("manifest /domains/0/table: names no table 'ghost'");
  });
});

describe("pool alignment at check time", () => {
  it("a pool off a 4 KiB boundary is refused (VCM0140); an aligned one is not", () => {
    const dir = mkdtempSync(join(tmpdir(), "vcm-pool-"));
    const text = (at: string) =>
      `topology t\nmemory ram 0x4000_0000 .. +1G ram\npool tables in ram[${at} .. +4M]\n` +
      "iommu s : arm-lpae { stage 1; granule 4K; ias 48; oas 48 }\n";
    writeFileSync(join(dir, "bad.vcm"), text("0x100"));
    writeFileSync(join(dir, "good.vcm"), text("0x1000"));
    const bad = vcm(["check", "bad.vcm"], { cwd: dir });
    expect(bad.stderr).toContain(
      "bad.vcm:3:16: error[VCM0140]: pool 'tables' starts at 0x40000100, not on a 4 KiB frame boundary [pool-misaligned]",
    );
    const good = vcm(["check", "good.vcm"], { cwd: dir });
    expect(good.stderr).not.toContain("VCM0140");
    expect(good.code).toBe(0);
  });
});
