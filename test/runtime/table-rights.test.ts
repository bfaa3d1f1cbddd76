/**
 * `vcm run` reads rights at every level: for each format with table-level rights, change one
 * table-level rights bit in the compiled bytes (clear a bit that grants, set one that removes) and
 * expect one `table-rights-narrowed` failure per declared mapping under that entry, naming the
 * entry and the right, over exactly that mapping's range. A bit that removes nothing declared
 * (exec over rw- mappings) fails nothing. The bytes are the real lowering's.
 */
import { describe, expect, it } from "vitest";
import { verify } from "../../src/runtime/index.js";
import type { RunReport } from "../../src/runtime/report.js";
import { FORMAT_CASES, allFormatsTopology, type FormatCase } from "./all-formats.js";
import { lowerText, type Lowered } from "./helpers.js";

/** Executable user mappings at 128M (their own leaf tables), for the exec bits. */
const EXEC_AT = 0x800_0000n;
const EXEC_SIZE = 0x4000n;

function extra(): string {
  const lines: string[] = [];
  for (const c of FORMAT_CASES) {
    if (!["arm-lpae", "x86-64", "arm-v7s"].includes(c.format)) continue;
    lines.push(`buffer x_${c.index} in ram size 16K align 4K`);
    lines.push(`map x_${c.index} -> ${c.table} at 0x${EXEC_AT.toString(16)} rwx pages 4K`);
  }
  return lines.join("\n") + "\n";
}

interface RightsBit {
  format: string;
  /** The descriptor bit, and whether setting it (else clearing it) narrows. */
  bit: bigint;
  set: boolean;
  removes: string;
  /** Which mapping it narrows: the rw buffer, or the rwx one. */
  under: "rw" | "exec";
}

const BITS: RightsBit[] = [
  { format: "arm-lpae", bit: 62n, set: true, removes: "write", under: "rw" },
  { format: "arm-lpae", bit: 61n, set: true, removes: "user access", under: "rw" },
  { format: "arm-lpae", bit: 60n, set: true, removes: "exec", under: "exec" },
  { format: "arm-lpae", bit: 59n, set: true, removes: "exec", under: "exec" },
  { format: "x86-64", bit: 1n, set: false, removes: "write", under: "rw" },
  { format: "x86-64", bit: 2n, set: false, removes: "user access", under: "rw" },
  { format: "x86-64", bit: 63n, set: true, removes: "exec", under: "exec" },
  { format: "intel-vtd", bit: 1n, set: false, removes: "write", under: "rw" },
  { format: "intel-vtd", bit: 0n, set: false, removes: "read", under: "rw" },
  { format: "amd-v1", bit: 62n, set: false, removes: "write", under: "rw" },
  { format: "amd-v1", bit: 61n, set: false, removes: "read", under: "rw" },
  { format: "arm-v7s", bit: 2n, set: true, removes: "exec", under: "exec" },
];

class Corrupted {
  readonly l: Lowered;
  constructor(readonly c: FormatCase) {
    this.l = lowerText(allFormatsTopology(extra()));
  }
  private table() {
    return this.l.compiled.tables.find((t) => t.name === this.c.table)!;
  }
  private entryBytes(): number {
    const t = this.table();
    return this.l.compiled.mappers.find((m) => m.name === t.mapper)!.geometry.entryBytes;
  }
  /** The walk steps of `iova` in the corrupted endpoint's table. */
  steps(iova: bigint) {
    const plugin = this.l.plugins.get(this.c.format)!;
    return plugin.walk(this.l.compiled.memory, this.table().context, iova).steps;
  }
  /** Flip `bit` of the descriptor at `address` the narrowing way; returns the old value. */
  flip(address: bigint, bit: bigint, set: boolean): bigint {
    const mem = this.l.compiled.memory;
    const mask = 1n << bit;
    if (this.entryBytes() === 4) {
      const old = BigInt(mem.read32(Number(address)) >>> 0);
      expect((old & mask) !== 0n).toBe(!set);
      mem.write32(Number(address), Number(set ? old | mask : old & ~mask));
      return old;
    }
    const old = mem.read64(address);
    expect((old & mask) !== 0n, `bit ${bit} of ${old.toString(16)}`).toBe(!set);
    mem.write64(address, set ? old | mask : old & ~mask);
    return old;
  }
  verify(): RunReport {
    return verify(this.l.compiled, this.l.ir, this.l.plugins, { scenarios: false });
  }
}

const caseOf = (format: string) => FORMAT_CASES.find((c) => c.format === format)!;
const messages = (r: RunReport) => JSON.stringify(r.failures.map((f) => f.message));

