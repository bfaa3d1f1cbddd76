/**
 * One topology exercising every built-in table format: for each format two endpoints (with
 * tables of their own), each mapping a read-write buffer and a read-only one at fixed IOVAs with
 * 4K pages, so tests can corrupt one leaf or one table descriptor and know where it shows.
 */
export interface FormatCase {
  format: string;
  /** The endpoint whose table gets corrupted, and the other one (same format, other table). */
  endpoint: string;
  other: string;
  table: string;
  otherTable: string;
  /** IOVA of the read-write buffer (16 pages) and of the read-only one (4 pages). */
  rw: bigint;
  ro: bigint;
  /** Buffers of the corrupted endpoint: `rw${index}`, `ro${index}`; its BAR slice at rw + 4M. */
  index: number;
  /** More than one level: there is a table descriptor to point elsewhere. */
  multiLevel: boolean;
  /** Can the format refuse a write on a readable page? */
  hasWritePerm: boolean;
  /**
   * Bits of a 4K leaf's memory-attribute fields whose flip the proof must catch, on a RAM page
   * (declared cacheable by default) and on an MMIO page (device). Bits left out are those the
   * hardware ignores there; each plugin's README lists them.
   */
  attributeBits: { ram: number[]; mmio: number[]; ignored?: { ram: number[]; mmio: number[] } };
}

const AT = 0x40_0000n;
const TCE = 0x1_0000_0000n;

export const FORMAT_CASES: FormatCase[] = [
  {
    format: "arm-lpae",
    index: 0,
    endpoint: "c_lpae",
    other: "c_lpae2",
    table: "c_lpae",
    otherTable: "c_lpae2",
    rw: AT,
    ro: AT + 0x20_0000n,
    multiLevel: true,
    hasWritePerm: true,
    attributeBits: { ram: [2, 3, 4, 8, 9], mmio: [2, 3, 4, 8], ignored: { ram: [], mmio: [9] } },
  },
  {
    format: "x86-64",
    index: 2,
    endpoint: "c_x86",
    other: "c_x862",
    table: "c_x86",
    otherTable: "c_x862",
    rw: AT,
    ro: AT + 0x20_0000n,
    multiLevel: true,
    hasWritePerm: true,
    attributeBits: { ram: [3, 4], mmio: [3, 4, 7], ignored: { ram: [7], mmio: [] } },
  },
  {
    format: "arm-v7s",
    index: 4,
    endpoint: "d_v7s",
    other: "d_v7s2",
    table: "v7s_a",
    otherTable: "v7s_b",
    rw: AT,
    ro: AT + 0x20_0000n,
    multiLevel: true,
    hasWritePerm: true,
    attributeBits: {
      ram: [2, 3, 6, 10],
      mmio: [2, 3, 6],
      ignored: { ram: [7, 8], mmio: [7, 8, 10] },
    },
  },
  {
    format: "intel-vtd",
    index: 6,
    endpoint: "d_vtd",
    other: "d_vtd2",
    table: "vtd_a",
    otherTable: "vtd_b",
    rw: AT,
    ro: AT + 0x20_0000n,
    multiLevel: true,
    hasWritePerm: true,
    attributeBits: { ram: [11], mmio: [11] },
  },
  {
    format: "amd-v1",
    index: 8,
    endpoint: "d_amd",
    other: "d_amd2",
    table: "amd_a",
    otherTable: "amd_b",
    rw: AT,
    ro: AT + 0x20_0000n,
    multiLevel: true,
    hasWritePerm: true,
    attributeBits: { ram: [60], mmio: [60] },
  },
  {
    format: "gart",
    index: 10,
    endpoint: "d_gart",
    other: "d_gart2",
    table: "gart_a",
    otherTable: "gart_b",
    rw: 0xe000_0000n + AT,
    ro: 0xe000_0000n + AT + 0x20_0000n,
    multiLevel: false,
    hasWritePerm: false,
    attributeBits: { ram: [1], mmio: [1] },
  },
  {
    format: "spapr-tce",
    index: 12,
    endpoint: "d_tce",
    other: "d_tce",
    table: "ct.w",
    otherTable: "ct.w2",
    rw: TCE + AT,
    ro: TCE + AT + 0x20_0000n,
    multiLevel: true,
    hasWritePerm: true,
    attributeBits: { ram: [], mmio: [] },
  },
];

