/** The memory an `expect` or scenario step names, with buffers at their current placement. */
import type { IrChunk, IrObjectRef } from "../ir/types.js";

export function chunksOf(
  object: IrObjectRef,
  bufferChunks?: ReadonlyMap<string, readonly IrChunk[]>,
): readonly IrChunk[] {
  if (!bufferChunks || object.buffers.length === 0) return object.chunks;
  if (!object.buffers.some((b) => bufferChunks.has(b))) return object.chunks;
  // A named buffer that moved: the whole buffer is meant, wherever it now lives.
  return object.buffers.flatMap((b) => bufferChunks.get(b) ?? []);
}

export function objectText(object: IrObjectRef): string {
  if (object.buffers.length === 1) return object.buffers[0]!;
  if (object.buffers.length > 1) {
    const array = object.buffers[0]!.replace(/\[\d+\]$/, "");
    return object.buffers.every((b) => b.startsWith(array + "["))
      ? `${array}[*]`
      : object.buffers.join(", ");
  }
  const c = object.chunks[0];
  return c
    ? `${object.memory} (pa 0x${c.pa.toString(16)} .. +0x${c.size.toString(16)})`
    : object.memory;
}
