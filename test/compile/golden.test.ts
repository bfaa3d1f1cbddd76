import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { format } from "prettier";
import { afterAll, describe, expect, it } from "vitest";
import { compileToDirectory } from "../../src/compile/compile.js";
import type { Manifest } from "../../src/compile/manifest.js";
import { irFromText, realPlugins } from "../fixtures/lowering/from-text.js";

const GOLDEN = "test/compile/golden";
const SOURCE = join(GOLDEN, "small-arm-lpae.vcm");
const EXPECTED = join(GOLDEN, "small-arm-lpae.manifest.json");

const scratch = mkdtempSync(join(tmpdir(), "vcm-golden-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function compileGolden(): { manifest: Manifest; text: string; image: Buffer } {
  const plugins = realPlugins();
  const { ir, errors } = irFromText(readFileSync(SOURCE, "utf8"), plugins, SOURCE);
  expect(errors).toEqual([]);
  const dir = join(scratch, "out");
  const result = compileToDirectory(ir, plugins, dir);
  expect(result.diagnostics).toEqual([]);
  const text = readFileSync(join(dir, "manifest.json"), "utf8");
  const manifest = JSON.parse(text) as Manifest;
  return { manifest, text, image: readFileSync(join(dir, manifest.pools[0]!.image)) };
}

/**
 * An outside tool's walk: only the manifest's geometry and the pool image, no VCM code. VMSAv8
 * 4K granule: 9 index bits per level, bits[1:0] 0b11 = table (or page at the last level),
 * 0b01 = block, output address bits[47:12].
 */
function outsideWalk(manifest: Manifest, image: Buffer, table: string, iova: bigint): bigint {
  const t = manifest.tables.find((x) => x.name === table)!;
  const poolBase = BigInt(manifest.pools.find((p) => p.name === t.pool)!.base);
  const granuleShift = 12n;
  const levels = t.geometry.levels;
  let base = BigInt(t.root);
  for (let level = 0; level < levels; level++) {
    const shift = granuleShift + 9n * BigInt(levels - 1 - level);
    const index = (iova >> shift) & 511n;
    const at = Number(base - poolBase + index * BigInt(t.geometry.entryBytes));
    const d =
      t.geometry.endianness === "little" ? image.readBigUInt64LE(at) : image.readBigUInt64BE(at);
    const out = d & 0x0000_ffff_ffff_f000n;
    const type = d & 3n;
    if (type === 0n || (type === 1n && level === levels - 1)) throw new Error("fault");
    if (type === 1n || level === levels - 1) return out + (iova & ((1n << shift) - 1n));
    base = out;
  }
  throw new Error("unreachable");
}

describe("golden compile output (arm-lpae)", () => {
  it("matches the checked-in manifest", async () => {
    const { text } = compileGolden();
    // Stored prettier-formatted (the repo checks formatting); compared as JSON values.
    if (process.env["UPDATE_GOLDEN"])
      writeFileSync(EXPECTED, await format(text, { parser: "json" }));
    expect(JSON.parse(text)).toEqual(JSON.parse(readFileSync(EXPECTED, "utf8")));
  });

  it("lets an outside tool walk every mapping from the manifest and pool image alone", () => {
    const { manifest, image } = compileGolden();
    const mappings = manifest.mappings;
    expect(mappings.map((m) => [m.iova, m.size, m.leafCounts])).toEqual([
      ["0x200000", "0x200000", { "0x200000": 1 }],
      ["0x40000000", "0x3000", { "0x1000": 3 }],
    ]);
    for (const m of mappings) {
      for (const c of m.chunks) {
        for (const off of [0n, 0x123n, BigInt(c.size) - 8n]) {
          expect(outsideWalk(manifest, image, "d", BigInt(c.iova) + off)).toBe(BigInt(c.pa) + off);
        }
      }
    }
    expect(() => outsideWalk(manifest, image, "d", 0x1000n)).toThrow("fault");
  });
});
