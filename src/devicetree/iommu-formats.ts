/**
 * Which page-table format an IOMMU node gets, by its `compatible`, following the io-pgtable
 * format each Linux driver allocates for a DMA domain.
 */
export interface IommuFormat {
  /** The VCM plugin (the word after `:`). */
  plugin: string;
  /** The parameter block's items. */
  params: string[];
  /** The Linux driver and format behind the choice (a comment in the output). */
  why: string;
  /** The driver reserves Linux's software MSI window (IOMMU_RESV_SW_MSI at MSI_IOVA_BASE). */
  softwareMsi: boolean;
}

const LPAE_S1_48: string[] = ["stage 1", "granule 4K", "ias 48", "oas 48"];

const FORMATS: { match: (c: string) => boolean; format: IommuFormat }[] = [
  {
    match: (c) => c === "arm,smmu-v3",
    format: {
      plugin: "arm-lpae",
      params: LPAE_S1_48,
      why: "arm-smmu-v3.c, ARM_64_LPAE_S1",
      softwareMsi: true,
    },
  },
  {
    // arm-smmu.c on SMMUv1 (MMU-400/401): only the AArch32 long-descriptor context format, so
    // ARM_32_LPAE_S1 with ias <= 32 and oas <= 40 (arm_smmu_init_domain_context).
    match: (c) => ["arm,smmu-v1", "arm,mmu-400", "arm,mmu-401"].includes(c),
    format: {
      plugin: "arm-lpae",
      // Device binding is modelled for SMMUv3 and MMU-500 only (plugins/arm-lpae/README.md).
      params: ["stage 1", "granule 4K", "ias 32", "oas 40", "model none"],
      why: "arm-smmu.c, SMMUv1: ARM_32_LPAE_S1",
      softwareMsi: true,
    },
  },
  {
    // arm-smmu.c (SMMUv2, MMU-500 and the vendor variants that list it as a fallback).
    match: (c) =>
      [
        "arm,mmu-500",
        "arm,smmu-v2",
        "qcom,smmu-v2",
        "qcom,smmu-500",
        "nvidia,smmu-500",
        "cavium,smmu-v2",
      ].includes(c) || /^qcom,[\w-]+-smmu-(v2|500)$/.test(c),
    format: {
      plugin: "arm-lpae",
      // SMR/S2CR stream matching and AArch64 context banks (arm_smmu_write_sme / _context_bank).
      params: [...LPAE_S1_48, "model mmu-500"],
      why: "arm-smmu.c, ARM_64_LPAE_S1",
      softwareMsi: true,
    },
  },
  {
    match: (c) => c === "qcom,msm-iommu-v1" || c === "qcom,msm-iommu-v2",
    format: {
      plugin: "arm-lpae",
      params: ["stage 1", "granule 4K", "ias 32", "oas 40", "model none"],
      why: "qcom_iommu.c, ARM_32_LPAE_S1 (32-bit input, 40-bit output)",
      softwareMsi: false,
    },
  },
  {
    match: (c) => c === "qcom,apq8064-iommu" || /^mediatek,mt\d+-m4u$/.test(c),
    format: {
      plugin: "arm-v7s",
      params: [],
      why: "msm_iommu.c / mtk_iommu.c, ARM_V7S short descriptors",
      softwareMsi: false,
    },
  },
  {
    match: (c) => c === "virtio,pci-iommu" || c === "virtio,iommu",
    format: {
      plugin: "arm-lpae",
      params: [...LPAE_S1_48, "model none"],
      why: "virtio-iommu: no guest page tables (MAP/UNMAP requests to the host); modelled as a stage-1 LPAE table",
      softwareMsi: true,
    },
  },
];

/** The format for the first compatible string that has one (most specific first, as Linux). */
export function iommuFormatFor(compatible: readonly string[]): IommuFormat | undefined {
  for (const c of compatible) {
    const hit = FORMATS.find((f) => f.match(c));
    if (hit) return hit.format;
  }
  return undefined;
}
