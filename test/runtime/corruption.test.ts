/**
 * The verifier must be able to fail: for every built-in table format, corrupt the compiled
 * bytes one way at a time and check the failure is reported, by the right check, at the right
 * address. Corrupt descriptors are encoded by the plugin itself in a scratch table, so each is
 * a well-formed descriptor of the format, just not the intended one.
 */
import { describe, expect, it } from "vitest";
import { PhysicalMemory } from "../../src/plugin-api/physical-memory.js";
import { PoolAllocator } from "../../src/plugin-api/pool-allocator.js";
import {
  PROT_READ,
  PROT_WRITE,
  type VcmPlugin,
  type WalkStep,
} from "../../src/plugin-api/types.js";
import { verify } from "../../src/runtime/index.js";
import type { RunReport } from "../../src/runtime/report.js";
import { FORMAT_CASES, allFormatsTopology, type FormatCase } from "./all-formats.js";
import { lowerText, type Lowered } from "./helpers.js";

const PAGE = 0x1000n;
const ELSEWHERE = 0x2000_0000n; // ram that no buffer, pool or mapping uses

function swapBytes(value: bigint, bytes: number): bigint {
  let out = 0n;
  for (let i = 0; i < bytes; i++) out = (out << 8n) | ((value >> BigInt(8 * i)) & 0xffn);
  return out;
}

class Bench {
  readonly l: Lowered;
  readonly plugin: VcmPlugin;
  constructor(readonly c: FormatCase) {
    this.l = lowerText(allFormatsTopology());
    this.plugin = this.l.plugins.get(c.format)!;
  }
  table(name = this.c.table) {
    return this.l.compiled.tables.find((t) => t.name === name)!;
  }
  geometry() {
    return this.l.compiled.mappers.find((m) => m.name === this.table().mapper)!.geometry;
  }
  walk(iova: bigint, table = this.c.table) {
    return this.plugin.walk(this.l.compiled.memory, this.table(table).context, iova);
  }
  steps(iova: bigint, table = this.c.table): WalkStep[] {
    return this.walk(iova, table).steps;
  }
  /** Flip one bit of the leaf descriptor translating `iova`. */
  flipLeafBit(iova: bigint, bit: number): void {
    const leaf = this.steps(iova).at(-1)!;
    this.write(leaf.descriptorAddress, leaf.descriptor ^ (1n << BigInt(bit)));
  }
  write(address: bigint, value: bigint): void {
    const g = this.geometry();
    const mem = this.l.compiled.memory;
    const v = g.bigEndian ? swapBytes(value, g.entryBytes) : value;
    if (g.entryBytes === 8) mem.write64(address, v);
    else mem.write32(Number(address), Number(v));
  }
  /** The leaf descriptor the format itself writes for iova -> pa with prot, 4K page. */
  encodedLeaf(iova: bigint, pa: bigint, prot: number): bigint {
    const t = this.table();
    const memory = new PhysicalMemory();
    const pool = new PoolAllocator("scratch", 0x3000_0000n, 0x100_0000n);
    const handle = this.plugin.create(memory, pool, {
      params: t.context.params,
      name: "scratch",
      domainId: t.domainId,
      aperture: t.context.aperture,
      ...(t.context.window ? { window: t.context.window } : {}),
    });
    const attrs = this.l.compiled.mappings.find((m) => m.table === t.name)!.attrs;
    this.plugin.map(handle, iova, pa, PAGE, 1, prot, attrs);
    const w = this.plugin.walk(memory, { ...t.context, root: handle.root }, iova);
    expect(w.ok).toBe(true);
    return w.steps.at(-1)!.descriptor;
  }
  verify(): RunReport {
    return verify(this.l.compiled, this.l.ir, this.l.plugins, { scenarios: false });
  }
}

function failuresAt(report: RunReport, check: string, address: bigint) {
  return report.failures.filter((f) => f.check === check && f.address === address);
}

