/**
 * The memory attributes a `map` line asks for. A line that names no memory type gets its
 * region type's: RAM (and reserved memory, which is RAM set aside) is normal write-back
 * cacheable memory, MMIO is device memory. Shareability is only what the line names. The
 * security state is the line's (`secure`, `nonsecure`) or else the region's: Secure for a
 * `secure` region, Non-secure otherwise.
 */
import type { MemoryAttribute } from "../syntax/ast.js";
import type { IrAttributes, IrMemory } from "../ir/types.js";

export function mappingAttributes(
  words: readonly MemoryAttribute[],
  memory: Pick<IrMemory, "kind" | "secure"> | undefined,
): IrAttributes {
  const kind = memory?.kind;
  const named =
    words.includes("cacheable") || words.includes("noncacheable") || words.includes("device");
  const defaultType = named ? undefined : kind === "mmio" ? "device" : "cacheable";
  const secure = words.includes("secure")
    ? true
    : words.includes("nonsecure")
      ? false
      : memory?.secure === true;
  const cacheable = words.includes("cacheable") || defaultType === "cacheable";
  const device = words.includes("device") || defaultType === "device";
  const shareable = words.includes("outer-shareable") ? 2 : words.includes("shareable") ? 1 : 0;
  return ATTRIBUTES[(cacheable ? 1 : 0) | (device ? 2 : 0) | (shareable << 2) | (secure ? 16 : 0)]!;
}

/**
 * One frozen object per combination, shared by every mapping that has it (a million-mapping
 * topology would otherwise hold a million copies of a few objects; indexes with shareability 3 are
 * unused).
 */
const SHAREABILITY = ["none", "inner", "outer"] as const;
const ATTRIBUTES: readonly IrAttributes[] = Array.from({ length: 32 }, (_, i) =>
  Object.freeze({
    // `secure` only when set, as the IR writes it.
    ...((i & 16) !== 0 ? { secure: true } : {}),
    cacheable: (i & 1) !== 0,
    device: (i & 2) !== 0,
    shareable: SHAREABILITY[Math.min((i >> 2) & 3, 2)]!,
  }),
);
