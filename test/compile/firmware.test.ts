/**
 * The firmware outputs in process (docs/FIRMWARE.md): which files `--format asm,ld,elf` and
 * `--relocatable` write, the ELF header and sections VCM writes itself, and the diagnostics for
 * pools that cannot be embedded (VCM0339, VCM0340) or relocated (VCM0338). The real assembler,
 * linker and QEMU read these files in firmware-tools.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { firmwarePools } from "../../src/compile/firmware-pools.js";
import { lower } from "../../src/lowering/lower.js";
import { PluginRegistry } from "../../src/plugin-host/registry.js";
import { compileTopology } from "../../src/pipeline/compile-topology.js";
import { createFakeRadix } from "../fixtures/lowering/fake-radix.js";
import { baseTopology, mapping } from "../fixtures/lowering/ir-builder.js";
import { lowerText } from "../runtime/helpers.js";

const work = mkdtempSync(join(tmpdir(), "vcm-firmware-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Section names and the fields of an ELF64 little-endian object's header. */
function readElf(bytes: Buffer) {
  const shoff = Number(bytes.readBigUInt64LE(40));
  const shnum = bytes.readUInt16LE(60);
  const shstrndx = bytes.readUInt16LE(62);
  const header = (i: number) => shoff + i * 64;
  const strOff = Number(bytes.readBigUInt64LE(header(shstrndx) + 24));
  const name = (off: number) => bytes.toString("latin1", off, bytes.indexOf(0, off));
  const sections = [];
  for (let i = 1; i < shnum; i++) {
    const h = header(i);
    sections.push({
      name: name(strOff + bytes.readUInt32LE(h)),
      type: bytes.readUInt32LE(h + 4),
      offset: Number(bytes.readBigUInt64LE(h + 24)),
      size: Number(bytes.readBigUInt64LE(h + 32)),
      align: Number(bytes.readBigUInt64LE(h + 48)),
    });
  }
  return {
    magic: bytes.subarray(0, 6).toString("hex"),
    type: bytes.readUInt16LE(16),
    machine: bytes.readUInt16LE(18),
    sections,
  };
}

const X86 = `
topology x86_boot
memory ram 0x10_0000 .. +64M ram
pool tables in ram[0x100_0000 .. +1M]
mmu m : x86-64 { levels 4 }
cpu c via m
buffer a in ram size 2M align 2M
map a -> c at 0xFFFF_FFFF_8000_0000 rwx priv
map a -> c at 0x40_0000 rw
`;

function writeTopology(name: string, text: string): string {
  const path = join(work, `${name}.vcm`);
  writeFileSync(path, text);
  return path;
}

describe("vcm compile --format asm,ld,elf", () => {
  it("writes one .s and one .o per pool and tables.ld; the .o is ELF64 EM_AARCH64 with the pool's bytes", async () => {
    const out = join(work, "el1");
    const c = await compileTopology("samples/boot-el1.vcm", {
      output: out,
      format: ["asm", "ld", "elf"],
    });
    expect(c.diagnostics).toEqual([]);
    expect(readdirSync(join(out, "firmware")).sort()).toEqual([
      "tables.ld",
      "tables.o",
      "tables.s",
    ]);
    expect(existsSync(join(out, "tables.h"))).toBe(false);
    const o = readFileSync(join(out, "firmware", "tables.o"));
    const elf = readElf(o);
    expect(elf.magic).toBe("7f454c460201"); // ELFCLASS64, ELFDATA2LSB
    expect(elf.type).toBe(1); // ET_REL
    expect(elf.machine).toBe(183); // EM_AARCH64
    expect(elf.sections.map((s) => s.name)).toEqual([
      ".vcm.tables",
      ".note.GNU-stack",
      ".symtab",
      ".strtab",
      ".shstrtab",
    ]);
    const pool = elf.sections[0]!;
    expect(pool.align).toBe(4096);
    const image = readFileSync(join(out, "pools", "tables.bin"));
    expect(
      o.subarray(pool.offset, pool.offset + pool.size).equals(image.subarray(0, pool.size)),
    ).toBe(true);
    expect(image.subarray(pool.size).every((b) => b === 0)).toBe(true);
    const asm = readFileSync(join(out, "firmware", "tables.s"), "utf8");
    expect(asm).toContain('.section .vcm.tables,"a",%progbits');
    expect(asm).toMatch(/\.set vcm_boot_ttbr0_el1, 0x1000041000000\n/);
    expect(readFileSync(join(out, "firmware", "tables.ld"), "utf8")).toContain(
      ".vcm.tables 0x41000000 : { KEEP(*(.vcm.tables)) }",
    );
  });

  it("x86-64 tables: EM_X86_64 and gas's @progbits", async () => {
    const out = join(work, "x86");
    const c = await compileTopology(writeTopology("x86", X86), {
      output: out,
      format: ["asm", "elf"],
    });
    expect(c.diagnostics).toEqual([]);
    expect(readElf(readFileSync(join(out, "firmware", "tables.o"))).machine).toBe(62);
    expect(readFileSync(join(out, "firmware", "tables.s"), "utf8")).toContain('"a",@progbits');
  });

  it("--relocatable adds the relative image, its offsets, a relocation section and tables.h", async () => {
    const out = join(work, "rel");
    const c = await compileTopology("samples/boot-el1.vcm", {
      output: out,
      format: ["elf"],
      relocatable: true,
    });
    expect(c.diagnostics).toEqual([]);
    expect(readdirSync(join(out, "firmware")).sort()).toEqual([
      "tables.o",
      "tables.rel.bin",
      "tables.relocs",
    ]);
    const header = readFileSync(join(out, "tables.h"), "utf8");
    expect(header).toContain("static inline void vcm_relocate(");
    expect(header).toContain("#define VCM_BOOT_REG_TTBR0_EL1 0x1000000000000ULL");
    expect(header).toContain("#define VCM_BOOT_REG_TTBR0_EL1_RELATIVE 1");
    const elf = readElf(readFileSync(join(out, "firmware", "tables.o")));
    expect(elf.sections.map((s) => s.name).slice(0, 2)).toEqual([
      ".vcm.tables",
      ".vcm.tables.relocs",
    ]);
    const relocs = readFileSync(join(out, "firmware", "tables.relocs"));
    expect(elf.sections[1]!.size).toBe(relocs.length);
    // Every listed word of the relative image is a table descriptor with a small offset in it.
    const rel = readFileSync(join(out, "firmware", "tables.rel.bin"));
    for (let i = 0; i < relocs.length; i += 8) {
      const word = rel.readBigUInt64LE(Number(relocs.readBigUInt64LE(i)));
      expect(word & 3n).toBe(3n);
      expect(word & 0xffff_ffff_f000n).toBeLessThan(0x1_0000n);
    }
  });

  it("the C header without --relocatable is today's, per page at its physical address", async () => {
    const out = join(work, "c");
    await compileTopology("samples/boot-el1.vcm", { output: out, format: "c" });
    const header = readFileSync(join(out, "tables.h"), "utf8");
    expect(header).not.toContain("vcm_relocate");
    expect(header).toContain("#define VCM_BOOT_PAGE0_PA 0x41000000ULL /* level 1 */");
    expect(header).toContain("#define VCM_BOOT_REG_TTBR0_EL1 0x1000041000000ULL");
  });
});

