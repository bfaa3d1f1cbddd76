/**
 * `vcm compile --format dts`: the overlay for a topology imported from a board's tree, checked
 * as text, compiled by dtc without a warning, applied by fdtoverlay to the board's own blob,
 * and read back with VCM's FDT reader: the device nodes point at the carve-outs VCM placed.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dtsOverlay } from "../../src/compile/dts-overlay.js";
import { dtcAvailable } from "../../src/devicetree/dtc.js";
import { readFdt } from "../../src/devicetree/fdt-reader.js";
import { importDeviceTree } from "../../src/devicetree/import.js";
import { readDeviceTreeFile } from "../../src/devicetree/read-input.js";
import { phandleIndex, type DtNode } from "../../src/devicetree/tree.js";
import { compileTopology } from "../../src/pipeline/compile-topology.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/devicetree");
const dir = mkdtempSync(join(tmpdir(), "vcm-overlay-"));
const HAVE_DTC = dtcAvailable();

/** A QEMU tree (no dtc needed) or the RB5 source, with a frame buffer mapped three ways. */
async function overlayFor(input: string, maps: (text: string) => string[]) {
  const dt = readDeviceTreeFile(join(FIXTURES, input));
  expect(dt.diagnostics).toEqual([]);
  const { text } = importDeviceTree(dt.tree!, { file: input });
  const path = join(dir, `${input}.vcm`);
  writeFileSync(path, `${text}\n${maps(text).join("\n")}\n`);
  const out = join(dir, `${input}.out`);
  const c = await compileTopology(path, { config: false, output: out, format: "dts" });
  expect(c.diagnostics.filter((d) => d.severity !== "note")).toEqual([]);
  return {
    overlay: readFileSync(join(out, "overlay.dtso"), "utf8"),
    file: join(out, "overlay.dtso"),
    compiled: c.compiled!,
  };
}

const RB5_MAPS = () => [
  "buffer fb in memory_86800000 size 8M at 0x8680_0000",
  "buffer ring in memory_86800000 size 64K",
  "map fb -> gpu at 0x8680_0000 r", // a bootloader framebuffer: IOVA == PA
  "map ring -> sdhc_2 at 0x1000_0000 rw", // fixed, but not identity
  "map fb -> ufs_mem_hc rw",
];

