/**
 * Comparing intended and decoded memory attributes for a format. Only the ATTR_* bits the format
 * declares (`Capabilities.attrs`) are intended; shareability counts for cacheable memory only,
 * since device and non-cacheable memory are treated as outer shareable whatever the descriptor
 * says (Arm ARM B2.12 / D8.6.2). A decoded type no mapping can declare never matches.
 */
import { attrsLabel } from "../lowering/protection.js";
import {
  ATTR_CACHEABLE,
  ATTR_DEVICE,
  ATTR_OTHER_TYPE,
  ATTR_SECURE,
  ATTR_SHAREABLE_INNER,
  ATTR_SHAREABLE_OUTER,
  type Capabilities,
} from "../plugin-api/types.js";

const SHAREABILITY = ATTR_SHAREABLE_INNER | ATTR_SHAREABLE_OUTER;

/** The ATTR_* bits proved on this format (0: none). */
export function provedAttrsMask(caps: Pick<Capabilities, "attrs">): number {
  return caps.attrs ?? 0;
}

/** The attributes a mapping is expected to have in this format's bytes. */
export function expectedAttrs(attrs: number, caps: Pick<Capabilities, "attrs">): number {
  const want = attrs & provedAttrsMask(caps);
  return want & ATTR_CACHEABLE ? want : want & ~SHAREABILITY;
}

/** What of the decoded attributes counts on this format (shareability as for `expectedAttrs`). */
export function foundAttrs(attrs: number, caps: Pick<Capabilities, "attrs">): number {
  const got = attrs & (provedAttrsMask(caps) | ATTR_OTHER_TYPE);
  return got & ATTR_CACHEABLE && !(got & ATTR_OTHER_TYPE) ? got : got & ~SHAREABILITY;
}

/** A matcher for `compareRuns`, or undefined when the format has no attributes to prove. */
export function attrsMatcher(
  caps: Pick<Capabilities, "attrs">,
): ((expected: number, found: number) => boolean) | undefined {
  if (provedAttrsMask(caps) === 0) return undefined;
  return (expected, found) => expectedAttrs(expected, caps) === foundAttrs(found, caps);
}

/**
 * Words for attributes on this format: the memory type and shareability, or for a format whose
 * only attribute is coherence (VT-d SNP, AMD FC, GART COHERENT) `coherent` / `non-coherent`.
 */
function label(attrs: number, caps: Pick<Capabilities, "attrs">): string {
  const mask = provedAttrsMask(caps);
  // The security state, on a format that encodes one (AArch64 EL3: NS).
  const security = mask & ATTR_SECURE ? (attrs & ATTR_SECURE ? " secure" : " non-secure") : "";
  if (mask & ATTR_DEVICE || attrs & ATTR_OTHER_TYPE) return attrsLabel(attrs) + security;
  return (attrs & ATTR_CACHEABLE ? "coherent" : "non-coherent") + security;
}

/** `expectedAttrs` in words. */
export function expectedAttrsLabel(attrs: number, caps: Pick<Capabilities, "attrs">): string {
  return label(expectedAttrs(attrs, caps), caps);
}

/** `foundAttrs` in words. */
export function foundAttrsLabel(attrs: number, caps: Pick<Capabilities, "attrs">): string {
  return label(foundAttrs(attrs, caps), caps);
}
