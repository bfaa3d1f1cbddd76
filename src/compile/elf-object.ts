/**
 * `--format elf`: one relocatable ELF64 object per pool (`firmware/<pool>.o`), written by VCM
 * itself (no assembler at run time) with the sections and symbols of `--format asm`: the pool's
 * bytes in `.vcm.<pool>` (SHF_ALLOC, aligned for its tables), the relocation offsets in
 * `.vcm.<pool>.relocs` with --relocatable, an empty `.note.GNU-stack` (no executable stack),
 * then `.symtab`, `.strtab` and `.shstrtab`. Little-endian, EM_AARCH64 or EM_X86_64 by the
 * pool's tables. Layout from the System V ABI, chapter 4 ("Object Files"): ELF header, section
 * contents, then the section header table.
 */
import type { FirmwarePool } from "./firmware-pools.js";
import { relocationBytes } from "./firmware-pools.js";

const EM = { aarch64: 183, "x86-64": 62 } as const;
const ET_REL = 1;
const SHT_PROGBITS = 1;
const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;
const SHF_ALLOC = 2;
const STB_LOCAL = 0;
const STB_GLOBAL = 1;
const STT_NOTYPE = 0;
const STT_OBJECT = 1;
const STT_SECTION = 3;
const SHN_ABS = 0xfff1;
const EHDR_BYTES = 64;
const SHDR_BYTES = 64;
const SYM_BYTES = 24;

