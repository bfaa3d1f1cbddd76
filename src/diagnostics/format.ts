/**
 * Addresses and sizes as VCM prints them, in messages, reports and pictures: one place, so every
 * layer writes `0x8000_0000`, `2M` and `620.0 KiB` the same way. The bottom layer: imports nothing.
 */

/** `0x1f000`: lower-case hex, no grouping (messages, manifests, dumps). */
export function hex(value: bigint | number): string {
  return "0x" + value.toString(16);
}

/** `0x4000_0000`: hex grouped by 16 bits, as VCM sources write addresses. */
export function hexGrouped(value: bigint): string {
  const digits = value.toString(16);
  const groups: string[] = [];
  for (let end = digits.length; end > 0; end -= 4)
    groups.unshift(digits.slice(Math.max(0, end - 4), end));
  return "0x" + groups.join("_");
}

const UNITS: readonly (readonly [bigint, string])[] = [
  [1n << 60n, "E"],
  [1n << 50n, "P"],
  [1n << 40n, "T"],
  [1n << 30n, "G"],
  [1n << 20n, "M"],
  [1n << 10n, "K"],
];

/**
 * `4K`, `2M`, `1G`: a size in the largest binary unit that divides it, as the language writes
 * sizes. A size that is no whole number of KiB is written in decimal, or with `fallback: "hex"`
 * grouped hex when it is 1 KiB or more.
 */
export function formatSize(
  size: bigint | number,
  options: { fallback?: "decimal" | "hex" } = {},
): string {
  const v = BigInt(size);
  for (const [unit, suffix] of UNITS)
    if (v >= unit && v % unit === 0n) return `${v / unit}${suffix}`;
  return options.fallback === "hex" && v >= 1024n ? hexGrouped(v) : v.toString();
}

/** `620.0 KiB`, `4.3 MiB`, `12 B`: an amount of memory used, with one decimal. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}
