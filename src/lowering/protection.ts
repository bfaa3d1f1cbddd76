/** IR permissions and attributes to the plugin API's PROT_* / ATTR_* bits, and back for display. */
import type { IrAttributes, IrPermissions } from "../ir/types.js";
import {
  ATTR_CACHEABLE,
  ATTR_DEVICE,
  ATTR_OTHER_TYPE,
  ATTR_SECURE,
  ATTR_SHAREABLE_INNER,
  ATTR_SHAREABLE_OUTER,
  PROT_EXEC,
  PROT_PRIV,
  PROT_READ,
  PROT_WRITE,
} from "../plugin-api/types.js";

export function protOf(perms: IrPermissions): number {
  return (
    (perms.r ? PROT_READ : 0) |
    (perms.w ? PROT_WRITE : 0) |
    (perms.x ? PROT_EXEC : 0) |
    (perms.priv ? PROT_PRIV : 0)
  );
}

export function attrsOf(attrs: IrAttributes): number {
  return (
    (attrs.cacheable ? ATTR_CACHEABLE : 0) |
    (attrs.device ? ATTR_DEVICE : 0) |
    (attrs.shareable === "inner" ? ATTR_SHAREABLE_INNER : 0) |
    (attrs.shareable === "outer" ? ATTR_SHAREABLE_OUTER : 0) |
    (attrs.secure ? ATTR_SECURE : 0)
  );
}

/** `rwx`-style text, `-` for a missing right, `p` appended when privileged-only. */
export function protText(prot: number): string {
  return (
    (prot & PROT_READ ? "r" : "-") +
    (prot & PROT_WRITE ? "w" : "-") +
    (prot & PROT_EXEC ? "x" : "-") +
    (prot & PROT_PRIV ? "p" : "")
  );
}

export function attrsText(attrs: number): string[] {
  const out: string[] = [];
  if (attrs & ATTR_CACHEABLE) out.push("cacheable");
  if (attrs & ATTR_DEVICE) out.push("device");
  if (attrs & ATTR_SHAREABLE_INNER) out.push("inner-shareable");
  if (attrs & ATTR_SHAREABLE_OUTER) out.push("outer-shareable");
  if (attrs & ATTR_OTHER_TYPE) out.push("other-type");
  if (attrs & ATTR_SECURE) out.push("secure");
  return out;
}

/**
 * One phrase for messages and reports: the memory type (`cacheable`, `noncacheable`, `device`,
 * or `other type` / `other device type` for a decoded type no mapping can declare) and the shareability.
 */
export function attrsLabel(attrs: number): string {
  const type =
    attrs & ATTR_OTHER_TYPE
      ? attrs & ATTR_DEVICE
        ? "other device type"
        : "other type"
      : attrs & ATTR_DEVICE
        ? "device"
        : attrs & ATTR_CACHEABLE
          ? "cacheable"
          : "noncacheable";
  const share =
    attrs & ATTR_SHAREABLE_INNER
      ? " inner-shareable"
      : attrs & ATTR_SHAREABLE_OUTER
        ? " outer-shareable"
        : "";
  return type + share;
}
