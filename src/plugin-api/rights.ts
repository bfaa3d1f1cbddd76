/**
 * The rights a format grants in effect: one model for `vcm check` (what a declared mapping will
 * allow) and `vcm run` (what the bytes allow), taken from the plugin's capabilities.
 *
 * A format expresses some PROT_* bits (`perms`); the others follow from what it can express:
 * - no read bit (x86-64 present bit, a fixed bus window), or none of the rights asked for
 *   expressible (a GART entry for `w`): every valid entry is readable;
 * - `writeImpliesRead` (TCE, LPAE stage 1, ARMv7s): no write-only encoding;
 * - `execImpliesRead` (LPAE stage 1, ARMv7s: AP always grants read): no execute-only encoding;
 * - `readImpliesWrite` (GART: no permission bits): no read-only encoding;
 * - no execute-never bit: whatever is readable is executable;
 * - `privilegedOnly` (Arm EL2 without VHE, EL3: one privilege level): every entry is privileged.
 */
import { PROT_EXEC, PROT_PRIV, PROT_READ, PROT_WRITE, type Capabilities } from "./types.js";

export type RightsCaps = Pick<
  Capabilities,
  "perms" | "writeImpliesRead" | "readImpliesWrite" | "execImpliesRead" | "privilegedOnly"
>;

/** The PROT_* bits a format can store in an entry. */
export function expressibleMask(caps: RightsCaps): number {
  return (
    (caps.perms.read ? PROT_READ : 0) |
    (caps.perms.write ? PROT_WRITE : 0) |
    (caps.perms.exec ? PROT_EXEC : 0) |
    (caps.perms.priv ? PROT_PRIV : 0)
  );
}

/** What an entry requested (or read back) with `prot` grants in effect on this format. */
export function grantedProt(prot: number, caps: RightsCaps): number {
  const asked = prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
  let p = prot & expressibleMask(caps);
  // A valid entry is readable where the format has no read bit (x86-64's present bit), and
  // where none of the rights asked for has a bit (a GART entry asked for `w` is still valid).
  if (asked && (!caps.perms.read || !(p & (PROT_READ | PROT_WRITE | PROT_EXEC)))) p |= PROT_READ;
  if (caps.privilegedOnly) p |= PROT_PRIV;
  // Implications chain (x -> r -> w on a GART), so apply them until nothing changes.
  for (let before = -1; before !== p;) {
    before = p;
    if (caps.writeImpliesRead && p & PROT_WRITE) p |= PROT_READ;
    if (caps.execImpliesRead && p & PROT_EXEC) p |= PROT_READ;
    if (caps.readImpliesWrite && p & PROT_READ) p |= PROT_WRITE;
    if (!caps.perms.exec && p & PROT_READ) p |= PROT_EXEC;
  }
  return p;
}

/** `grantedProt` for every 4-bit prot value, so hot loops do one array lookup. */
export function grantedTable(caps: RightsCaps): Uint8Array {
  const table = new Uint8Array(16);
  for (let p = 0; p < 16; p++) table[p] = grantedProt(p, caps);
  return table;
}

/** The rights a format adds to a request (`grantedProt` minus what was asked for). */
export function impliedRights(prot: number, caps: RightsCaps): number {
  return grantedProt(prot, caps) & ~prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
}

/** The prot to hand the plugin: an execute-only request becomes read+execute where implied. */
export function requestProt(prot: number, caps: RightsCaps): number {
  if (caps.execImpliesRead && prot & PROT_EXEC && !(prot & (PROT_READ | PROT_WRITE)))
    return prot | PROT_READ;
  return prot;
}
