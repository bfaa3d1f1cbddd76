/**
 * Relocatable tables (`--relocatable`, `vcm run --relocate-to`): the relocation list comes from
 * each plugin's `relocations` (the radix engine's level iterator), and the tables moved by it
 * are proved from their bytes at other bases. A list missing one entry, or a root register not
 * moved, must make the proof fail.
 */
import { describe, expect, it } from "vitest";
import {
  poolRelocations,
  relocateCompiled,
  relocateRequested,
  RelocationRequestError,
} from "../../src/lowering/relocation.js";
import { verify } from "../../src/runtime/verify.js";
import { lowerFile, lowerText } from "../runtime/helpers.js";

function proved(c: Parameters<typeof verify>[0]): string[] {
  const report = verify(c, c.ir, c.plugins, { scenarios: false });
  return report.failures.map((f) => `${f.check}: ${f.message}`);
}

/** One cpu of `mmu` in a pool at 0x4100_0000, with pages far apart (several tables). */
function oneCpu(mmu: string, page = "4K"): string {
  const p = page === "64K" ? 0x1_0000 : 0x1000;
  return `
memory ram 0x4000_0000 .. +256M ram
pool tables in ram[0x100_0000 .. +1M]
mmu m : ${mmu}
cpu c via m
buffer a in ram size ${page} align ${page}
buffer b in ram size 2M align 2M
map a -> c at 0x${p.toString(16)} rw
map b -> c at 0x40_0000_0000 rw
map a -> c at 0x${(0x80_0000_0000 - p).toString(16)} r
`;
}

describe("relocation lists from the plugins", () => {
  const formats: Record<string, [string, string]> = {
    "arm-lpae 4K": ["arm-lpae { stage 1; granule 4K; va-bits 48; pa-bits 40 }", "4K"],
    "arm-lpae 64K": ["arm-lpae { stage 1; granule 64K; va-bits 48; pa-bits 48 }", "64K"],
    "x86-64 4 levels": ["x86-64 { levels 4 }", "4K"],
    "x86-64 5 levels": ["x86-64 { levels 5 }", "4K"],
  };
  for (const [name, [mmu, page]] of Object.entries(formats)) {
    it(`${name}: one entry per table below the root, and proved at two other bases`, () => {
      const { compiled } = lowerText(oneCpu(mmu, page));
      const { relocations, diagnostics } = poolRelocations(compiled);
      expect(diagnostics).toEqual([]);
      const r = relocations[0]!;
      let pages = 0;
      const t = compiled.tables[0]!;
      compiled.plugins.get(t.format)!.tables(compiled.memory, t.context, () => pages++);
      expect(r.offsets.length).toBe(pages - 1);
      expect(r.registers.get(t.name)!.length).toBe(1);
      for (const to of [r.base + 0x100_0000n, 0x4400_0000n]) {
        const moved = relocateCompiled(compiled, r, to);
        expect(moved.tables[0]!.context.root).toBe(t.context.root - r.base + to);
        expect(proved(moved)).toEqual([]);
      }
    });
  }

  it("a list missing one entry leaves a table pointer at the old place: the proof fails", () => {
    const { compiled } = lowerText(oneCpu("arm-lpae { stage 1; granule 4K; va-bits 48 }"));
    const r = poolRelocations(compiled).relocations[0]!;
    const short = { ...r, offsets: r.offsets.slice(1) };
    const failures = proved(relocateCompiled(compiled, short, 0x4800_0000n));
    expect(failures.length).toBeGreaterThan(0);
  });

  it("a root register left unmoved is caught (VCM0430 cpu-registers-wrong)", () => {
    const { compiled } = lowerText(oneCpu("x86-64 { levels 4 }"));
    const r = poolRelocations(compiled).relocations[0]!;
    const noRegisters = { ...r, registers: new Map([[compiled.tables[0]!.name, []]]) };
    const failures = proved(relocateCompiled(compiled, noRegisters, 0x4800_0000n));
    expect(failures.some((f) => f.startsWith("cpu-registers-wrong"))).toBe(true);
  });

  it("both halves of kernel-halves move: TTBR0 and TTBR1, CR3", () => {
    const { compiled } = lowerFile("samples/kernel-halves.vcm");
    const r = poolRelocations(compiled).relocations[0]!;
    expect(r.registers.get("a72")!.sort()).toEqual(["TTBR0", "TTBR1"]);
    expect(r.registers.get("x86")).toEqual(["CR3"]);
    expect(r.align).toBe(0x10000n); // a76 has 64K tables
    expect(proved(relocateCompiled(compiled, r, 0x5000_0000n))).toEqual([]);
  });
});

