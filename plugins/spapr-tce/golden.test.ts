/**
 * Golden TCEs, worked out by hand from arch/powerpc/include/asm/tce.h (TCE_PCI_READ=1,
 * TCE_PCI_WRITE=2, RPN shifted by the page shift), powernv/pci-ioda-tce.c (pnv_tce_build: write
 * implies read; pnv_tce: indirect levels hold `pa | READ | WRITE`, index bits split evenly per
 * level; pnv_pci_ioda2_table_alloc_pages: level size = max(ceil(entries/levels) + 3, PAGE_SHIFT)
 * bits) and cpu_to_be64 (big-endian in memory). Tables come from a pool at 0x3_C000_0000.
 */
import { describe, expect, it } from "vitest";
import { PROT_READ, PROT_WRITE } from "../../src/plugin-api/index.js";
import { Fixture } from "../../src/plugin-api/conformance/index.js";
import spaprTce from "./index.js";

const params = { "page-sizes": [0x1000n, 0x1_0000n, 0x100_0000n], "max-levels": 5n };
const POOL = { base: 0x3_c000_0000n, size: 0x1000_0000n };
const DDW = 0x0800_0000_0000_0000n; // 1 << 59, pe->tce_bypass_base

function setupFor(window: { base: bigint; size: bigint; pageSize: bigint; levels: number }) {
  return new Fixture(spaprTce, { params, poolBase: POOL.base, poolSize: POOL.size, window });
}

function bytesAt(live: Fixture, pa: bigint): string {
  return Array.from(live.memory.readBytes(pa, 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
}

describe("spapr-tce golden vectors: 64G dynamic window at 1<<59, 64K pages, 2 levels", () => {
  const live = setupFor({ base: DDW, size: 1n << 36n, pageSize: 0x1_0000n, levels: 2 });
  // entries = 2^(36-16) = 2^20; per level ceil(20/2) = 10 bits -> 8K level tables (1024 TCEs).
  spaprTce.map(
    live.handle,
    DDW + 0x1_2345_0000n,
    0x1_0000_0000n,
    0x1_0000n,
    1,
    PROT_READ | PROT_WRITE,
    0,
  );
  spaprTce.map(live.handle, DDW + 0x1_2346_0000n, 0x2_0000_0000n, 0x1_0000n, 1, PROT_READ, 0);
  spaprTce.map(live.handle, DDW + 0x1_2347_0000n, 0x12_3456_0000n, 0x1_0000n, 1, PROT_WRITE, 0);

  it("root at the pool base; TCE index 0x12345 -> top index 0x48 holds the 2nd-level table", () => {
    expect(live.handle.root).toBe(0x3_c000_0000n);
    // 0x3_C000_2000 | TCE_PCI_READ | TCE_PCI_WRITE, big-endian, at root + 0x48 * 8.
    expect(bytesAt(live, 0x3_c000_0240n)).toBe("00 00 00 03 c0 00 20 03");
  });

  it("read-write TCE at level-2 index 0x345: 0x0000000100000003", () => {
    expect(bytesAt(live, 0x3_c000_2000n + 0x345n * 8n)).toBe("00 00 00 01 00 00 00 03");
  });

  it("read-only TCE at index 0x346: 0x0000000200000001", () => {
    expect(bytesAt(live, 0x3_c000_2000n + 0x346n * 8n)).toBe("00 00 00 02 00 00 00 01");
  });

  it("a write-only request is widened to read+write (pnv_tce_build): 0x0000001234560003", () => {
    expect(bytesAt(live, 0x3_c000_2000n + 0x347n * 8n)).toBe("00 00 00 12 34 56 00 03");
  });

  it("window registers as opal_pci_map_pe_dma_window() receives them", () => {
    const r = spaprTce.registers(live.handle);
    expect(r).toEqual({
      TVE_TABLE_ADDR: 0x3_c000_0000n,
      TVE_LEVELS: 2n,
      // tce_table_size = 1 << max(entries_shift + 3, PAGE_SHIFT) = 1 << 23
      TVE_TABLE_SIZE: 0x80_0000n,
      TVE_LEVEL_SIZE: 0x2000n,
      TVE_PAGE_SIZE: 0x1_0000n,
      TVE_BUS_OFFSET: DDW,
      WINDOW_SIZE: 1n << 36n,
    });
  });
});

describe("spapr-tce golden vectors: default 32-bit window, 2G, 4K pages, 1 level", () => {
  const live = setupFor({ base: 0n, size: 0x8000_0000n, pageSize: 0x1000n, levels: 1 });
  spaprTce.map(live.handle, 0x1000_0000n, 0x1000_0000n, 0x1000n, 1, PROT_READ | PROT_WRITE, 0);

  it("one flat 4M table: TCE index 0x10000 at root + 0x80000 = 0x0000000010000003", () => {
    expect(bytesAt(live, 0x3_c008_0000n)).toBe("00 00 00 00 10 00 00 03");
    expect(spaprTce.registers(live.handle)["TVE_TABLE_SIZE"]).toBe(0x40_0000n);
  });
});
