/**
 * Virtual addresses of a cpu context with two halves, and the table input addresses the plugin
 * walks. The sign extension (x86-64 canonical addresses) and the second root (AArch64 TTBR1) live
 * here, at the context level, so the radix engine and the plugins only see [0, 2^inputBits).
 */
import type { UpperHalf } from "../plugin-api/types.js";
import type { CompiledHalf, CompiledTable } from "./compiled.js";
import { ADDRESS_LIMIT } from "./iova-allocator.js";

/** The halves of a cpu context: for the table of the lower half, and of the upper one when own. */
export function contextHalves(
  lowerBits: number,
  upper: UpperHalf,
): { lower: CompiledHalf[]; upper: CompiledHalf[] } {
  const upperSize = 1n << BigInt(upper.bits);
  const upperHalf: CompiledHalf = {
    half: "upper",
    base: ADDRESS_LIMIT - upperSize,
    size: upperSize,
    input: upper.root === "shared" ? upperSize : 0n,
  };
  if (upper.root === "shared") {
    const lower: CompiledHalf = { half: "lower", base: 0n, size: upperSize, input: 0n };
    return { lower: [lower, upperHalf], upper: [] };
  }
  const lower: CompiledHalf = {
    half: "lower",
    base: 0n,
    size: 1n << BigInt(lowerBits),
    input: 0n,
  };
  return { lower: [lower], upper: [upperHalf] };
}

/** The half holding [va, va + size), or undefined. */
export function halfAt(
  halves: readonly CompiledHalf[],
  va: bigint,
  size = 1n,
): CompiledHalf | undefined {
  return halves.find((h) => va >= h.base && va + size <= h.base + h.size);
}

/** The table input address of `va` (unchanged for a table without halves). */
export function tableInput(table: Pick<CompiledTable, "halves">, va: bigint): bigint {
  if (!table.halves) return va;
  const h = halfAt(table.halves, va);
  return h ? va - h.base + h.input : va;
}

/** `lower 0x0..0x800000000000, upper 0xffff800000000000..0x10000000000000000`, for messages. */
export function halvesText(halves: readonly CompiledHalf[]): string {
  return halves
    .map((h) => `${h.half} 0x${h.base.toString(16)}..0x${(h.base + h.size).toString(16)}`)
    .join(", ");
}