describe.each(FORMAT_CASES)("$format: corrupted bytes are caught", (c) => {
  it("the uncorrupted topology is proved", () => {
    const report = new Bench(c).verify();
    expect(report.failures.map((f) => f.message)).toEqual([]);
    expect(report.status).toBe("proved");
  });

  it("clearing a valid bit shows as a missing translation at that page", () => {
    const b = new Bench(c);
    const iova = c.rw + 3n * PAGE;
    const leaf = b.steps(iova).at(-1)!;
    // The lowest set bit whose clearing makes the walk fault is a valid bit.
    let cleared = false;
    for (let bit = 0n; bit < BigInt(b.geometry().entryBytes * 8) && !cleared; bit++) {
      if (((leaf.descriptor >> bit) & 1n) === 0n) continue;
      b.write(leaf.descriptorAddress, leaf.descriptor & ~(1n << bit));
      if (!b.walk(iova).ok) cleared = true;
      else b.write(leaf.descriptorAddress, leaf.descriptor);
    }
    if (!cleared) b.write(leaf.descriptorAddress, 0n); // no single valid bit (TCE: R|W)
    const report = b.verify();
    const f = failuresAt(report, "translation-missing", iova);
    expect(f, JSON.stringify(report.failures.map((x) => x.message))).toHaveLength(1);
    expect(f[0]!.endpoint).toBe(c.endpoint);
    expect(f[0]!.size).toBe(PAGE);
    expect(f[0]!.trace!.length).toBeGreaterThan(0);
    expect(report.status).toBe("failed");
  });

  it("changing an output address shows as the wrong frame at that page", () => {
    const b = new Bench(c);
    const iova = c.rw + 5n * PAGE;
    const leaf = b.steps(iova).at(-1)!;
    b.write(leaf.descriptorAddress, b.encodedLeaf(iova, ELSEWHERE, PROT_READ | PROT_WRITE));
    const report = b.verify();
    const f = failuresAt(report, "translation-wrong-frame", iova);
    expect(f, JSON.stringify(report.failures.map((x) => x.message))).toHaveLength(1);
    expect(f[0]!.found).toContain("0x20000000");
    expect(f[0]!.size).toBe(PAGE);
  });

  if (c.hasWritePerm)
    it("widening a read-only page to read-write is a permission mismatch", () => {
      const b = new Bench(c);
      const iova = c.ro + 2n * PAGE;
      const w = b.walk(iova);
      expect(w.ok).toBe(true);
      const leaf = w.steps.at(-1)!;
      b.write(
        leaf.descriptorAddress,
        b.encodedLeaf(iova, w.ok ? w.pa : 0n, PROT_READ | PROT_WRITE),
      );
      const report = b.verify();
      const f = failuresAt(report, "permission-mismatch", iova);
      expect(f, JSON.stringify(report.failures.map((x) => x.message))).toHaveLength(1);
      expect(f[0]!.expected).toContain("r--");
      expect(f[0]!.found).toContain("rw-");
    });

  it("a stray valid descriptor is undeclared reach, naming the memory reached", () => {
    const b = new Bench(c);
    const iova = c.rw + 16n * PAGE; // just past the 64K buffer, same leaf table
    const w = b.walk(iova);
    expect(w.ok).toBe(false);
    const slot = w.steps.at(-1)!;
    expect(slot.level).toBe(b.walk(c.rw).steps.at(-1)!.level);
    b.write(slot.descriptorAddress, b.encodedLeaf(iova, ELSEWHERE, PROT_READ));
    const report = b.verify();
    const f = failuresAt(report, "undeclared-reach", iova);
    expect(f, JSON.stringify(report.failures.map((x) => x.message))).toHaveLength(1);
    expect(f[0]!.memory).toBe("ram region ram");
    expect(f[0]!.endpoint).toBe(c.endpoint);
  });

  /** One case per bit: a page of the ram buffer, or of the mmio mapping. */
  const bitCases = (bits: { ram?: readonly number[]; mmio?: readonly number[] } = {}) => [
    ...(bits.ram ?? []).map((bit) => ({ memory: "ram", bit, iova: c.rw + 7n * PAGE })),
    ...(bits.mmio ?? []).map((bit) => ({
      memory: "mmio",
      bit,
      iova: c.rw + 0x40_0000n + 2n * PAGE,
    })),
  ];
  const attributeCases = bitCases(c.attributeBits);
  if (attributeCases.length > 0)
    it.each(attributeCases)(
      "flipping attribute bit $bit of a $memory page is an attribute mismatch there",
      ({ bit, iova }) => {
        const b = new Bench(c);
        b.flipLeafBit(iova, bit);
        expect(b.walk(iova).ok).toBe(true);
        const report = b.verify();
        const all = JSON.stringify(report.failures.map((x) => x.message));
        const f = failuresAt(report, "attribute-mismatch", iova);
        expect(f, all).toHaveLength(1);
        expect(f[0]!.size).toBe(PAGE);
        expect(f[0]!.endpoint).toBe(c.endpoint);
        expect(f[0]!.code).toBe("VCM0425");
        expect(report.failureCount, all).toBe(1);
      },
    );

  const ignoredCases = bitCases(c.attributeBits.ignored);
  if (ignoredCases.length > 0)
    it.each(ignoredCases)(
      "bit $bit of a $memory page changes nothing the hardware does: still proved",
      ({ bit, iova }) => {
        const b = new Bench(c);
        b.flipLeafBit(iova, bit);
        const report = b.verify();
        expect(report.failures.map((x) => x.message)).toEqual([]);
      },
    );

  if (c.multiLevel)
    it("a table descriptor pointing at another table is caught", () => {
      const b = new Bench(c);
      const mine = b.steps(c.rw);
      const otherBase = c.format === "spapr-tce" ? c.rw + 0x1_0000_0000n : c.rw;
      const theirs = b.steps(otherBase, c.otherTable);
      const at = mine.length - 2;
      expect(at).toBeGreaterThanOrEqual(0);
      expect(theirs[at]!.descriptor).not.toBe(mine[at]!.descriptor);
      b.write(mine[at]!.descriptorAddress, theirs[at]!.descriptor);
      const report = b.verify();
      // The other table's leaves now answer for this range: the first page lands on its buffer.
      const f = failuresAt(report, "translation-wrong-frame", c.rw);
      expect(f, JSON.stringify(report.failures.map((x) => x.message))).toHaveLength(1);
      expect(f[0]!.found).toContain(`rw${c.index + 1}`);
      // And the two tables now share a table page.
      expect(report.failures.some((x) => x.check === "table-outside-pool")).toBe(true);
    });
});
