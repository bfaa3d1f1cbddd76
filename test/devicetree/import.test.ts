/**
 * `vcm import-dt` on trees no one here wrote: QEMU's own virt machine blobs (dumped by QEMU,
 * test/fixtures/devicetree/README.md) and sources following Linux board files. Each skeleton
 * checks clean; with buffers and maps added it compiles and proves from the table bytes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dtcAvailable } from "../../src/devicetree/dtc.js";
import { importDeviceTree } from "../../src/devicetree/import.js";
import { readDeviceTreeFile } from "../../src/devicetree/read-input.js";
import { checkTopology } from "../../src/pipeline/check-topology.js";
import { runTopology } from "../../src/pipeline/run-topology.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/devicetree");
const dir = mkdtempSync(join(tmpdir(), "vcm-import-dt-"));
const HAVE_DTC = dtcAvailable();

function imported(name: string) {
  const input = readDeviceTreeFile(join(FIXTURES, name));
  expect(input.diagnostics).toEqual([]);
  return importDeviceTree(input.tree!, { file: name });
}

/** Buffers, maps and expects for the first RAM region, cpu, IOMMU device and DMA master. */
function withMaps(text: string): string {
  // The pool's region is the largest RAM; without a pool (no mapper), the first RAM region.
  const ram = (/^pool \S+ in (\S+)\[/m.exec(text) ??
    /^memory (\S+) +\S+ \.\. \+\S+ ram/m.exec(text))![1]!;
  const cpu = /^cpu (\S+) via/m.exec(text)?.[1];
  const device = /^device (\S+) behind/m.exec(text)?.[1];
  const dma = /^dma (\S+)/m.exec(text)?.[1];
  const lines = [
    `buffer ring in ${ram} size 64K align 64K`,
    `buffer frame in ${ram} size 2M align 2M`,
  ];
  if (device)
    lines.push(
      `map ring -> ${device} rw`,
      `expect ${device} writes ring`,
      `expect ${device} cannot read frame`,
    );
  if (cpu)
    lines.push(`map frame -> ${cpu} at 0x4000_0000 rw`, `expect ${cpu} sees frame at 0x4000_0000`);
  if (dma) lines.push(`expect ${dma} reads frame`, `expect ${dma} writes ring`);
  if (!device && cpu) lines.push(`map ring -> ${cpu} at 0x8000_0000 r`);
  return `${text}\n${lines.join("\n")}\n`;
}

const QEMU = [
  "qemu-virt-smmuv3.dtb",
  "qemu-virt-smmuv3-gicv3-8cpu-4g.dtb",
  "qemu-virt-smmuv3-devices.dtb",
  "qemu-virt-virtio-iommu.dtb",
];

async function checksClean(name: string, text: string) {
  const path = join(dir, `${name}.vcm`);
  writeFileSync(path, text);
  const checked = await checkTopology(path, { config: false });
  expect(checked.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return path;
}

async function proves(name: string, text: string) {
  const path = join(dir, `${name}-mapped.vcm`);
  writeFileSync(path, withMaps(text));
  const run = await runTopology(path, { config: false });
  expect(run.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  expect(run.report?.failures).toEqual([]);
  expect(run.report?.status).toBe("proved");
  expect(run.report!.expects.length).toBeGreaterThanOrEqual(2);
  expect(run.report!.expects.every((e) => e.ok)).toBe(true);
}

describe("import-dt on QEMU's virt machine", () => {
  it.each(QEMU)(
    "%s: a skeleton that checks clean, then compiles and proves with maps",
    async (name) => {
      const r = imported(name);
      expect(r.diagnostics).toEqual([]);
      await checksClean(name, r.text);
      await proves(name, r.text);
    },
  );

  it("samples/qemu-virt.vcm begins with exactly what the importer writes for its blob", () => {
    const { text } = imported("qemu-virt-smmuv3-devices.dtb");
    const sample = readFileSync(join(import.meta.dirname, "../../samples/qemu-virt.vcm"), "utf8");
    expect(sample.startsWith(text)).toBe(true);
  });

  it("reads what QEMU put in the smmuv3 tree", () => {
    const { text, counts } = imported("qemu-virt-smmuv3.dtb");
    expect(text).toMatch(
      /^memory +memory_40000000 +0x4000_0000 +\.\. +\+128M +ram +\/\/ +dt: +\/memory@40000000$/m,
    );
    expect(text).toMatch(
      /^iommu +smmuv3_9050000 +: +arm-lpae +\{ +stage +1; +granule +4K; +ias +48; +oas +48; +msi +0x0800_0000 +\.\. +\+1M +\}/m,
    );
    // GICv2 (QEMU's default): the v2m frame's MSI_SETSPI_NS page.
    expect(text).toMatch(/^memory +v2m_8020000_doorbell +0x0802_0000 +\.\. +\+4K +reserved/m);
    expect(text).toMatch(
      /^\/\/ +iommu-map: +RID +0x0\.\.0xffff +-> +smmuv3_9050000 +stream +0x0 +\+ +\(RID +- +0x0\)$/m,
    );
    expect(text).toMatch(/^\/\/ +msi-map: +RID +0x0\.\.0xffff +-> +v2m_8020000 +device +ID +0x0/m);
    expect(text).toMatch(/^device +pcie_10000000_00_00_0 +behind +smmuv3_9050000 +stream +0x0 +/m);
    expect(text).toMatch(
      /^dma +virtio_mmio_a000000 +\/\/ +dt: +\/virtio_mmio@a000000 +\(virtio,mmio; +dma-coherent: +map +cacheable\)$/m,
    );
    expect(text).toMatch(/^\/\/ +\/pl011@9000000$/m);
    expect(text).toMatch(/^\/\/ +\/psci$/m);
    expect(counts).toMatchObject({ cpu: 1, iommu: 1, "msi-controller": 1, dma: 33 });
  });

  it("follows the CPU count and memory size QEMU was given", () => {
    const { text, counts } = imported("qemu-virt-smmuv3-gicv3-8cpu-4g.dtb");
    expect(counts.cpu).toBe(8);
    expect(text).toMatch(/^cpu +cpu_7 +via +cpu_mmu +.*arm,cortex-a72/m);
    expect(text).toMatch(/^memory +memory_40000000 +0x4000_0000 +\.\. +\+4G +ram/m);
    expect(text).toMatch(/^memory +its_8080000_doorbell +0x0809_0000 +\.\. +\+64K +reserved/m);
    expect(text).toMatch(/^\/\/ +msi-map: +RID +0x0\.\.0xffff +-> +its_8080000 +device +ID +0x0/m);
    expect(text).toMatch(/^pool +vcm_tables +in +memory_40000000\[0xff00_0000 +\.\. +\+16M\]/m);
  });

  it("maps RIDs through the virtio-iommu's iommu-map, which leaves out the IOMMU's own RID", () => {
    const { text } = imported("qemu-virt-virtio-iommu.dtb");
    expect(text).toMatch(/^iommu +virtio_iommu_2_0 +: +arm-lpae +.*virtio-iommu/m);
    expect(text).toMatch(/RID +0x0\.\.0xf +-> +virtio_iommu_2_0 +stream +0x0/);
    expect(text).toMatch(/RID +0x11\.\.0xffff +-> +virtio_iommu_2_0 +stream +0x11/);
    expect(text).toMatch(
      /virtio_iommu@2,0 +is +00:02\.0 +\(RID +0x10\): +the +IOMMU +virtio_iommu_2_0 +itself/,
    );
  });
});

describe("import-dt on sources following Linux board files", () => {
  if (!HAVE_DTC) {
    it("says dtc is missing, clearly", () => {
      const input = readDeviceTreeFile(join(FIXTURES, "juno-r1.dts"));
      expect(input.diagnostics[0]!.code).toBe("VCM0031");
    });
    return;
  }

  it.each(["juno-r1.dts", "sm8250-rb5.dts", "keystone-k2hk.dts"])(
    "%s: checks clean, then compiles and proves with maps",
    async (name) => {
      const r = imported(name);
      await checksClean(name, r.text);
      await proves(name, r.text);
    },
  );

  it("Juno: several stream IDs make one group, shared IDs alias into one, v2m frames are doorbells", () => {
    const { text } = imported("juno-r1.dts");
    // MMU-401 is an SMMUv1: AArch32 long descriptors only (ARM_32_LPAE_S1).
    expect(text).toMatch(
      /^iommu +smmu_dma +: +arm-lpae +\{ +stage +1; +granule +4K; +ias +32; +oas +40; +model +none; +msi +0x0800_0000 +\.\. +\+1M +\}/m,
    );
    expect(text).toMatch(/^device +dma_7ff00000 +behind +smmu_dma +stream +0x0 +group +1 +/m);
    expect(text).toMatch(/^device +dma_7ff00000_8 +behind +smmu_dma +stream +0x8 +group +1 +/m);
    expect(text).toMatch(/^device +ohci_7ffb0000 +behind +smmu_usb +stream +0x0 +group +1 +/m);
    expect(text).toMatch(/^device +ehci_7ffc0000 +behind +smmu_usb +stream +0x0 +group +1 +/m);
    // v2m@0 sits at 0 of the GIC's child space, `ranges` puts it at 0x2c1c0000.
    expect(text).toMatch(/^memory +v2m_0_doorbell +0x2c1c_0000 +\.\. +\+4K +reserved/m);
    expect(text).toMatch(/^memory +memory_880000000 +0x08_8000_0000 +\.\. +\+6G +ram/m);
    expect(text).toMatch(/iommu-map-mask +0x0/);
    expect(text).toMatch(/^cpu +A57_0 +via +cpu_mmu/m); // labels from __symbols__ (dtc -@)
    expect(text).toMatch(/^\/\/ +\/gpu@2d000000 +\(status +disabled\)$/m);
  });

  it("RB5: no-map carve-outs cut RAM, the CMA pool is a comment, SMR masks are kept", () => {
    const { text } = imported("sm8250-rb5.dts");
    expect(text).toMatch(
      /^memory +hyp_mem +0x8000_0000 +\.\. +\+6M +reserved +\/\/ +dt: +\/reserved-memory\/memory@80000000 +\(no-map\)$/m,
    );
    expect(text).toMatch(/^memory +memory_80000000 +0x8060_0000 +\.\. +\+1M +ram/m);
    expect(text).toMatch(
      /^\/\/ +\/reserved-memory\/linux,cma +\(reusable, +shared-dma-pool\): +size +128M, +alloc-ranges +0x9000_0000 +\.\. +\+1G$/m,
    );
    expect(text).toMatch(/^device +gpu +behind +adreno_smmu +stream +0x0 +.*SMR +mask +0x401/m);
    expect(text).toMatch(
      /^iommu +apps_smmu +: +arm-lpae +\{ +stage +1; +granule +4K; +ias +48; +oas +48; +model +mmu-500; +msi +0x0800_0000 +\.\. +\+1M +\}/m,
    );
    expect(text).toMatch(/^device +ufs_mem_hc_4e0 +behind +apps_smmu +stream +0x4e0 +group +1/m);
    expect(text).toMatch(
      /^device +pcie_0 +behind +apps_smmu +stream +0x1c00 +.*00:00\.0, +RID +0x0/m,
    );
    expect(text).toMatch(/msi-map-mask +0xff00/);
    expect(text).toMatch(
      /^\/\/ +\/soc@0\/interrupt-controller@17a00000\/msi-controller@17a40000 +\(status +disabled\)$/m,
    );
  });

  it("Keystone: dma-ranges give MMU-less masters their offset and mask; ARMv7 cores get no MMU", () => {
    const { text } = imported("keystone-k2hk.dts");
    expect(text).toMatch(/^dma +\S+ +dma-mask +32 +offset +0x07_8000_0000 +/m);
    expect(text).toMatch(/^cpu +\S+ +\/\/ +dt: +\/cpus\/cpu@0 +\(arm,cortex-a15\)/m);
  });
});
