/**
 * Conformance failures in words and units: rights as `rw-` (as `vcm run` prints them), sizes
 * as `4K`, `2M`, `1G` where they are whole units, and addresses in hex.
 */
import { PROT_EXEC, PROT_PRIV, PROT_READ, PROT_WRITE } from "../types.js";

/** `rwx`-style rights, `-` for a missing right, `p` appended when privileged-only. */
export function rightsText(prot: number): string {
  return (
    (prot & PROT_READ ? "r" : "-") +
    (prot & PROT_WRITE ? "w" : "-") +
    (prot & PROT_EXEC ? "x" : "-") +
    (prot & PROT_PRIV ? "p" : "")
  );
}

const UNITS: readonly [bigint, string][] = [
  [1n << 60n, "E"],
  [1n << 50n, "P"],
  [1n << 40n, "T"],
  [1n << 30n, "G"],
  [1n << 20n, "M"],
  [1n << 10n, "K"],
];

/** A size as `2M` when it is a whole number of a unit, else in hex. */
export function sizeText(bytes: bigint | number): string {
  const n = BigInt(bytes);
  for (const [unit, suffix] of UNITS)
    if (n >= unit && n % unit === 0n) return `${n / unit}${suffix}`;
  return `0x${n.toString(16)}`;
}