describe("pools that cannot be embedded or relocated: nothing is written", () => {
  it("VCM0339 pool-architectures-mixed: x86-64 and arm-lpae tables in one pool; ld alone is fine", async () => {
    const out = join(work, "mixed");
    const c = await compileTopology("samples/kernel-halves.vcm", { output: out, format: "asm" });
    expect(c.ok).toBe(false);
    expect(c.diagnostics.map((d) => d.code)).toEqual(["VCM0339"]);
    expect(c.diagnostics[0]!.message).toContain(
      "pool 'tables' holds tables for x86-64 ('x86', format 'x86-64') and for aarch64 ('a72', format 'arm-lpae')",
    );
    expect(existsSync(out)).toBe(false);
    const ld = await compileTopology("samples/kernel-halves.vcm", { output: out, format: "ld" });
    expect(ld.diagnostics).toEqual([]);
    expect(existsSync(join(out, "firmware", "tables.ld"))).toBe(true);
  });

  it("VCM0340 pool-architecture-unsupported: ARMv7 short descriptors, and a plugin naming none", () => {
    const v7s = lowerText(`
memory ram 0x4000_0000 .. +256M ram
pool tables in ram[0x100_0000 .. +1M]
iommu m : arm-v7s { }
device d behind m stream 1
domain dom on m { type dma; aperture 0 .. +1G; attach d }
buffer a in ram size 4K
map a -> dom at 0x1000 rw
`).compiled;
    const asm = firmwarePools(v7s, { needsArchitecture: "elf" }).diagnostics;
    expect(asm.map((d) => `${d.code} ${d.message}`)).toEqual([
      "VCM0340 --format elf: pool 'tables' holds tables of format 'arm-v7s' ('dom') for arm; VCM writes assembler and ELF objects for aarch64 and x86-64 only",
    ]);
    expect(firmwarePools(v7s).diagnostics).toEqual([]);
    const plugins = new PluginRegistry();
    plugins.register(createFakeRadix(), "test");
    const ir = baseTopology("fake-radix");
    ir.mappings.push(mapping("d", [{ pa: 0x8000_0000n, size: 0x1000n }], 0x1000n));
    const fake = lower(ir, plugins).compiled!;
    const unknown = firmwarePools(fake, { needsArchitecture: "asm" }).diagnostics;
    expect(unknown.map((d) => d.code)).toEqual(["VCM0340"]);
    expect(unknown[0]!.message).toContain("whose plugin names no architecture");
  });

  it("VCM0338 pool-not-relocatable at compile: VT-d's device structures", async () => {
    const path = writeTopology(
      "vtd",
      `
memory ram 0x4000_0000 .. +256M ram
pool tables in ram[0x100_0000 .. +1M]
iommu vtd : intel-vtd { agaw 48 }
device d behind vtd stream 0x10
domain dom on vtd { type dma; aperture 0 .. +4G; attach d }
buffer a in ram size 4K
map a -> dom at 0x1000 rw
`,
    );
    const out = join(work, "vtd");
    const c = await compileTopology(path, { output: out, relocatable: true });
    expect(c.ok).toBe(false);
    // The device structures, and the domain table whose registers the plugin does not decode.
    expect(c.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([
      "VCM0338 pool 'tables' cannot be relocated: it holds the device structures of mapper 'vtd' (format 'intel-vtd'), whose table addresses VCM cannot list",
      "VCM0338 pool 'tables' cannot be relocated: format 'intel-vtd' does not say which registers of table 'dom' hold its root (its plugin decodes no registers for it)",
    ]);
    expect(existsSync(out)).toBe(false);
    const plain = await compileTopology(path, { output: out, format: ["asm", "elf", "ld"] });
    expect(plain.diagnostics).toEqual([]);
    // Its device structures are in the pool: their register is a symbol too.
    expect(readFileSync(join(out, "firmware", "tables.s"), "utf8")).toContain(
      ".globl vcm_vtd_rtaddr_reg",
    );
  });
});
