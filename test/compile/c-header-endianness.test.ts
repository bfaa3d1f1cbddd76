import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileToDirectory } from "../../src/compile/compile.js";
import type { Manifest } from "../../src/compile/manifest.js";
import { irFromText, realPlugins } from "../fixtures/lowering/from-text.js";

const SPAPR = `topology small_spapr
memory guest 0x0 .. +1G ram
pool tables in guest[0x3000_0000 .. +1M]
iommu phb0 : spapr-tce { page-sizes 4K 64K; max-levels 2 }
device gpu0 behind phb0 group 1
container c0 on phb0 : spapr-v2 {
  groups 1
  locked-limit 1G
  host-page 64K
  register guest[0 .. +256M]
  window default32 at 0 size 256M page 4K levels 1
}
map guest[0x1000_0000 .. +16K] -> c0.default32 at 0x10_0000 rw
`;

/** Parse the C array named `name` into its numeric values. */
function cArray(header: string, name: string): bigint[] {
  const body = header.split(`${name}[`)[1]!.split("{")[1]!.split("}")[0]!;
  return body
    .split(",")
    .map((s) => s.trim().replace(/U?L*$/, ""))
    .filter((s) => s.length > 0)
    .map((s) => BigInt(s));
}

describe("C header of a big-endian format (sPAPR TCEs)", () => {
  it("holds values whose little-endian bytes equal the pool image", () => {
    const plugins = realPlugins();
    const { ir, errors } = irFromText(SPAPR, plugins);
    expect(errors.map((e) => e.message)).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), "vcm-cheader-"));
    try {
      const result = compileToDirectory(ir, plugins, join(dir, "out"), { format: "c" });
      expect(result.diagnostics).toEqual([]);
      const out = join(dir, "out");
      const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as Manifest;
      const table = manifest.tables.find((t) => t.name === "c0.default32")!;
      expect(table.geometry).toMatchObject({ endianness: "big", entryBytes: 8 });
      const header = readFileSync(join(out, "tables.h"), "utf8");
      expect(header).toContain("big-endian");
      const image = readFileSync(join(out, manifest.pools[0]!.image));
      const poolBase = BigInt(manifest.pools[0]!.base);
      const page = table.tablePages[0]!;
      const values = cArray(header, "vcm_c0_default32_page0");
      expect(values).toHaveLength(page.bytes / 8);
      const bytes = Buffer.alloc(page.bytes);
      values.forEach((v, i) => bytes.writeBigUInt64LE(v, i * 8));
      const start = Number(BigInt(page.pa) - poolBase);
      expect(bytes.equals(image.subarray(start, start + page.bytes))).toBe(true);
      // The TCE for IOVA 0x10_0000 (entry 256) is big-endian in memory: its PA reads BE.
      const tce = image.readBigUInt64BE(start + 256 * 8);
      expect(tce & ~0xfffn).toBe(0x1000_0000n);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
