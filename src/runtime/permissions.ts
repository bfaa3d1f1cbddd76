/**
 * Comparing intended and found permissions for a format, with the one rights model of
 * `plugin-api/rights.ts` (the same `vcm check` uses): an entry matches its mapping when both
 * grant the same rights in effect on the format. Bits the format cannot express are ignored and
 * its implications (write implies read, read implies write, execute implies read) are allowed;
 * anything else (a wider or a narrower grant) is a mismatch.
 */
import { grantedTable, type RightsCaps } from "../plugin-api/rights.js";

export function protMatcher(caps: RightsCaps): (expected: number, found: number) => boolean {
  const granted = grantedTable(caps);
  return (expected, found) => granted[expected & 15] === granted[found & 15];
}
