/**
 * Work proportional to what is asked (issue 9 §5): a pool too small for the tables is refused
 * before anything is mapped, with the real shortfall; progress is reported while mapping; the
 * compile output grows with the table bytes, not with the number of leaves.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compileToDirectory } from "../../src/compile/compile.js";
import { lower } from "../../src/lowering/lower.js";
import { tableBytesNeeded } from "../../src/lowering/table-estimate.js";
import armLpae from "../../plugins/arm-lpae/index.js";
import { irFromText, realPlugins } from "../fixtures/lowering/from-text.js";

const plugins = realPlugins();
const scratch = mkdtempSync(join(tmpdir(), "vcm-proportional-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function topology(pool: string, map: string): string {
  return [
    "topology proportional",
    "memory ram 0x0 .. +4T ram",
    `pool tables in ram[0x8000_0000 .. +${pool}]`,
    "iommu smmu : arm-lpae { stage 1; granule 4K; ias 48; oas 48 }",
    "device dev behind smmu stream 1",
    "domain dom on smmu { type dma; aperture 0 .. +2T; attach dev }",
    map,
    "",
  ].join("\n");
}

function ir(text: string) {
  const { ir, errors } = irFromText(text, plugins);
  expect(errors).toEqual([]);
  return ir;
}

describe("a pool too small for the tables", () => {
  it("is refused before mapping, with the real shortfall (1 TiB of 4K pages, 16 MiB pool)", () => {
    const t0 = performance.now();
    const r = lower(ir(topology("16M", "map ram[1T .. +1T] -> dom at 1T rw pages 4K")), plugins);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(r.compiled).toBeUndefined();
    const d = r.diagnostics.filter((x) => x.severity === "error");
    expect(d.map((x) => x.code)).toEqual(["VCM0303"]);
    // By hand (VMSAv8-64, 4K granule, 4 levels): 2^40 / 2M = 524,288 level-3 tables,
    // 2^40 / 1G = 1,024 level-2 tables, 2^40 / 512G = 2 level-1 tables. The root and the SMMU's
    // 2-level stream table are allocated first: the root (1 page), the 2K L1 table with the
    // device's 64-byte CD (1 page), the 16K level-2 table for StreamID 1 (4 pages): 4,090 free.
    expect(d[0]!.message).toContain("they need 525,314 4K pages of tables and 4,090 are free");
    expect(d[0]!.message).toContain("needs 521,224 more 4K pages");
    expect(d[0]!.span?.line).toBe(3);
  });

  it("is exact for fixed IOVAs: one page short is refused, the exact size compiles", () => {
    // 1 GiB at a 1 GiB-aligned IOVA, 4K pages: 512 + 1 + 1 tables below the root, + the root,
    // + the stream table's 5 pages (L1 and CD: 1; level-2 table: 4, 16K-aligned).
    const map = "map ram[1G .. +1G] -> dom at 0x4000_0000 rw pages 4K";
    const short = lower(ir(topology("0x207000", map)), plugins);
    expect(short.compiled).toBeUndefined();
    expect(short.diagnostics.map((x) => x.message).join()).toContain("needs 1 more 4K pages");
    const exact = lower(ir(topology("0x208000", map)), plugins);
    expect(exact.diagnostics).toEqual([]);
    // Every table page, plus the L1 table (2K), the level-2 table (16K) and the CD (64 bytes).
    expect(exact.compiled!.pools[0]!.usedBytes).toBe(0x203000 + 0x800 + 0x4000 + 0x40);
  });

  it("counts auto mappings as the fewest tables their bytes can fill (never refuses a fit)", () => {
    const geometry = armLpae.tableGeometry!({
      params: ir(topology("16M", "")).mappers[0]!.params,
      aperture: { base: 0n, size: 1n << 41n },
    });
    const run = (iova: bigint, pageSize: bigint, count: number) => ({
      iova,
      pa: iova,
      pageSize,
      count,
    });
    // 2 MiB blocks need no level-3 table; 4K pages do.
    expect(tableBytesNeeded(geometry, [run(0x4000_0000n, 0x20_0000n, 512)], [])).toBe(2 * 4096);
    expect(tableBytesNeeded(geometry, [run(0x4000_0000n, 0x1000n, 512)], [])).toBe(3 * 4096);
    // Two fixed runs in one 2 MiB block share its level-3 table.
    const shared = [run(0x4000_0000n, 0x1000n, 1), run(0x4010_0000n, 0x1000n, 1)];
    expect(tableBytesNeeded(geometry, shared, [])).toBe(3 * 4096);
    // Floating (auto) runs: 3 MiB of 4K pages fill at least two level-3 tables.
    expect(tableBytesNeeded(geometry, [], [run(0n, 0x1000n, 768)])).toBe((1 + 1 + 2) * 4096);
  });

  it("reports progress in pages while mapping", () => {
    const seen: [number, number][] = [];
    const r = lower(
      ir(topology("64M", "map ram[1G .. +2G] -> dom at 0x4000_0000 rw pages 4K")),
      plugins,
      {
        progress: (done, total) => seen.push([done, total]),
      },
    );
    expect(r.diagnostics).toEqual([]);
    // 2 GiB of 4K pages = 524,288 pages, mapped in slices of 2^18.
    expect(seen).toEqual([
      [262_144, 524_288],
      [524_288, 524_288],
    ]);
  });
});

describe("compile output size", () => {
  function outputBytes(size: string): { manifest: number; dump: number; pool: number } {
    const dir = join(scratch, size);
    const text = topology("64M", `map ram[1G .. +${size}] -> dom at 0x4000_0000 rw pages 4K`);
    const result = compileToDirectory(ir(text), plugins, dir);
    expect(result.diagnostics).toEqual([]);
    return {
      manifest: statSync(join(dir, "manifest.json")).size,
      dump: statSync(join(dir, "domains/dom.txt")).size,
      pool: result.compiled!.pools[0]!.usedBytes,
    };
  }

  it("grows with the table bytes, not with the leaves (8x the leaves, about the same files)", () => {
    const small = outputBytes("1G");
    const big = outputBytes("8G");
    expect(big.pool).toBeGreaterThan(7 * small.pool);
    expect(big.manifest - small.manifest).toBeLessThan(4_096);
    // The dump lists 4,096 lines per level at most, then counts the rest.
    expect(big.dump).toBeLessThan(1_000_000);
    const dump = readFileSync(join(scratch, "8G", "domains/dom.txt"), "utf8");
    expect(dump).toMatch(/\.\.\. \d+ more line\(s\) at this level not listed/);
  });
});