describe("dtsOverlay", () => {
  it("writes pools and buffers as no-map carve-outs, memory-region links and iommu-addresses", async () => {
    const { overlay, compiled } = await overlayFor("qemu-virt-smmuv3.dtb", () => [
      "buffer fb in memory_40000000 size 2M at 0x4000_0000",
      "map fb -> pcie_10000000_00_00_0 at 0x4000_0000 rw",
    ]);
    const fb = compiled.ir.buffers.find((b) => b.name === "fb")!.chunks[0]!.pa;
    const pool = compiled.pools[0]!;
    expect(overlay).toContain("/plugin/;");
    expect(overlay).toContain(
      `vcm_pool_vcm_tables: vcm-pool-vcm_tables@${pool.base.toString(16)} {\n\t\treg = <0x0 0x${pool.base.toString(16)} 0x0 0x1000000>;\n\t\tno-map;`,
    );
    expect(overlay).toContain(
      `vcm_fb: vcm-fb@${fb.toString(16)} {\n\t\treg = <0x0 0x${fb.toString(16)} 0x0 0x200000>;\n\t\tno-map;`,
    );
    expect(overlay).toContain(
      `iommu-addresses = <&pcie_10000000_00_00_0 0x0 0x${fb.toString(16)} 0x0 0x200000>;`,
    );
    // No `// dt:` path on the PCI function's line: it is named by label.
    expect(overlay).toContain(
      `&pcie_10000000_00_00_0 {\n\tmemory-region = <&vcm_fb>;\n\tmemory-region-names = "fb";\n};`,
    );
  });

  it("marks a fixed mapping whose IOVA is not the physical address, and targets imported nodes by path", async () => {
    if (!HAVE_DTC) {
      expect(readDeviceTreeFile(join(FIXTURES, "sm8250-rb5.dts")).diagnostics[0]!.code).toBe(
        "VCM0031",
      );
      return;
    }
    const { overlay } = await overlayFor("sm8250-rb5.dts", RB5_MAPS);
    expect(overlay).toMatch(
      /iommu-addresses = <&sdhc_2 0x0 0x10000000 0x0 0x10000> \/\* IOVA != PA/,
    );
    expect(overlay).toMatch(/iommu-addresses = <&gpu 0x0 0x\w+ 0x0 0x800000>;/);
    expect(overlay).toContain("&{/soc@0/mmc@8804000} {\n\tmemory-region = <&vcm_ring>;");
    expect(overlay).toContain(
      '&{/soc@0/ufshc@1d84000} {\n\tmemory-region = <&vcm_fb>;\n\tmemory-region-names = "fb";',
    );
  });

  it("is accepted by dtc -@ without a warning, and applies to the board's blob with fdtoverlay", async () => {
    if (!HAVE_DTC) {
      // Without dtc the overlay is still written; its text is checked above.
      const { overlay } = await overlayFor("qemu-virt-smmuv3.dtb", () => []);
      expect(overlay).toContain("&{/reserved-memory} {");
      return;
    }
    const { file, compiled } = await overlayFor("sm8250-rb5.dts", RB5_MAPS);
    const dtbo = join(dir, "overlay.dtbo");
    const dtc = spawnSync("dtc", ["-@", "-I", "dts", "-O", "dtb", "-o", dtbo, file], {
      encoding: "utf8",
    });
    expect(dtc.status).toBe(0);
    expect(dtc.stderr).toBe("");
    const base = join(dir, "rb5.dtb");
    expect(
      spawnSync("dtc", [
        "-q",
        "-@",
        "-I",
        "dts",
        "-O",
        "dtb",
        "-o",
        base,
        join(FIXTURES, "sm8250-rb5.dts"),
      ]).status,
    ).toBe(0);
    const merged = join(dir, "merged.dtb");
    const apply = spawnSync("fdtoverlay", ["-i", base, "-o", merged, dtbo], { encoding: "utf8" });
    expect(apply.stderr).toBe("");
    expect(apply.status).toBe(0);

    const tree = readFdt(new Uint8Array(readFileSync(merged)));
    expect(tree.ok).toBe(true);
    if (!tree.ok) return;
    const byPath = new Map([...tree.tree.root.walk()].map((n) => [n.path, n] as [string, DtNode]));
    const phandles = phandleIndex(tree.tree.root);
    const fb = compiled.ir.buffers.find((b) => b.name === "fb")!.chunks[0]!.pa;
    const fbNode = byPath.get(`/reserved-memory/vcm-fb@${fb.toString(16)}`)!;
    expect(fbNode.has("no-map")).toBe(true);
    expect(fbNode.cells("reg")).toEqual([0, Number(fb), 0, 0x80_0000]);
    // memory-region of the UFS controller is the carve-out's phandle.
    const ufs = byPath.get("/soc@0/ufshc@1d84000")!;
    expect(phandles.get(ufs.cells("memory-region")![0]!)).toBe(fbNode);
    // iommu-addresses' phandle was fixed up to the GPU node of the base tree.
    const ia = fbNode.cells("iommu-addresses")!;
    expect(phandles.get(ia[0]!)?.path).toBe("/soc@0/gpu@3d00000");
    expect(ia.slice(1)).toEqual([0, Number(fb), 0, 0x80_0000]);
    // The board's own carve-outs are still there.
    expect(byPath.get("/reserved-memory/memory@80000000")?.has("no-map")).toBe(true);
  });

  it("is plain text without sources: devices are then named by label", async () => {
    const { compiled } = await overlayFor("qemu-virt-smmuv3.dtb", () => [
      "buffer b in memory_40000000 size 64K",
      "map b -> pcie_10000000_00_00_0 rw",
    ]);
    const text = dtsOverlay(compiled);
    expect(text).toContain("&pcie_10000000_00_00_0 {");
    expect(text).not.toContain("iommu-addresses");
  });
});
