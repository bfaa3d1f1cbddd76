/**
 * Numbers as an imported skeleton writes them, the way the samples do: addresses in hex grouped
 * by four digits, sizes with a unit where one fits.
 */
import { formatSize } from "../semantics/evaluate.js";

/** `0x4000_0000`: hex in groups of four digits, as the samples write addresses. */
export function vcmHex(v: bigint): string {
  const digits = v.toString(16);
  const groups: string[] = [];
  for (let end = digits.length; end > 0; end -= 4)
    groups.unshift(digits.slice(Math.max(0, end - 4), end));
  if (groups.length > 1 && groups[0]!.length % 2 === 1) groups[0] = "0" + groups[0]!;
  return "0x" + groups.join("_");
}

/** A size as the language writes it: `2G`, `64K`, else hex. */
export function vcmSize(v: bigint): string {
  const s = formatSize(v);
  return /[KMGT]$/.test(s) ? s : vcmHex(v);
}
