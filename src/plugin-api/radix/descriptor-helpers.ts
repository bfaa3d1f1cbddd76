/**
 * Small helpers shared by formats whose descriptors keep the output/table address at its natural
 * position (bits 51:12 of a 64-bit entry: x86-64, VT-d, AMD v1) and whose trees are 512-entry 4K
 * tables indexing 9 bits per level. Formats with other layouts (ARM LPAE 52-bit, ARMv7s, GART,
 * TCE) keep their own.
 */
import { DESC_LEAF, DESC_TABLE, type DecodedDescriptor, type DescriptorWords } from "./format.js";
import type { RadixLevel } from "./format.js";

const TWO32 = 4294967296;

/** The page frame (pa / 4096) held in address bits 51:12 of a descriptor's two words. */
export function pfnFromWords(lo: number, hi: number): number {
  return (hi & 0x000f_ffff) * 0x10_0000 + (lo >>> 12);
}

/** A table descriptor: `tablePa` at its natural position, OR'd with flag bits of each word. */
export function writeTableAddress(
  tablePa: number,
  loFlags: number,
  hiFlags: number,
  out: DescriptorWords,
): void {
  out.lo = ((tablePa % TWO32) | loFlags) >>> 0;
  out.hi = (Math.floor(tablePa / TWO32) | hiFlags) >>> 0;
}

/**
 * Levels of a tree of 4K tables with 9 index bits per level, root first, architectural numbers
 * counting down from `levels` to 1 (level n's entries cover 2^(12 + 9(n-1)) bytes). The root
 * indexes only what `inputBits` leaves (default: a full 9 bits).
 */
export function nineBitLevels(
  levels: number,
  pageShiftsAt: (n: number) => readonly number[],
  inputBits = 12 + 9 * levels,
): RadixLevel[] {
  const out: RadixLevel[] = [];
  for (let n = levels; n >= 1; n--) {
    const shift = 12 + 9 * (n - 1);
    out.push({
      number: n,
      shift,
      bits: Math.min(9, inputBits - shift),
      tableBytes: 4096,
      tableAlign: 4096,
      pageShifts: pageShiftsAt(n),
      tables: n > 1,
    });
  }
  return out;
}

/** "4K", "2M", "1G", "512G", ...: a power-of-two size >= 1K with a binary unit. */
export function sizeLabel(shift: number): string {
  const units = ["K", "M", "G", "T", "P", "E"];
  const u = Math.min(units.length - 1, Math.floor((shift - 10) / 10));
  return `${2 ** (shift - 10 - 10 * u)}${units[u]}`;
}

/**
 * The usual one-line dump of a decoded entry: `NAME table -> 0x...FLAGS`,
 * `NAME 2M page pa=0x...FLAGS` or `NAME invalid (why)`.
 */
export function describeDecoded(name: string, d: DecodedDescriptor, flags: string): string {
  if (d.kind === DESC_TABLE) return `${name} table -> 0x${d.tablePa.toString(16)}${flags}`;
  if (d.kind === DESC_LEAF) {
    return `${name} ${sizeLabel(d.pageShift)} page pa=0x${(d.paPfn * 4096).toString(16)}${flags}`;
  }
  return `${name} invalid${d.fault ? ` (${d.fault})` : ""}`;
}
