/** Escaping and number formatting for the SVG and HTML writers: one place, so output is stable. */

import { formatSize, hexGrouped } from "../diagnostics/format.js";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text safe inside an element or a double-quoted attribute (XML and HTML alike). */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A coordinate with at most one decimal, so two runs print the same bytes. */
export function num(x: number): string {
  const r = Math.round(x * 10) / 10;
  return Object.is(r, -0) ? "0" : String(r);
}

/** `0x4000_0000`: hex grouped by 16 bits, as VCM sources write addresses. */
export const hexAddr = hexGrouped;

/** `8M`, `64K`, `4G`, or hex when the size is not a whole unit. */
export function sizeText(bytes: bigint): string {
  return formatSize(bytes, { fallback: "hex" });
}

/** Rough text width in px for the 12px sans-serif used in the pictures (layout only). */
export function textWidth(text: string, px = 12): number {
  return Math.ceil(text.length * px * 0.6);
}
