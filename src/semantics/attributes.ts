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
  return {
    ...(secure ? { secure } : {}),
    cacheable: words.includes("cacheable") || defaultType === "cacheable",
    device: words.includes("device") || defaultType === "device",
    shareable: words.includes("outer-shareable")
      ? "outer"
      : words.includes("shareable")
        ? "inner"
        : "none",
  };
}
