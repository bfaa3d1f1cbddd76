/**
 * The firmware outputs read by the real tools (docs/FIRMWARE.md): Debian's
 * binutils-aarch64-linux-gnu and the host's x86-64 binutils assemble VCM's .s files and link
 * them and VCM's own ELF objects with its ld fragment; readelf confirms sections, addresses and
 * symbols, and the linked section's bytes equal the pool image. A host C compiler runs the
 * `vcm_relocate` routine of tables.h. QEMU boots a bare-metal AArch64 image built here from a
 * few lines of assembly, at EL1 and at EL3 (`secure=on`): it programs the registers VCM emitted
 * (MAIR, TCR, TTBR0, SCTLR), so the MMU turns on, writes a marker through a virtual address whose
 * physical address differs, and touches an unmapped address; the test reads the marker and the
 * fault back through the QEMU monitor (`xp`).
 *
 * The QEMU boots (about 1 s each) run with VCM_REAL_TOOLS=1, which CI sets (.ci/run installs
 * the tools); with it set a missing tool fails the test. Without it the binutils and C tests
 * run when the tools are there and are skipped, with a message, when they are not.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileTopology } from "../../src/pipeline/compile-topology.js";

const REQUIRED = process.env.VCM_REAL_TOOLS === "1";
const have = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const A64 = ["as", "ld", "readelf", "objcopy"].map((t) => `aarch64-linux-gnu-${t}`);
const HOST = ["as", "ld", "readelf", "objcopy"];
const haveA64 = A64.every(have);
const haveHost = HOST.every(have) && process.arch === "x64";
const haveCc = have("cc");
const haveQemu = have("qemu-system-aarch64") && haveA64;

function banner(what: string, install: string): void {
  const line = "!".repeat(78);
  process.stderr.write(
    `\n${line}\n!! SKIPPING ${what}.\n!! Install: ${install}; VCM_REAL_TOOLS=1 ` +
      `(as CI sets it) makes a missing tool a failure\n${line}\n\n`,
  );
}
if (!REQUIRED) {
  if (!haveA64) banner("the AArch64 binutils tests", "apt-get install binutils-aarch64-linux-gnu");
  if (!haveHost)
    banner("the x86-64 binutils tests (needs an x86-64 host)", "apt-get install binutils");
  if (!haveCc) banner("the C relocation routine test", "apt-get install gcc");
  banner("the QEMU boot tests (they run with VCM_REAL_TOOLS=1)", "apt-get install qemu-system-arm");
}

const work = mkdtempSync(join(tmpdir(), "vcm-real-tools-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd = work): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
  if (r.error) throw r.error;
  expect(r.status, `${cmd} ${args.join(" ")}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

/** `readelf -W -S`: name -> address, size, alignment. */
function sections(readelf: string, file: string) {
  const out = new Map<string, { addr: bigint; size: number; align: number }>();
  for (const line of run(readelf, ["-W", "-S", file]).split("\n")) {
    const m = /\]\s+(\S+)\s+\S+\s+([0-9a-f]{16})\s+[0-9a-f]+\s+([0-9a-f]+)\s+\S+\s+.*?(\d+)$/.exec(
      line,
    );
    if (m)
      out.set(m[1]!, { addr: BigInt(`0x${m[2]}`), size: parseInt(m[3]!, 16), align: Number(m[4]) });
  }
  return out;
}

/** `readelf -W -s`: name -> value, size, type, binding, section index. */
function symbols(readelf: string, file: string) {
  const out = new Map<
    string,
    { value: bigint; size: number; type: string; bind: string; ndx: string }
  >();
  for (const line of run(readelf, ["-W", "-s", file]).split("\n")) {
    const m = /^\s*\d+:\s+([0-9a-f]+)\s+(\d+)\s+(\w+)\s+(\w+)\s+\w+\s+(\w+)\s+(\S+)$/.exec(line);
    if (m) {
      out.set(m[6]!, {
        value: BigInt(`0x${m[1]}`),
        size: Number(m[2]),
        type: m[3]!,
        bind: m[4]!,
        ndx: m[5]!,
      });
    }
  }
  return out;
}

interface Manifest {
  pools: { base: string; image: string }[];
  tables: { name: string; root: string; registers: Record<string, string> }[];
}

async function compileTo(name: string, file: string, relocatable = false) {
  const dir = join(work, name);
  const c = await compileTopology(file, {
    output: dir,
    format: ["asm", "ld", "elf", "c"],
    relocatable,
  });
  expect(c.diagnostics).toEqual([]);
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest;
  return { dir, fw: join(dir, "firmware"), manifest };
}

