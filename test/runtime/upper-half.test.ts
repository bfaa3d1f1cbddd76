/**
 * Upper-half (kernel) address spaces end to end: x86-64 canonical halves through one root and
 * AArch64 TTBR0/TTBR1 tables are lowered at canonical addresses, proved from bytes (here and
 * after a compile output round trip), explained, allocated into and caught when corrupted.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cHeader } from "../../src/compile/c-header.js";
import { loadCompiled, readManifest } from "../../src/compile/load-compiled.js";
import { writeCompileOutput } from "../../src/compile/write-output.js";
import { lower } from "../../src/lowering/lower.js";
import { Explainer, verify } from "../../src/runtime/index.js";
import { irFromText, realPlugins } from "../fixtures/lowering/from-text.js";
import { lowerFile, lowerText } from "./helpers.js";

const SAMPLE = "samples/kernel-halves.vcm";

describe("kernel-halves sample", () => {
  const l = lowerFile(SAMPLE);

  it("maps canonical upper-half addresses into PML4 entry 511 / 273 and the TTBR1 table", () => {
    const x86 = l.compiled.tables.find((t) => t.name === "x86")!;
    const root = x86.context.root;
    // __START_KERNEL_map 0xffff_ffff_8000_0000: VA bits 47:39 = 511 (SDM 4.5.4, figure 4-8).
    expect(l.compiled.memory.read64(root + 511n * 8n) & 1n).toBe(1n);
    // PAGE_OFFSET 0xffff_8880_0000_0000: bits 47:39 = 0x111 = 273.
    expect(l.compiled.memory.read64(root + 273n * 8n) & 1n).toBe(1n);
    // Nothing at entry 256's neighbour 255 (top of the lower half) or 1 (user space is in 0).
    expect(l.compiled.memory.read64(root + 255n * 8n)).toBe(0n);
    const a72 = l.compiled.tables.find((t) => t.name === "a72.upper")!;
    expect(a72.halves).toEqual([
      { half: "upper", base: 0xffff_ff80_0000_0000n, size: 1n << 39n, input: 0n },
    ]);
    expect(a72.context.registers["TTBR1"]).toBe(a72.context.root);
    expect(l.compiled.endpoints.find((e) => e.endpoint === "a72")).toMatchObject({
      table: "a72",
      upper: "a72.upper",
    });
  });

  it("is proved, and proved again from its compile output (both roots, --tables)", () => {
    expect(verify(l.compiled, l.ir, l.plugins).status).toBe("proved");
    const dir = mkdtempSync(join(tmpdir(), "vcm-upper-"));
    try {
      const out = join(dir, "out");
      writeCompileOutput(l.compiled, out, { format: "default" });
      const manifest = readManifest(out);
      const upper = manifest.tables.find((t) => t.name === "a72.upper")!;
      expect(upper.params?.["ias"]).toBe("0x27"); // 39 bits: T1SZ = 25
      expect(upper.geometry.inputBits).toBe(39);
      expect(manifest.domains.find((d) => d.name === "x86")!.upper).toEqual({
        base: "0xffff800000000000",
        size: "0x800000000000",
      });
      const loaded = loadCompiled(out, l.ir, l.plugins);
      expect(loaded.tables.map((t) => [t.name, t.context.root, t.halves])).toEqual(
        l.compiled.tables.map((t) => [t.name, t.context.root, t.halves]),
      );
      expect(loaded.tables.find((t) => t.name === "a72.upper")!.context.params["ias"]).toBe(39n);
      const report = verify(loaded, l.ir, l.plugins, { scenarios: false });
      expect(report.failures.map((f) => f.message)).toEqual([]);
      expect(report.pagesChecked).toBe(verify(l.compiled, l.ir, l.plugins).pagesChecked);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes both roots, TTBR1/TCR and the halves into the C header", () => {
    const h = cHeader(l.compiled);
    const upper = l.compiled.tables.find((t) => t.name === "a72.upper")!;
    const tcr = upper.context.registers["TCR"]!.toString(16);
    expect(h).toContain(`#define VCM_A72_REG_TTBR1 0x${upper.context.root.toString(16)}ULL`);
    expect(h).toContain(`#define VCM_A72_REG_TCR 0x${tcr}ULL`);
    expect(h).toContain(`#define VCM_A72_UPPER_ROOT_PA 0x${upper.context.root.toString(16)}ULL`);
    expect(h).toContain("#define VCM_A72_UPPER_HALF_UPPER_VA_BASE 0xffffff8000000000ULL");
    expect(h).toContain("#define VCM_X86_HALF_UPPER_TABLE_INPUT 0x800000000000ULL");
    expect(h).toMatch(/#define VCM_A72_UPPER_PAGE0_PA 0x[0-9a-f]+ULL \/\* level 1 \*\//);
  });

  it("explains upper-half addresses by their table input, and refuses the hole", () => {
    const explainer = new Explainer(l.compiled);
    const k = explainer.explain("x86", 0xffff_ffff_8000_0000n);
    expect(k.outcome.ok).toBe(true);
    expect(k.walks[0]).toMatchObject({ table: "x86", half: "upper", input: 0xffff_8000_0000n });
    expect(k.walks[0]!.steps[0]!.index).toBe(511);
    const a = explainer.explain("a72", 0xffff_ffc0_0800_0000n);
    expect(a.walks.map((w) => w.table)).toEqual(["a72.upper"]);
    expect(a.outcome.ok && a.outcome.memory).toContain("buffer kernel");
    const hole = explainer.explain("x86", 0x8000_0000_0000n);
    expect(hole.walks).toEqual([]);
    expect(!hole.outcome.ok && hole.outcome.reason).toContain("neither half");
    const user = explainer.explain("a72", 0x40_0000n);
    expect(user.walks.map((w) => [w.table, w.half])).toEqual([["a72", "lower"]]);
  });
});

/** Corrupt one descriptor in a compile output and prove the loaded result. */
function corruptAndProve(cpu: string, address: bigint, clearBits: bigint) {
  const l = lowerFile(SAMPLE);
  const dir = mkdtempSync(join(tmpdir(), "vcm-upper-"));
  try {
    const out = join(dir, "out");
    writeCompileOutput(l.compiled, out, { format: "default" });
    const walk = new Explainer(l.compiled).explain(cpu, address).walks[0]!;
    const leaf = walk.steps.at(-1)!.descriptorAddress;
    const pool = readManifest(out).pools[0]!;
    const image = readFileSync(join(out, pool.image));
    const offset = Number(leaf - BigInt(pool.base));
    const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
    view.setBigUint64(offset, view.getBigUint64(offset, true) & ~clearBits, true);
    writeFileSync(join(out, pool.image), image);
    return verify(loadCompiled(out, l.ir, l.plugins), l.ir, l.plugins, { scenarios: false });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("a corrupted upper-half leaf is caught at its canonical address", () => {
  it("x86-64: clearing P of the kernel text's 2M PDE", () => {
    const report = corruptAndProve("x86", 0xffff_ffff_8000_0000n, 1n);
    const f = report.failures.find((x) => x.check === "translation-missing")!;
    expect(f.endpoint).toBe("x86");
    expect(f.address).toBe(0xffff_ffff_8000_0000n);
    expect(f.size).toBe(2n << 20n);
  });

  it("AArch64: clearing the valid bit of a TTBR1 block", () => {
    const report = corruptAndProve("a72", 0xffff_ffc0_0800_0000n, 1n);
    const f = report.failures.find((x) => x.check === "translation-missing")!;
    expect(f.endpoint).toBe("a72");
    expect(f.table).toBe("a72.upper");
    expect(f.address).toBe(0xffff_ffc0_0800_0000n);
  });

  it("AArch64: a TTBR0 leaf is reported in the TTBR0 table, at its lower-half address", () => {
    const report = corruptAndProve("a72", 0x40_0000n, 1n);
    const f = report.failures.find((x) => x.check === "translation-missing")!;
    expect(f.table).toBe("a72");
    expect(f.address).toBe(0x40_0000n);
  });
});

const ARM_SMALL = `
memory dram 0x4000_0000 .. +16G ram
pool tables in dram[0 .. +16M]
mmu m : arm-lpae { granule 4K; va-bits 32; va-bits-upper 39 }
cpu c via m
buffer big in dram size 8G align 1G
buffer small in dram size 64K
`;

describe("the VA allocator uses both halves", () => {
  it("an `at auto` mapping too big for TTBR0's 4G lands in the TTBR1 half", () => {
    const l = lowerText(ARM_SMALL + "map small -> c at auto rw\nmap big -> c at auto rw\n");
    const [small, big] = l.compiled.mappings;
    expect(small!.iova).toBeLessThan(1n << 32n);
    expect(small!.table).toBe("c");
    expect(big!.iova).toBe((1n << 64n) - (1n << 39n));
    expect(big!.table).toBe("c.upper");
    expect(verify(l.compiled, l.ir, l.plugins).status).toBe("proved");
  });

  it("x86-64: `at auto` never hands out a non-canonical address", () => {
    const l = lowerText(`
memory dram 0x4000_0000 .. +1G ram
pool tables in dram[0 .. +16M]
mmu m : x86-64 { }
cpu c via m
buffer a in dram size 2M align 2M
map a -> c at 0x7FFF_FFE0_0000 rw
map a -> c at auto rw
`);
    const auto = l.compiled.mappings[1]!;
    expect(auto.iova).toBeLessThan(1n << 47n);
    expect(auto.iova).not.toBe(0n);
  });
});

describe("address-outside-halves (VCM0312): a scenario's non-canonical map", () => {
  const base = `
memory dram 0x4000_0000 .. +1G ram
pool tables in dram[0 .. +16M]
mmu m : x86-64 { }
cpu c via m
buffer a in dram size 4K
`;
  it("fires for 0x8000_0000_0000 with 4 levels", () => {
    const l = lowerText(base + "scenario s { map a -> c at 0x8000_0000_0000 rw }\n");
    const report = verify(l.compiled, l.ir, l.plugins);
    const f = report.failures.find((x) => x.check === "scenario-step-failed")!;
    expect(f.message).toContain("address-outside-halves");
    expect(f.message).toContain("neither half");
  });

  it("does not fire for the first upper-half address, which is proved", () => {
    const l = lowerText(
      base +
        "scenario s { map a -> c at 0xFFFF_8000_0000_0000 rw\n expect c sees a at 0xFFFF_8000_0000_0000 }\n",
    );
    const report = verify(l.compiled, l.ir, l.plugins);
    expect(report.failures.map((f) => f.message)).toEqual([]);
  });

  it("is a lowering diagnostic with its code", () => {
    const plugins = realPlugins();
    const { ir } = irFromText(base + "map a -> c at 0x8000_0000_0000 rw\n", plugins);
    const d = lower(ir, plugins).diagnostics.find((x) => x.check === "address-outside-halves");
    expect(d?.code).toBe("VCM0312");
    expect(d?.span?.line).toBe(7);
  });
});

/** Edit one table's registers in a compile output's manifest, load it and prove it. */
function proveWithRegisters(
  text: string,
  table: string,
  edit: (regs: Record<string, bigint>) => Record<string, bigint>,
) {
  const l = lowerText(text);
  const dir = mkdtempSync(join(tmpdir(), "vcm-upper-"));
  try {
    const out = join(dir, "out");
    writeCompileOutput(l.compiled, out, { format: "default" });
    const path = join(out, "manifest.json");
    const manifest = JSON.parse(readFileSync(path, "utf8"));
    for (const t of manifest.tables) {
      if (t.name !== table && t.name !== `${table}.upper`) continue;
      const regs: Record<string, bigint> = {};
      for (const [k, v] of Object.entries(t.registers as Record<string, string>))
        regs[k] = BigInt(v);
      const edited = edit(regs);
      t.registers = Object.fromEntries(
        Object.entries(edited).map(([k, v]) => [k, "0x" + v.toString(16)]),
      );
    }
    writeFileSync(path, JSON.stringify(manifest));
    const loaded = loadCompiled(out, l.ir, l.plugins);
    return {
      report: verify(loaded, l.ir, l.plugins, { scenarios: false }),
      explainer: new Explainer(loaded),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const KERNEL = readFileSync(SAMPLE, "utf8");
const TCR_EPD1 = 1n << 23n;

describe("cpu-registers-wrong (VCM0430): the walk follows the registers", () => {
  it("stays quiet when the manifest's registers are the compiled ones", () => {
    const { report } = proveWithRegisters(KERNEL, "a72", (r) => r);
    expect(report.failures.map((f) => f.message)).toEqual([]);
  });

  it("TTBR1 pointing at TTBR0's table: reported, and the upper half walks that table", () => {
    const { report, explainer } = proveWithRegisters(KERNEL, "a72", (r) => ({
      ...r,
      TTBR1: r["TTBR0"]! & ((1n << 48n) - 1n),
    }));
    const wrong = report.failures.filter((f) => f.check === "cpu-registers-wrong");
    expect(wrong.map((f) => f.code)).toEqual(["VCM0430"]);
    expect(wrong[0]!.message).toContain("upper half (table a72.upper) root");
    // The kernel's mappings are missing from what TTBR1 now reaches.
    const missing = report.failures.find(
      (f) => f.check === "translation-missing" && f.table === "a72.upper",
    );
    expect(missing?.address).toBeGreaterThanOrEqual(0xffff_ff80_0000_0000n);
    const e = explainer.explain("a72", 0xffff_ffc0_0800_0000n);
    expect(e.registers?.[0]).toContain("upper half");
    expect(e.outcome.ok).toBe(false);
  });

  it("EPD1 set: the upper half is walked by nothing", () => {
    const { report } = proveWithRegisters(KERNEL, "a72", (r) => ({
      ...r,
      TCR: r["TCR"]! | TCR_EPD1,
    }));
    const wrong = report.failures.find((f) => f.check === "cpu-registers-wrong")!;
    expect(wrong.found).toBe("the registers disable upper-half walks");
    expect(report.failures.some((f) => f.check === "translation-missing")).toBe(true);
  });

  it("EPD0 set on a context with no user mappings is fine (a parked TTBR0), with one it is not", () => {
    // Spaces as `vcm fmt` aligns them may vary: match the lines, not their columns.
    const kernelOnly = KERNEL.replace(/map user +-> a72 +at 0x40_0000 rw\n/, "").replace(
      /expect a72 +sees user at 0x40_0000\n/,
      "",
    );
    const epd0 = (r: Record<string, bigint>) => ({ ...r, TCR: r["TCR"]! | (1n << 7n) });
    const quiet = proveWithRegisters(kernelOnly, "a72", epd0).report;
    expect(quiet.failures.map((f) => f.message)).toEqual([]);
    const fires = proveWithRegisters(KERNEL, "a72", epd0).report;
    expect(fires.failures.find((f) => f.check === "cpu-registers-wrong")?.found).toBe(
      "the registers disable lower-half walks",
    );
  });

  it("T1SZ for 40 bits instead of 39, and TG1 with TG0's 4K encoding (0b00, reserved)", () => {
    const t1sz = (r: Record<string, bigint>) => (r["TCR"]! & ~(0x3fn << 16n)) | (24n << 16n);
    const size = proveWithRegisters(KERNEL, "a72", (r) => ({ ...r, TCR: t1sz(r) })).report;
    expect(size.failures.find((f) => f.check === "cpu-registers-wrong")?.found).toBe(
      "40-bit input, 4K granule",
    );
    const tg1 = proveWithRegisters(KERNEL, "a72", (r) => ({
      ...r,
      TCR: r["TCR"]! & ~(3n << 30n),
    })).report;
    expect(tg1.failures.find((f) => f.check === "cpu-registers-wrong")?.found).toBe(
      "39-bit input, a reserved granule",
    );
  });

  it("x86-64: CR4.LA57 flipped, and CR3 pointing elsewhere", () => {
    const la57 = proveWithRegisters(KERNEL, "x86", (r) => ({ ...r, CR4: r["CR4"]! | (1n << 12n) }));
    expect(la57.report.failures.find((f) => f.check === "cpu-registers-wrong")?.found).toBe(
      "57-bit input, 4K granule",
    );
    const cr3 = proveWithRegisters(KERNEL, "x86", (r) => ({ ...r, CR3: r["CR3"]! + 0x1000n }));
    const wrong = cr3.report.failures.filter((f) => f.check === "cpu-registers-wrong");
    expect(wrong.map((f) => f.expected)).toEqual([
      expect.stringContaining("lower half (table x86) root"),
      expect.stringContaining("upper half (table x86) root"),
    ]);
  });

  it("an AArch64 context without an upper half whose registers enable TTBR1 walks", () => {
    const text = `
memory dram 0x4000_0000 .. +1G ram
pool tables in dram[0 .. +16M]
mmu m : arm-lpae { va-bits 48 }
cpu c via m
buffer b in dram size 4K
map b -> c at 0x1000 rw
`;
    const quiet = proveWithRegisters(text, "c", (r) => r).report;
    expect(quiet.failures).toEqual([]);
    const { report } = proveWithRegisters(text, "c", (r) => ({
      ...r,
      TCR: r["TCR"]! & ~TCR_EPD1,
    }));
    const wrong = report.failures.find((f) => f.check === "cpu-registers-wrong")!;
    expect(wrong.expected).toBe("no upper half (none is declared)");
    expect(wrong.found).toBe("the registers enable upper-half walks from root 0x0");
  });
});
