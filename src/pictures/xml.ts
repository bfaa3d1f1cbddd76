/** Escaping and number formatting for the SVG and HTML writers: one place, so output is stable. */

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
export function hexAddr(x: bigint): string {
  const digits = x.toString(16);
  const groups: string[] = [];
  for (let end = digits.length; end > 0; end -= 4)
    groups.unshift(digits.slice(Math.max(0, end - 4), end));
  return "0x" + groups.join("_");
}

/** `8M`, `64K`, `4G`, or hex when the size is not a whole unit. */
export function sizeText(bytes: bigint): string {
  const units: [bigint, string][] = [
    [1n << 60n, "E"],
    [1n << 50n, "P"],
    [1n << 40n, "T"],
    [1n << 30n, "G"],
    [1n << 20n, "M"],
    [1n << 10n, "K"],
  ];
  for (const [u, s] of units) if (bytes >= u && bytes % u === 0n) return `${bytes / u}${s}`;
  return bytes < 1024n ? `${bytes}` : hexAddr(bytes);
}

/** Rough text width in px for the 12px sans-serif used in the pictures (layout only). */
export function textWidth(text: string, px = 12): number {
  return Math.ceil(text.length * px * 0.6);
}