/** A string table: NUL first, each name once. */
class StringTable {
  private readonly parts: Uint8Array[] = [new Uint8Array(1)];
  private size = 1;
  private readonly offsets = new Map<string, number>();
  add(s: string): number {
    const known = this.offsets.get(s);
    if (known !== undefined) return known;
    const bytes = new TextEncoder().encode(s + "\0");
    const at = this.size;
    this.parts.push(bytes);
    this.size += bytes.length;
    this.offsets.set(s, at);
    return at;
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

interface Section {
  name: string;
  type: number;
  flags: number;
  data: Uint8Array;
  align: bigint;
  link?: number;
  info?: number;
  entsize?: number;
}

/** `.symtab` and `.strtab`: the null symbol, one local section symbol per data section, then the globals. */
function symbolTable(fp: FirmwarePool): {
  symtab: Uint8Array;
  strtab: Uint8Array;
  firstGlobal: number;
} {
  const poolIndex = 1;
  const relocIndex = fp.relocation ? 2 : 0;
  const strtab = new StringTable();
  const symbols: { name: number; info: number; shndx: number; value: bigint; size: bigint }[] = [
    { name: 0, info: 0, shndx: 0, value: 0n, size: 0n },
  ];
  for (let i = 0; i < (fp.relocation ? 2 : 1); i++) {
    symbols.push({
      name: 0,
      info: (STB_LOCAL << 4) | STT_SECTION,
      shndx: 1 + i,
      value: 0n,
      size: 0n,
    });
  }
  const firstGlobal = symbols.length;
  for (const s of fp.symbols) {
    symbols.push({
      name: strtab.add(s.name),
      info: (STB_GLOBAL << 4) | (s.size > 0 ? STT_OBJECT : STT_NOTYPE),
      shndx: s.where === "absolute" ? SHN_ABS : s.where === "relocs" ? relocIndex : poolIndex,
      value: s.value,
      size: BigInt(s.size),
    });
  }
  const symtab = new Uint8Array(symbols.length * SYM_BYTES);
  const sv = new DataView(symtab.buffer);
  symbols.forEach((s, i) => {
    const o = i * SYM_BYTES;
    sv.setUint32(o, s.name, true);
    sv.setUint8(o + 4, s.info);
    sv.setUint8(o + 5, 0);
    sv.setUint16(o + 6, s.shndx, true);
    sv.setBigUint64(o + 8, BigInt.asUintN(64, s.value), true);
    sv.setBigUint64(o + 16, s.size, true);
  });
  return { symtab, strtab: strtab.bytes(), firstGlobal };
}

export function elfObject(fp: FirmwarePool): Uint8Array {
  const sections: Section[] = [
    { name: fp.section, type: SHT_PROGBITS, flags: SHF_ALLOC, data: fp.bytes, align: fp.align },
  ];
  if (fp.relocation) {
    sections.push({
      name: fp.relocSection!,
      type: SHT_PROGBITS,
      flags: SHF_ALLOC,
      data: relocationBytes(fp.relocation),
      align: 8n,
    });
  }
  sections.push({
    name: ".note.GNU-stack",
    type: SHT_PROGBITS,
    flags: 0,
    data: new Uint8Array(0),
    align: 1n,
  });
  const { symtab, strtab, firstGlobal } = symbolTable(fp);
  const symtabIndex = sections.length + 1;
  sections.push(
    {
      name: ".symtab",
      type: SHT_SYMTAB,
      flags: 0,
      data: symtab,
      align: 8n,
      link: symtabIndex + 1,
      info: firstGlobal,
      entsize: SYM_BYTES,
    },
    { name: ".strtab", type: SHT_STRTAB, flags: 0, data: strtab, align: 1n },
  );
  const shstrtab = new StringTable();
  const names = sections.map((s) => shstrtab.add(s.name));
  const shstrName = shstrtab.add(".shstrtab");
  sections.push({
    name: ".shstrtab",
    type: SHT_STRTAB,
    flags: 0,
    data: shstrtab.bytes(),
    align: 1n,
  });
  names.push(shstrName);

  return writeElf(sections, names, EM[fp.architecture!]);
}

/**
 * The file: header, contents each at its alignment, then the section headers (8-aligned), the
 * null one first; `.shstrtab` is the last section.
 */
function writeElf(
  sections: readonly Section[],
  names: readonly number[],
  machine: number,
): Uint8Array {
  // Contents after the header, each at its alignment; then the section headers (8-aligned).
  const offsets: number[] = [];
  let at = EHDR_BYTES;
  for (const s of sections) {
    const a = Number(s.align > 1n ? s.align : 1n);
    at = Math.ceil(at / a) * a;
    offsets.push(at);
    at += s.data.length;
  }
  const shoff = Math.ceil(at / 8) * 8;
  const shnum = sections.length + 1;
  const out = new Uint8Array(shoff + shnum * SHDR_BYTES);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0); // ELFCLASS64, ELFDATA2LSB, EV_CURRENT, SYSV
  v.setUint16(16, ET_REL, true);
  v.setUint16(18, machine, true);
  v.setUint32(20, 1, true); // e_version
  v.setBigUint64(24, 0n, true); // e_entry
  v.setBigUint64(32, 0n, true); // e_phoff
  v.setBigUint64(40, BigInt(shoff), true);
  v.setUint32(48, 0, true); // e_flags
  v.setUint16(52, EHDR_BYTES, true);
  v.setUint16(54, 0, true); // e_phentsize
  v.setUint16(56, 0, true); // e_phnum
  v.setUint16(58, SHDR_BYTES, true);
  v.setUint16(60, shnum, true);
  v.setUint16(62, shnum - 1, true); // .shstrtab is last
  sections.forEach((s, i) => {
    out.set(s.data, offsets[i]!);
    const h = shoff + (i + 1) * SHDR_BYTES;
    v.setUint32(h, names[i]!, true);
    v.setUint32(h + 4, s.type, true);
    v.setBigUint64(h + 8, BigInt(s.flags), true);
    v.setBigUint64(h + 16, 0n, true); // sh_addr: placed by the linker
    v.setBigUint64(h + 24, BigInt(offsets[i]!), true);
    v.setBigUint64(h + 32, BigInt(s.data.length), true);
    v.setUint32(h + 40, s.link ?? 0, true);
    v.setUint32(h + 44, s.info ?? 0, true);
    v.setBigUint64(h + 48, s.align, true);
    v.setBigUint64(h + 56, BigInt(s.entsize ?? 0), true);
  });
  return out;
}