describe("table-level rights in compiled bytes", () => {
  it("the uncorrupted topology, with its rwx mappings, is proved", () => {
    const r = new Corrupted(caseOf("x86-64")).verify();
    expect(r.failures.map((f) => f.message)).toEqual([]);
  });

  it.each(BITS)(
    "$format: bit $bit removes $removes, in the table entry of every level above the leaves",
    ({ format, bit, set, removes, under }) => {
      const c = caseOf(format);
      const at = under === "rw" ? c.rw : EXEC_AT;
      const size = under === "rw" ? 0x1_0000n : EXEC_SIZE;
      const levels = new Corrupted(c).steps(at).length - 1;
      expect(levels).toBeGreaterThan(0);
      for (let k = 0; k < levels; k++) {
        const b = new Corrupted(c);
        const entry = b.steps(at)[k]!;
        b.flip(entry.descriptorAddress, bit, set);
        const r = b.verify();
        const named = `table entry at pa 0x${entry.descriptorAddress.toString(16)} (level ${entry.level}) removes ${removes} for ${c.endpoint}: `;
        const f = r.failures.filter((x) => x.address === at);
        expect(f, messages(r)).toHaveLength(1);
        expect(f[0]!.check).toBe("table-rights-narrowed");
        expect(f[0]!.code).toBe("VCM0420");
        expect(f[0]!.endpoint).toBe(c.endpoint);
        expect(f[0]!.size).toBe(size);
        expect(f[0]!.message).toContain(named);
        // Whatever else fails is a mapping under the same entry, narrowed the same way.
        for (const x of r.failures) {
          expect(x.check, messages(r)).toBe("table-rights-narrowed");
          expect(x.message).toContain(named);
        }
        if (k === levels - 1) expect(r.failures, messages(r)).toHaveLength(1);
      }
    },
  );

  it("x86-64: clearing R/W in the PML4E narrows every writable mapping below it", () => {
    const c = caseOf("x86-64");
    const b = new Corrupted(c);
    const root = b.steps(c.rw)[0]!;
    b.flip(root.descriptorAddress, 1n, false);
    const r = b.verify();
    const f = r.failures.filter((x) => x.check === "table-rights-narrowed");
    // rw buffer, BAR slice and the rwx buffer; the read-only buffer keeps its declared rights.
    expect(
      f.map((x) => [x.address, x.size]),
      messages(r),
    ).toEqual([
      [c.rw, 0x1_0000n],
      [c.rw + 0x40_0000n, 0x1_0000n],
      [EXEC_AT, EXEC_SIZE],
    ]);
    expect(f.every((x) => x.message.includes("(level 4) removes write for c_x86"))).toBe(true);
    expect(r.failures.length, messages(r)).toBe(3);
  });

  it("a bit that removes only what no mapping below declares fails nothing", () => {
    const c = caseOf("x86-64");
    const b = new Corrupted(c);
    b.flip(b.steps(c.rw).at(-2)!.descriptorAddress, 63n, true); // XD over rw- and r-- mappings
    const r = b.verify();
    expect(r.failures.map((f) => f.message)).toEqual([]);
  });

  it("a root entry pointing back at the root is a table-loop failure over its range", () => {
    const c = caseOf("x86-64");
    const b = new Corrupted(c);
    const root = b.steps(c.rw)[0]!;
    b.l.compiled.memory.write64(root.descriptorAddress, root.tableBase | 0x27n);
    const r = b.verify();
    const loops = r.failures.filter((x) => x.check === "table-loop");
    expect(loops, messages(r)).toHaveLength(1);
    expect(loops[0]!.code).toBe("VCM0421");
    expect(loops[0]!.endpoint).toBe(c.endpoint);
    expect([loops[0]!.address, loops[0]!.size]).toEqual([0n, 1n << 39n]);
    expect(loops[0]!.message).toContain(
      `table entry at pa 0x${root.descriptorAddress.toString(16)} (level 4) points to table 0x${root.tableBase.toString(16)}, already read`,
    );
    // What the entry used to lead to is gone: each mapping below it is missing.
    expect(r.failures.some((x) => x.check === "translation-missing" && x.address === c.rw)).toBe(
      true,
    );
    expect(b.steps(c.rw).length).toBe(1);
  });

  it("the walk of a narrowed page says per level what each allowed", () => {
    const c = caseOf("arm-lpae");
    const b = new Corrupted(c);
    const entry = b.steps(c.rw).at(-2)!;
    b.flip(entry.descriptorAddress, 62n, true);
    const f = b.verify().failures[0]!;
    expect(f.trace!.map((s) => s.allows)).toEqual([7, 7, 5, 3]);
    expect(f.found).toContain("r--");
    expect(f.expected).toContain("rw-");
  });
});
