/**
 * One domain, several IOMMU instances: Linux lets a paging domain be attached to devices behind
 * different IOMMU instances when each instance can walk the same page table (intel-iommu's
 * `paging_domain_compatible`: address width, page sizes); otherwise the attach fails with
 * -EINVAL. Here two instances share a table when
 * they have the same format and the same table parameters; the answer names what differs.
 */
import type { IrMapper, IrParamValue } from "./types.js";
import { hex } from "../diagnostics/format.js";

/** Parameters of one instance, not of the table format: they may differ between sharers. */
const INSTANCE_ONLY = new Set(["pool", "msi"]);

function text(v: IrParamValue | undefined): string {
  if (v === undefined) return "unset";
  if (typeof v === "bigint") return v >= 4096n ? hex(v) : v.toString();
  if (Array.isArray(v)) return v.map((x) => text(x)).join(" ");
  if (typeof v === "object") return `${hex(v.base)} .. +${hex(v.size)}`;
  return String(v);
}

/** Why a table of `owner` cannot be walked by `other` (undefined: it can). */
export function sharedTableMismatch(owner: IrMapper, other: IrMapper): string | undefined {
  if (owner.format !== other.format)
    return `'${owner.name}' uses the format ${owner.format}, '${other.name}' uses ${other.format}`;
  const keys = new Set([...Object.keys(owner.params), ...Object.keys(other.params)]);
  for (const key of [...keys].sort()) {
    if (INSTANCE_ONLY.has(key)) continue;
    const a = text(owner.params[key]);
    const b = text(other.params[key]);
    if (a !== b) return `${key} is ${a} on '${owner.name}' but ${b} on '${other.name}'`;
  }
  return undefined;
}