describe("pools that cannot be relocated (VCM0338 pool-not-relocatable)", () => {
  const cases: Record<string, { text: string; says: RegExp }> = {
    "52-bit output: PA[51:48] sit in bits [15:12]": {
      text: oneCpu("arm-lpae { stage 1; granule 64K; va-bits 48; pa-bits 52 }", "64K"),
      says: /does not hold the table address at its own bit positions/,
    },
    "stage 2: no registers the plugin decodes": {
      text: `
memory ram 0x4000_0000 .. +256M ram
pool tables in ram[0x100_0000 .. +1M]
iommu s : arm-lpae { stage 2; granule 4K; ias 40; oas 40 }
device d behind s stream 1
domain dom on s { type unmanaged; aperture 0 .. +1T; attach d }
buffer a in ram size 4K
map a -> dom at 0x1000 rw
`,
      says: /does not say which registers of table 'dom' hold its root/,
    },
    "VT-d: device structures in the pool": {
      text: `
memory ram 0x4000_0000 .. +256M ram
pool tables in ram[0x100_0000 .. +1M]
iommu vtd : intel-vtd { agaw 48 }
device d behind vtd stream 0x10
domain dom on vtd { type dma; aperture 0 .. +4G; attach d }
buffer a in ram size 4K
map a -> dom at 0x1000 rw
`,
      says: /holds the device structures of mapper 'vtd'/,
    },
  };
  for (const [name, { text, says }] of Object.entries(cases)) {
    it(name, () => {
      const { compiled } = lowerText(text);
      const { relocations, diagnostics } = poolRelocations(compiled);
      expect(relocations).toEqual([]);
      expect(diagnostics.map((d) => d.code)).toContain("VCM0338");
      expect(diagnostics.map((d) => d.message).join("\n")).toMatch(says);
    });
  }
});

describe("vcm run --relocate-to: where a pool may go (VCM0485 relocation-base-invalid)", () => {
  const { compiled } = lowerFile("samples/boot-el1.vcm");

  it("an aligned base inside the output range is proved", () => {
    const moved = relocateRequested(compiled, { base: 0x4300_0000n });
    expect(moved.diagnostics).toEqual([]);
    expect("compiled" in moved && proved(moved.compiled)).toEqual([]);
  });

  it("refuses an unaligned base, one past the output bits, one overlapping another pool", () => {
    const messages = (base: bigint) =>
      relocateRequested(compiled, { base }).diagnostics.map((d) => `${d.code} ${d.message}`);
    expect(messages(0x4300_0800n)).toEqual([
      "VCM0485 cannot relocate pool 'tables' to 0x43000800: its tables need 0x1000-byte alignment (the largest table page it holds)",
    ]);
    expect(messages(1n << 40n)[0]).toMatch(
      /VCM0485 .* lies past the 40-bit output of format 'arm-lpae'/,
    );
    const two = lowerText(
      oneCpu("x86-64 { levels 4; pool tables }") + "pool other in ram[0x400_0000 .. +1M]\n",
    ).compiled;
    const overlap = relocateRequested(two, { pool: "tables", base: 0x4400_0000n });
    expect(overlap.diagnostics.map((d) => d.message)).toEqual([
      "cannot relocate pool 'tables' to 0x44000000: 0x44000000..0x44100000 overlaps pool 'other'",
    ]);
  });

  it("refuses to move Secure tables out of their Secure region", () => {
    const el3 = lowerFile("samples/boot-el3.vcm").compiled;
    expect(relocateRequested(el3, { base: 0x0e40_0000n }).diagnostics).toEqual([]);
    expect(
      relocateRequested(el3, { base: 0x4400_0000n }).diagnostics.map((d) => d.message),
    ).toEqual([
      "cannot relocate pool 'tables' to 0x44000000: 0x44000000..0x44010000 leaves memory 'secure_ram' (0xe000000..0xf000000), where the pool is declared",
    ]);
  });

  it("a pool that is not there is a usage error", () => {
    expect(() => relocateRequested(compiled, { pool: "nope", base: 0n })).toThrow(
      RelocationRequestError,
    );
  });
});
