/** Addresses and sizes as an engineer reads them in a hover: hex addresses, binary units. */

/** `0x8000_0000`-style hex, grouped by 16 bits as the samples write addresses. */
export function hexAddress(v: bigint): string {
  const digits = v.toString(16);
  const groups: string[] = [];
  for (let end = digits.length; end > 0; end -= 4)
    groups.unshift(digits.slice(Math.max(0, end - 4), end));
  return "0x" + groups.join("_");
}

const UNITS: [bigint, string][] = [
  [1n << 60n, "EiB"],
  [1n << 50n, "PiB"],
  [1n << 40n, "TiB"],
  [1n << 30n, "GiB"],
  [1n << 20n, "MiB"],
  [1n << 10n, "KiB"],
];

/** `256 MiB`, `1.5 GiB`, `12 bytes`: exact when a unit divides it, else to two decimals. */
export function humanSize(bytes: bigint): string {
  for (const [unit, name] of UNITS) {
    if (bytes < unit) continue;
    if (bytes % unit === 0n) return `${bytes / unit} ${name}`;
    const hundredths = (bytes * 100n) / unit;
    return `${hundredths / 100n}.${(hundredths % 100n).toString().padStart(2, "0")} ${name}`;
  }
  return `${bytes} byte${bytes === 1n ? "" : "s"}`;
}

/** `4K`, `2M`, `1G`: page sizes as the language writes them. */
export function pageSizeName(bytes: bigint): string {
  for (const [unit, suffix] of [
    [1n << 30n, "G"],
    [1n << 20n, "M"],
    [1n << 10n, "K"],
  ] as const)
    if (bytes >= unit && bytes % unit === 0n) return `${bytes / unit}${suffix}`;
  return bytes.toString();
}

/** `[0x8000_0000, 0x9000_0000) — 256 MiB`. */
export function rangeText(base: bigint, size: bigint): string {
  return `\`${hexAddress(base)} .. ${hexAddress(base + size)}\` (${humanSize(size)})`;
}