/**
 * Assemble VCM's .s, link it and VCM's .o each with `start` through an INCLUDE of tables.ld, and
 * check both objects and both images: sections, addresses, symbols, and the linked bytes.
 */
function linkBoth(
  tools: { as: string; ld: string; readelf: string; objcopy: string; machine: string },
  out: Awaited<ReturnType<typeof compileTo>>,
  startAsm: string,
  textAt: string,
) {
  const tag = out.dir.split("/").pop()!;
  writeFileSync(join(work, `${tag}-start.s`), startAsm);
  run(tools.as, [`${tag}-start.s`, "-o", `${tag}-start.o`]);
  run(tools.as, [join(out.fw, "tables.s"), "-o", `${tag}-gas.o`]);
  writeFileSync(
    join(work, `${tag}.ld`),
    `ENTRY(_start)\nSECTIONS\n{\n  . = ${textAt};\n  .text : { *(.text*) }\n}\nINCLUDE ${join(out.fw, "tables.ld")}\n`,
  );
  const image = readFileSync(join(out.dir, out.manifest.pools[0]!.image));
  const table = out.manifest.tables[0]!;
  for (const object of [`${tag}-gas.o`, join(out.fw, "tables.o")]) {
    expect(run(tools.readelf, ["-h", object])).toMatch(new RegExp(`Machine:\\s+${tools.machine}`));
    const sec = sections(tools.readelf, object).get(".vcm.tables")!;
    expect(sec.align).toBe(4096);
    const sym = symbols(tools.readelf, object);
    expect(sym.get("vcm_pool_tables")).toMatchObject({
      value: 0n,
      size: sec.size,
      type: "OBJECT",
      bind: "GLOBAL",
    });
    expect(sym.get(`vcm_${table.name}_root`)!.value).toBe(
      BigInt(table.root) - BigInt(out.manifest.pools[0]!.base),
    );
    for (const [reg, value] of Object.entries(table.registers)) {
      expect(sym.get(`vcm_${table.name}_${reg.toLowerCase()}`)).toMatchObject({
        value: BigInt(value),
        ndx: "ABS",
      });
    }
    const linked = `${object.replace(/\W/g, "_")}.elf`;
    run(tools.ld, ["-T", `${tag}.ld`, `${tag}-start.o`, object, "-o", linked]);
    const placed = sections(tools.readelf, linked).get(".vcm.tables")!;
    expect(placed.addr).toBe(BigInt(out.manifest.pools[0]!.base));
    expect(symbols(tools.readelf, linked).get(`vcm_${table.name}_root`)!.value).toBe(
      BigInt(table.root),
    );
    run(tools.objcopy, ["-O", "binary", "-j", ".vcm.tables", linked, `${linked}.bin`]);
    const bytes = readFileSync(join(work, `${linked}.bin`));
    expect(bytes.length).toBe(placed.size);
    expect(bytes.equals(image.subarray(0, bytes.length))).toBe(true);
    expect(image.subarray(bytes.length).every((b) => b === 0)).toBe(true);
  }
}

describe.skipIf(!haveA64 && !REQUIRED)("AArch64 binutils: assemble, link, readelf", () => {
  it("tables.s and tables.o link at the pool's address with the pool's bytes and symbols", async () => {
    expect(haveA64, `missing: ${A64.join(" ")}`).toBe(true);
    const out = await compileTo("a64", "samples/boot-el1.vcm");
    const start =
      "\t.text\n\t.globl _start\n_start:\tldr x0, =vcm_boot_ttbr0_el1\n\tldr x1, =vcm_boot_root\n\tb .\n";
    const tools = {
      as: A64[0]!,
      ld: A64[1]!,
      readelf: A64[2]!,
      objcopy: A64[3]!,
      machine: "AArch64",
    };
    linkBoth(tools, out, start, "0x40200000");
  });
});

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

describe.skipIf(!haveHost && !REQUIRED)("x86-64 binutils: assemble, link, readelf", () => {
  it("tables.s and tables.o link at the pool's address with the pool's bytes and symbols", async () => {
    expect(haveHost, `missing: ${HOST.join(" ")} on an x86-64 host`).toBe(true);
    const file = join(work, "x86.vcm");
    writeFileSync(file, X86);
    const out = await compileTo("x86", file);
    const start = "\t.text\n\t.globl _start\n_start:\tmovabs $vcm_c_cr3, %rax\n\tjmp .\n";
    const tools = {
      as: "as",
      ld: "ld",
      readelf: "readelf",
      objcopy: "objcopy",
      machine: "Advanced Micro Devices X86-64",
    };
    linkBoth(tools, out, start, "0x200000");
  });
});

