/** The pieces of parallel verification: shares balanced by table size, read-only shared frames. */
import { describe, expect, it } from "vitest";
import { PhysicalMemory } from "../../src/plugin-api/physical-memory.js";
import { shareEndpoints } from "../../src/runtime/endpoint-shares.js";
import { FailureSink } from "../../src/runtime/failure-sink.js";
import { Prover } from "../../src/runtime/prover.js";
import { SharedFrameMemory, shareFrames } from "../../src/runtime/shared-frames.js";
import { lowerText } from "./helpers.js";

/** One heavy domain (64 MiB at 4K), three light ones, and two devices sharing a light one. */
const TOPOLOGY = `topology shares
memory ddr 0x1_0000_0000 .. +1G ram
memory pt 0x8000_0000 .. +64M ram
pool tables in pt
iommu smmu : arm-lpae { stage 1; granule 4K; ias 48; oas 48 }
device big behind smmu stream 1
device l1 behind smmu stream 2
device l2 behind smmu stream 3
device l3 behind smmu stream 4
device l3b behind smmu stream 5
domain dbig on smmu { type dma; aperture 0 .. +4G; attach big }
domain d1 on smmu { type dma; aperture 0 .. +4G; attach l1 }
domain d2 on smmu { type dma; aperture 0 .. +4G; attach l2 }
domain d3 on smmu { type dma; aperture 0 .. +4G; attach l3; attach l3b }
map ddr[0 .. +64M] -> dbig at 0x1000_0000 rw pages 4K
map ddr[64M .. +1M] -> d1 at 0x1000_0000 rw pages 4K
map ddr[65M .. +1M] -> d2 at 0x1000_0000 rw pages 4K
map ddr[66M .. +1M] -> d3 at 0x1000_0000 rw pages 4K
`;

describe("shareEndpoints", () => {
  const l = lowerText(TOPOLOGY);
  const prover = new Prover({ ...l.compiled, ir: l.ir, plugins: l.plugins }, new FailureSink(8), {
    limit: 8,
  });
  const paths = prover.paths;
  const pagesOf = prover.intendedPages.bind(prover);

  it("balances by table size: the heavy domain alone, the light ones together", () => {
    const { shares, work } = shareEndpoints(paths, 2, pagesOf);
    expect(shares).toEqual([["big"], ["l1", "l2", "l3", "l3b"]]);
    expect(work[0]).toBeGreaterThan(16384); // 64 MiB of 4K leaves
    expect(work[1]).toBeLessThan(work[0]!);
  });

  it("keeps endpoints of one table together and never makes an empty share", () => {
    const { shares } = shareEndpoints(paths, 8, pagesOf);
    expect(shares).toHaveLength(4);
    expect(shares.find((s) => s.includes("l3"))).toEqual(["l3", "l3b"]);
    expect(shares.flat().sort()).toEqual(["big", "l1", "l2", "l3", "l3b"]);
  });
});

describe("SharedFrameMemory", () => {
  it("reads what the original holds, without copying per reader, and refuses writes", () => {
    const memory = new PhysicalMemory();
    memory.write64(0x5000n, 0x1234_5678_9abc_def0n);
    memory.write32(0x7_0000_0000 + 8, 0xcafe);
    const shared = shareFrames(memory);
    const a = new SharedFrameMemory(shared);
    const b = new SharedFrameMemory(shared);
    expect(a.read64(0x5000n)).toBe(0x1234_5678_9abc_def0n);
    expect(a.read32(0x7_0000_0000 + 8)).toBe(0xcafe);
    expect(a.read32(0x9000)).toBe(0);
    expect(a.has(5)).toBe(true);
    expect(a.has(9)).toBe(false);
    expect(a.framePfns()).toEqual(memory.framePfns());
    expect(a.readBytes(0x5000n, 8)).toEqual(memory.readBytes(0x5000n, 8));
    // Both readers see one buffer.
    expect(shared.buffers).toHaveLength(1); // copied once, into one buffer
    new Uint32Array(shared.buffers[0]!)[0] = 7;
    expect(b.read32(0x5000)).toBe(7);
    expect(() => a.write64(0x5000n, 0n)).toThrow(/read-only/);
    expect(() => a.frame(5)).toThrow(/read-only/);
  });

  it("shares frames that already live in SharedArrayBuffers as they are, without a copy", () => {
    /** A memory whose frames are views into shared slabs (as PhysicalMemory could allocate). */
    class SharedSlabMemory extends PhysicalMemory {
      readonly shared = new SharedArrayBuffer(2 * 4096);
      private readonly mine = new Map<number, Uint32Array>();
      override frame(pfn: number): Uint32Array {
        let f = this.mine.get(pfn);
        if (!f) this.mine.set(pfn, (f = new Uint32Array(this.shared, this.mine.size * 4096, 1024)));
        return f;
      }
      override peek(pfn: number): Uint32Array {
        return this.mine.get(pfn) ?? new Uint32Array(1024);
      }
      override framePfns(): number[] {
        return [...this.mine.keys()].sort((a, b) => a - b);
      }
    }
    const memory = new SharedSlabMemory();
    memory.write32(0x9000, 1);
    memory.write32(0x3000, 2);
    const shared = shareFrames(memory);
    expect(shared.buffers).toEqual([memory.shared]);
    const reader = new SharedFrameMemory(shared);
    expect([reader.read32(0x3000), reader.read32(0x9000)]).toEqual([2, 1]);
    memory.write32(0x9004, 5); // written after sharing: seen, so nothing was copied
    expect(reader.read32(0x9004)).toBe(5);
  });
});