/** `.vcm` text; `extra` is appended (scenarios). */
export function allFormatsTopology(extra = ""): string {
  const lines = [
    "topology all_formats",
    "memory ram   0x0 .. +2G ram",
    "memory spare 0x8000_0000 .. +256M ram",
    "memory other 0x1_0000_0000 .. +1G ram",
    "memory bar   0xC000_0000 .. +16M mmio owner d_vtd",
    "pool tables in ram[0x3000_0000 .. +64M]",
    "mmu   m_lpae : arm-lpae { stage 1; granule 4K; va-bits 48; pa-bits 40 }",
    "mmu   m_x86  : x86-64 { }",
    "iommu i_v7s  : arm-v7s { }",
    "iommu i_vtd  : intel-vtd { agaw 48 }",
    "iommu i_amd  : amd-v1 { levels 4 }",
    "iommu i_gart : gart { aperture 0xE000_0000 .. +512M; outside blocked }",
    "iommu i_tce  : spapr-tce { page-sizes 4K 64K; max-levels 5 }",
    "cpu c_lpae via m_lpae",
    "cpu c_lpae2 via m_lpae",
    "cpu c_x86 via m_x86",
    "cpu c_x862 via m_x86",
    "device d_v7s behind i_v7s stream 1",
    "device d_v7s2 behind i_v7s stream 2",
    "device d_vtd behind i_vtd stream 0x100",
    "device d_vtd2 behind i_vtd stream 0x108",
    "device d_amd behind i_amd stream 0x88",
    "device d_amd2 behind i_amd stream 0x90",
    "device d_gart behind i_gart",
    "device d_gart2 behind i_gart",
    "device d_tce behind i_tce group 1",
    "domain v7s_a on i_v7s { type dma; aperture 0 .. 4G; attach d_v7s }",
    "domain v7s_b on i_v7s { type dma; aperture 0 .. 4G; attach d_v7s2 }",
    "domain vtd_a on i_vtd { type dma; aperture 0 .. 4G; attach d_vtd }",
    "domain vtd_b on i_vtd { type dma; aperture 0 .. 4G; attach d_vtd2 }",
    "domain amd_a on i_amd { type dma; aperture 0 .. 4G; attach d_amd }",
    "domain amd_b on i_amd { type dma; aperture 0 .. 4G; attach d_amd2 }",
    "domain gart_a on i_gart { type dma; aperture 0xE000_0000 .. +512M; attach d_gart }",
    "domain gart_b on i_gart { type dma; aperture 0xE000_0000 .. +512M; attach d_gart2 }",
    "container ct on i_tce : spapr-v2 {",
    "  groups 1; locked-limit 1G; host-page 64K",
    "  register ram[0 .. +512M]",
    "  register bar[0 .. +16M]",
    "  register spare[0 .. +256M]",
    "  remove default32",
    "  window w  at 0x1_0000_0000 size 1G page 4K levels 2",
    "  window w2 at 0x2_0000_0000 size 1G page 4K levels 2",
    "}",
  ];
  let n = 0;
  for (const c of FORMAT_CASES) {
    const targets =
      c.format === "spapr-tce"
        ? [
            { to: "ct.w", base: c.rw },
            { to: "ct.w2", base: c.rw + 0x1_0000_0000n },
          ]
        : [
            { to: c.table === c.endpoint ? c.endpoint : c.table, base: c.rw },
            { to: c.otherTable === c.other ? c.other : c.otherTable, base: c.rw },
          ];
    for (const t of targets) {
      const k = n++;
      lines.push(
        `buffer rw${k} in ram size 64K align 64K`,
        `buffer ro${k} in ram size 16K align 4K`,
      );
      lines.push(`map rw${k} -> ${t.to} at 0x${t.base.toString(16)} rw pages 4K`);
      lines.push(`map ro${k} -> ${t.to} at 0x${(t.base + 0x20_0000n).toString(16)} r pages 4K`);
      lines.push(
        `map bar[0x${(k * 0x1_0000).toString(16)} .. +64K] -> ${t.to} at 0x${(t.base + 0x40_0000n).toString(16)} rw pages 4K p2p`,
      );
    }
  }
  return lines.join("\n") + "\n" + extra;
}