describe.skipIf(!haveCc && !REQUIRED)(
  "tables.h's vcm_relocate, compiled by the host C compiler",
  () => {
    it("relocating the relative tables to L gives the bytes VCM builds for a pool at L", async () => {
      expect(haveCc, "missing: cc").toBe(true);
      const rel = await compileTo("crel", "samples/boot-el1.vcm", true);
      const header = readFileSync(join(rel.dir, "tables.h"), "utf8");
      const pages = [...header.matchAll(/#define VCM_BOOT_PAGE(\d+)_OFFSET (0x[0-9a-f]+)ULL/g)];
      expect(pages.length).toBeGreaterThan(2);
      const load = 0x4300_0000n;
      const program = [
        "#include <stdio.h>",
        "#include <string.h>",
        `#include "${join(rel.dir, "tables.h")}"`,
        "static unsigned char pool[0x10000] __attribute__((aligned(4096)));",
        "int main(void) {",
        ...pages.map(
          ([, n, off]) => `  memcpy(pool + ${off}, vcm_boot_page${n}, sizeof vcm_boot_page${n});`,
        ),
        `  vcm_relocate(pool, ${load}ULL, vcm_tables_relocs, VCM_TABLES_RELOC_COUNT, VCM_TABLES_RELOC_WIDTH);`,
        "  fwrite(pool, 1, sizeof pool, stdout);",
        `  printf("%llx", (unsigned long long)(VCM_BOOT_REG_TTBR0_EL1 + ${load}ULL));`,
        "  return 0;",
        "}",
      ].join("\n");
      writeFileSync(join(work, "relocate.c"), program);
      run("cc", ["-std=c99", "-Wall", "-Werror", "-o", "relocate", "relocate.c"]);
      const r = spawnSync(join(work, "relocate"), { cwd: work });
      expect(r.status).toBe(0);
      const relocated = r.stdout.subarray(0, 0x10000);
      const ttbr0 = BigInt(`0x${r.stdout.subarray(0x10000).toString()}`);
      // The same topology with its pool declared at L: VCM's own absolute tables.
      const moved = join(work, "moved.vcm");
      writeFileSync(
        moved,
        readFileSync("samples/boot-el1.vcm", "utf8").replace("ram[0x100_0000", "ram[0x300_0000"),
      );
      const abs = await compileTo("cabs", moved);
      expect(BigInt(abs.manifest.pools[0]!.base)).toBe(load);
      const image = readFileSync(join(abs.dir, abs.manifest.pools[0]!.image));
      expect(relocated.equals(image)).toBe(true);
      expect(ttbr0).toBe(BigInt(abs.manifest.tables[0]!.registers["TTBR0_EL1"]!));
    });
  },
);

const MARKER = 0x5643_d00d_600d_600dn;

interface Boot {
  /** The cpu (symbol prefix) and its exception level: registers are `vcm_<cpu>_<reg>_el<n>`. */
  cpu: string;
  el: 1 | 3;
  /** The tables were compiled with --relocatable: relocate them at their link address first. */
  relocate: boolean;
  /**
   * Started from flash by -bios (EL3 with secure=on): copy the image to where it is linked, jump
   * there, and copy the tables (embedded as `tables_blob`) to their section's address.
   */
  fromFlash: boolean;
}

/** The boot code: registers from VCM's symbols, MMU on, a marker through VA 0x8000_0000. */
function bootAsm(b: Boot): string {
  const sym = (reg: string) => `vcm_${b.cpu}_${reg}_el${b.el}`;
  const sys = (reg: string) => `${reg}_el${b.el}`;
  const copy = (from: string, to: string, end: string, label: number) => [
    `\tldr x2, =${end}`,
    `\tsub x2, x2, ${to}`,
    `${label}:\tldr x3, [${from}], #8`,
    `\tstr x3, [${to}], #8`,
    "\tsubs x2, x2, #8",
    `\tb.gt ${label}b`,
  ];
  const flash = b.fromFlash
    ? [
        "\tadr x0, _start", // where it runs: flash at 0
        "\tldr x1, =_start", // where it is linked: Secure RAM
        ...copy("x0", "x1", "image_end", 5),
        "\tdsb sy",
        "\tisb",
        "\tldr x0, =main",
        "\tbr x0",
        "main:",
        "\tldr x0, =tables_blob",
        "\tldr x1, =vcm_pool_tables",
        ...copy("x0", "x1", "vcm_pool_tables_end", 6),
        "\tdsb sy",
      ]
    : [];
  const relocation = b.relocate
    ? [
        // Before the MMU: add the pool's address to every listed word (8-byte words here).
        "\tldr x0, =vcm_pool_tables",
        "\tldr x1, =vcm_pool_tables_relocs",
        "\tldr x2, =vcm_pool_tables_reloc_count",
        "1:\tcbz x2, 2f",
        "\tldr x3, [x1], #8",
        "\tldr x4, [x0, x3]",
        "\tadd x4, x4, x0",
        "\tstr x4, [x0, x3]",
        "\tsub x2, x2, #1",
        "\tb 1b",
        `2:\tldr x5, =${sym("ttbr0")}`,
        "\tadd x5, x5, x0",
      ]
    : [`\tldr x5, =${sym("ttbr0")}`];
  return [
    '\t.section .text.boot,"ax",%progbits',
    "\t.globl _start",
    "_start:",
    ...flash,
    ...relocation,
    `\tldr x0, =${sym("mair")}`,
    `\tmsr ${sys("mair")}, x0`,
    `\tldr x0, =${sym("tcr")}`,
    `\tmsr ${sys("tcr")}, x0`,
    `\tmsr ${sys("ttbr0")}, x5`,
    "\tadr x0, vectors",
    `\tmsr ${sys("vbar")}, x0`,
    "\tisb",
    b.el === 3 ? "\ttlbi alle3" : "\ttlbi vmalle1",
    "\tdsb sy",
    "\tisb",
    `\tldr x0, =${sym("sctlr")}`, // the MMU on, as VCM suggests the rest of SCTLR
    `\tmsr ${sys("sctlr")}, x0`,
    "\tisb",
    "\tldr x1, =0x80000000",
    `\tldr x2, =0x${MARKER.toString(16)}`,
    "\tstr x2, [x1]",
    "\tdsb sy",
    "\tldr x1, =0x90000000", // unmapped: a data abort
    "\tldr x2, [x1]",
    "3:\twfi",
    "\tb 3b",
    "\t.balign 2048",
    "vectors:",
    "\t.rept 16",
    "\tb fault",
    "\t.balign 128",
    "\t.endr",
    "fault:", // ESR and FAR next to the marker, through the same mapping
    `\tmrs x3, ${sys("esr")}`,
    "\tldr x1, =0x80000000",
    "\tstr x3, [x1, #8]",
    `\tmrs x3, ${sys("far")}`,
    "\tstr x3, [x1, #16]",
    "\tdsb sy",
    "4:\twfi",
    "\tb 4b",
    "\t.ltorg",
    ...(b.fromFlash
      ? ["\t.balign 8", "tables_blob:", '\t.incbin "tables-blob.bin"', "\t.balign 8", "image_end:"]
      : []),
    "",
  ].join("\n");
}

/** Boot with `args` and read `words` 64-bit words at `pa` through the monitor once the marker is there. */
async function bootAndRead(args: string[], pa: bigint, words: number): Promise<bigint[]> {
  const qemu = spawn(
    "qemu-system-aarch64",
    ["-cpu", "cortex-a57", "-nographic", "-serial", "none", "-monitor", "stdio", ...args],
    { cwd: work, stdio: ["pipe", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  qemu.stdout.on("data", (d: Buffer) => (out += d.toString("latin1")));
  qemu.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const read = (): bigint[] => {
    const found = new Map<bigint, bigint[]>();
    for (const m of out.matchAll(/^([0-9a-f]{16}): ((?:0x[0-9a-f]{16} ?)+)/gm)) {
      found.set(
        BigInt(`0x${m[1]}`),
        m[2]!
          .trim()
          .split(" ")
          .map((v) => BigInt(v)),
      );
    }
    const values: bigint[] = [];
    for (let a = pa; a < pa + BigInt(words * 8); a += 16n) values.push(...(found.get(a) ?? []));
    return values;
  };
  try {
    const deadline = Date.now() + 15_000;
    let values: bigint[] = [];
    while (Date.now() < deadline && qemu.exitCode === null) {
      out = "";
      qemu.stdin.write(`xp /${words}gx 0x${pa.toString(16)}\n`);
      await sleep(200);
      values = read();
      if (values.length === words && values[0] === MARKER && values[2] !== 0n) return values;
    }
    throw new Error(
      `no marker at ${pa.toString(16)}: read ${values.map((v) => v.toString(16))}; ${err}`,
    );
  } finally {
    qemu.stdin.write("quit\n");
    const killer = setTimeout(() => qemu.kill("SIGKILL"), 3000);
    await new Promise((r) => qemu.once("exit", r));
    clearTimeout(killer);
  }
}

describe.skipIf(!REQUIRED)("QEMU virt boots VCM's tables (VCM_REAL_TOOLS=1)", () => {
  beforeAll(() => {
    expect(haveQemu, "missing: qemu-system-aarch64 and the AArch64 binutils").toBe(true);
  });

  /**
   * Compile `sample`, assemble the boot code, link it with VCM's tables.o through tables.ld (the
   * code at `textAt`, the tables where the fragment puts them, after `tablesAt` if relocatable).
   */
  async function build(tag: string, sample: string, b: Boot, textAt: string, tablesAt = "") {
    const out = await compileTo(tag, sample, b.relocate);
    if (b.fromFlash) {
      // The tables' bytes, as linked alone by the fragment, embedded in the flash image.
      writeFileSync(join(work, `${tag}-tables.ld`), `INCLUDE ${join(out.fw, "tables.ld")}\n`);
      run(A64[1]!, ["-T", `${tag}-tables.ld`, join(out.fw, "tables.o"), "-o", `${tag}-tables.elf`]);
      run(A64[3]!, ["-O", "binary", "-j", ".vcm.tables", `${tag}-tables.elf`, "tables-blob.bin"]);
    }
    writeFileSync(join(work, `${tag}-boot.s`), bootAsm(b));
    run(A64[0]!, [`${tag}-boot.s`, "-o", `${tag}-boot.o`]);
    writeFileSync(
      join(work, `${tag}-boot.ld`),
      `ENTRY(_start)\nSECTIONS\n{\n  . = ${textAt};\n  .text : { *(.text.boot) *(.text*) }\n${tablesAt}}\nINCLUDE ${join(out.fw, "tables.ld")}\n`,
    );
    const elf = `${tag}.elf`;
    run(A64[1]!, ["-T", `${tag}-boot.ld`, `${tag}-boot.o`, join(out.fw, "tables.o"), "-o", elf]);
    if (b.fromFlash) run(A64[3]!, ["-O", "binary", "-j", ".text", elf, `${tag}.bin`]);
    return { out, placed: sections(A64[2]!, join(work, elf)).get(".vcm.tables")!.addr };
  }

  /** The marker at the physical address behind VA 0x8000_0000; the unmapped load's abort. */
  function expectBooted([marker, esr, far]: bigint[]) {
    expect(marker).toBe(MARKER);
    expect(esr! >> 26n).toBe(0x25n); // EC: data abort taken without a change of EL
    expect(esr! & 0x3cn).toBe(0x04n); // DFSC 0b0001xx: translation fault
    expect(far).toBe(0x9000_0000n);
  }

  // QEMU puts the device tree at the start of RAM: the EL1 image starts 2M above it.
  it("EL1: MAIR, TCR, TTBR0, SCTLR_EL1 from the symbols, the tables at the pool's address", async () => {
    const b: Boot = { cpu: "boot", el: 1, relocate: false, fromFlash: false };
    const { placed } = await build("el1", "samples/boot-el1.vcm", b, "0x40200000");
    expect(placed).toBe(0x4100_0000n);
    expectBooted(await bootAndRead(["-machine", "virt", "-kernel", "el1.elf"], 0x4200_0000n, 3));
  }, 60_000);

  it("EL1, relocatable: linked elsewhere, relocated by the boot code before the MMU", async () => {
    const b: Boot = { cpu: "boot", el: 1, relocate: true, fromFlash: false };
    const { placed } = await build(
      "el1rel",
      "samples/boot-el1.vcm",
      b,
      "0x40200000",
      "  . = 0x40300000;\n",
    );
    expect(placed).toBe(0x4030_0000n); // not where VCM built them (0x4100_0000)
    expectBooted(await bootAndRead(["-machine", "virt", "-kernel", "el1rel.elf"], 0x4200_0000n, 3));
  }, 60_000);

  // secure=on starts at EL3 from flash: -bios holds the image, which copies itself and the tables
  // into Secure RAM; the marker goes through a non-secure (NS=1) window into DRAM.
  it("EL3 (secure=on): MAIR, TCR, TTBR0, SCTLR_EL3, tables in Secure RAM, an NS window", async () => {
    const b: Boot = { cpu: "bl31", el: 3, relocate: false, fromFlash: true };
    const { placed } = await build("el3", "samples/boot-el3.vcm", b, "0x0E000000");
    expect(placed).toBe(0x0e80_0000n);
    expectBooted(
      await bootAndRead(["-machine", "virt,secure=on", "-bios", "el3.bin"], 0x4200_0000n, 3),
    );
  }, 60_000);
});
