/**
 * Comparing intended and found permissions for a format: bits the format cannot express are
 * ignored, and the implications a format declares (write implies read, read implies write) are
 * allowed; anything else (a wider or a narrower grant) is a mismatch.
 */
import {
  PROT_EXEC,
  PROT_PRIV,
  PROT_READ,
  PROT_WRITE,
  type Capabilities,
} from "../plugin-api/types.js";

export type ProtCaps = Pick<Capabilities, "perms" | "writeImpliesRead" | "readImpliesWrite">;

export function expressibleMask(caps: ProtCaps): number {
  return (
    (caps.perms.read ? PROT_READ : 0) |
    (caps.perms.write ? PROT_WRITE : 0) |
    (caps.perms.exec ? PROT_EXEC : 0) |
    (caps.perms.priv ? PROT_PRIV : 0)
  );
}

/** What `prot` grants in effect on this format (inexpressible exec follows read). */
export function effectiveProt(prot: number, caps: ProtCaps): number {
  let p = prot & expressibleMask(caps);
  if (!caps.perms.read && prot !== 0) p |= PROT_READ;
  if (caps.writeImpliesRead && p & PROT_WRITE) p |= PROT_READ;
  if (caps.readImpliesWrite && p & PROT_READ) p |= PROT_WRITE;
  if (!caps.perms.exec && p & PROT_READ) p |= PROT_EXEC;
  return p;
}

export function protMatcher(caps: ProtCaps): (expected: number, found: number) => boolean {
  const mask = expressibleMask(caps);
  return (expected, found) => {
    let want = expected & mask;
    const got = found & mask;
    if (want === got) return true;
    if (caps.writeImpliesRead && want & PROT_WRITE) want |= PROT_READ;
    if (caps.readImpliesWrite && want & PROT_READ) want |= PROT_WRITE;
    return (want & mask) === got;
  };
}
