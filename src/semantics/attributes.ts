/**
 * The memory attributes a `map` line asks for. A line that names no memory type gets its
 * region type's: RAM (and reserved memory, which is RAM set aside) is normal write-back
 * cacheable memory, MMIO is device memory. Shareability is only what the line names.
 */
import type { MemoryAttribute } from "../syntax/ast.js";
import type { IrAttributes, IrMemoryKind } from "../ir/types.js";

export function mappingAttributes(
  words: readonly MemoryAttribute[],
  kind: IrMemoryKind | undefined,
): IrAttributes {
  const named =
    words.includes("cacheable") || words.includes("noncacheable") || words.includes("device");
  const defaultType = named ? undefined : kind === "mmio" ? "device" : "cacheable";
  return {
    cacheable: words.includes("cacheable") || defaultType === "cacheable",
    device: words.includes("device") || defaultType === "device",
    shareable: words.includes("outer-shareable")
      ? "outer"
      : words.includes("shareable")
        ? "inner"
        : "none",
  };
}
