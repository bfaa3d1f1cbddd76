/**
 * The reachability diff: gains and losses per endpoint and right, page-size changes, added and
 * removed endpoints, all read from the table bytes (a leaf written behind the declarations'
 * back is seen; an IOVA move that reaches the same memory is no change).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { diffCompiled } from "../../src/diff/reach-diff.js";
import { diffJson, diffText } from "../../src/diff/report.js";
import type { CompiledTopology } from "../../src/lowering/compiled.js";
import { compileTopology } from "../../src/pipeline/compile-topology.js";
import { PROT_READ, PROT_WRITE } from "../../src/plugin-api/types.js";

const dir = mkdtempSync(join(tmpdir(), "vcm-diff-"));
let n = 0;

const BASE = `topology t
memory ram 0x8000_0000 .. +1G ram
pool tables in ram[0x3000_0000 .. +4M]
mmu cpu_mmu : arm-lpae { stage 1; granule 4K; ias 48; oas 40 }
iommu smmu : arm-lpae { stage 1; granule 4K; ias 32; oas 40 }
cpu a53 via cpu_mmu
device vdec behind smmu stream 1
device disp behind smmu stream 2
domain vdom on smmu { type dma; aperture 0 .. 4G; attach vdec }
domain ddom on smmu { type dma; aperture 0 .. 4G; attach disp }
buffer frame in ram size 2M align 2M at 0x8020_0000
buffer ring in ram size 64K at 0x8100_0000
`;

async function compiled(text: string): Promise<CompiledTopology> {
  const path = join(dir, `t${n++}.vcm`);
  writeFileSync(path, text);
  const c = await compileTopology(path, { config: false });
  expect(c.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return c.compiled!;
}

describe("diffCompiled", () => {
  it("finds no change between a topology and itself", async () => {
    const text = `${BASE}map frame -> vdom rw\nmap ring -> ddom r\n`;
    const d = diffCompiled(await compiled(text), await compiled(text));
    expect(d).toEqual({ endpoints: [], pageSizes: [], gained: false });
    expect(diffText(d, "a", "b")).toMatch(/^no change in reach/);
  });

  it("finds no change when a mapping moves to another IOVA but reaches the same memory", async () => {
    const a = await compiled(`${BASE}map frame -> vdom at 0x1000_0000 rw\n`);
    const b = await compiled(`${BASE}map frame -> vdom at 0x2000_0000 rw\n`);
    expect(diffCompiled(a, b).endpoints).toEqual([]);
  });

  it("reports a right gained on exactly the pages that gained it, and the loss the other way", async () => {
    const a = await compiled(`${BASE}map frame -> vdom rw\nmap ring -> ddom r\n`);
    const b = await compiled(
      `${BASE}map frame -> vdom rw\nmap ring -> ddom rw\nmap frame -> ddom r\n`,
    );
    const d = diffCompiled(a, b);
    expect(d.gained).toBe(true);
    expect(d.endpoints).toEqual([
      {
        endpoint: "disp",
        status: "changed",
        gained: [
          { base: 0x8020_0000n, size: 0x20_0000n, rights: "r", memory: "buffer frame in ram" },
          { base: 0x8100_0000n, size: 0x1_0000n, rights: "w", memory: "buffer ring in ram" },
        ],
        lost: [],
      },
    ]);
    const back = diffCompiled(b, a);
    expect(back.gained).toBe(false);
    expect(back.endpoints[0]!.lost.map((l) => `${l.rights}@${l.base.toString(16)}`)).toEqual([
      "r@80200000",
      "w@81000000",
    ]);
    expect(diffText(back, "b", "a")).toMatch(/^ {2}- r {3}0x80200000 .*\[VCM0465 reach-lost\]$/m);
    expect(JSON.parse(diffJson(d, "a", "b")).endpoints[0].gained[1]).toEqual({
      base: "0x81000000",
      size: "0x10000",
      rights: "w",
      memory: "buffer ring in ram",
    });
  });

  it("reports mappings whose leaves changed page size", async () => {
    const a = await compiled(`${BASE}map frame -> a53 at 0x4000_0000 rw\n`);
    const b = await compiled(`${BASE}map frame -> a53 at 0x4000_0000 rw pages 4K\n`);
    const d = diffCompiled(a, b);
    expect(d.endpoints).toEqual([]);
    expect(d.pageSizes).toEqual([
      { mapping: "frame -> a53", target: "a53", old: { "2M": 1 }, new: { "4K": 512 } },
    ]);
    expect(diffText(d, "a", "b")).toMatch(/pages frame -> a53: 2M x 1 -> 4K x 512 {2}\[VCM0466/);
  });

  it("counts an endpoint's whole reach as gained when it is new, and lost when it goes", async () => {
    const a = await compiled(`${BASE}map frame -> vdom rw\n`);
    const b = await compiled(`${BASE}map frame -> vdom rw\ndma sdma dma-mask 32\n`);
    const d = diffCompiled(a, b);
    expect(d.endpoints).toEqual([
      {
        endpoint: "sdma",
        status: "added",
        // A no-MMU engine reaches everything below its mask with every right (by design, no table).
        gained: [
          {
            base: 0n,
            size: 1n << 32n,
            rights: "rwx",
            memory: expect.stringContaining("pool tables"),
          },
        ],
        lost: [],
      },
    ]);
    expect(diffCompiled(b, a).endpoints[0]).toMatchObject({ endpoint: "sdma", status: "removed" });
    // endpoint-added-or-removed
    expect(diffText(diffCompiled(b, a), "b", "a")).toMatch(/^sdma \(removed, VCM0467\)$/m);
  });

  it("reads the bytes: a leaf written behind the declarations' back is a gain", async () => {
    const text = `${BASE}map frame -> vdom at 0x1000_0000 rw\n`;
    const a = await compiled(text);
    const b = await compiled(text);
    const table = b.tables.find((t) => t.name === "vdom")!;
    const plugin = b.plugins.get(table.format)!;
    // One more page, as a buggy driver would leave it: not in b's mapping records.
    plugin.map(
      b.live!.handles.get("vdom")!,
      0x2000_0000n,
      0x8100_0000n,
      4096n,
      1,
      PROT_READ | PROT_WRITE,
      0,
    );
    expect(b.mappings.some((m) => m.iova === 0x2000_0000n)).toBe(false);
    const d = diffCompiled(a, b);
    expect(d.endpoints).toEqual([
      {
        endpoint: "vdec",
        status: "changed",
        gained: [{ base: 0x8100_0000n, size: 0x1000n, rights: "rw", memory: "buffer ring in ram" }],
        lost: [],
      },
    ]);
  });
});
