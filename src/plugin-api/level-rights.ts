/**
 * Rights as every level of a walk combines them (the format's own rights model, what one entry
 * grants, is ./rights.ts). A table (non-leaf) entry reports the PROT_* rights
 * it leaves to everything below it: read, write and exec survive only where every level allows
 * them (Arm APTable/XNTable, x86 R/W and XD, VT-d R/W, AMD IR/IW), and PROT_PRIV, set by any level,
 * makes the result privileged-only (Arm APTable[0], x86 U/S = 0). A leaf's own rights are combined
 * the same way, so the effective rights of a page are `narrowRights(...levels, leaf)`.
 */
import { PROT_EXEC, PROT_PRIV, PROT_READ, PROT_WRITE } from "./types.js";

/** What a table entry of a format without table-level rights allows: everything. */
export const TABLE_ALLOWS_ALL = PROT_READ | PROT_WRITE | PROT_EXEC;

const ACCESS = PROT_READ | PROT_WRITE | PROT_EXEC;

/** `a` narrowed by `b`: access rights both grant; privileged-only if either says so. */
export function narrowRights(a: number, b: number): number {
  return (a & b & ACCESS) | ((a | b) & PROT_PRIV);
}

/**
 * What `allows` takes away from `declared`: the access rights it lacks, and PROT_PRIV when it makes
 * a user-accessible mapping privileged-only. 0 when it takes nothing away.
 */
export function removedRights(declared: number, allows: number): number {
  return (declared & ~allows & ACCESS) | (allows & ~declared & PROT_PRIV);
}

/** `write`, `read and exec`, `user access`...: the rights in `removed`, for messages. */
export function rightsText(removed: number): string {
  const names: string[] = [];
  if (removed & PROT_READ) names.push("read");
  if (removed & PROT_WRITE) names.push("write");
  if (removed & PROT_EXEC) names.push("exec");
  if (removed & PROT_PRIV) names.push("user access");
  if (names.length === 0) return "nothing";
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(", ")} and ${names.at(-1)!}`;
}
