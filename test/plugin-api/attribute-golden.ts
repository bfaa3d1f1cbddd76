/**
 * Golden memory-attribute vectors: map one page with given attributes and read back its leaf
 * descriptor, or overwrite a leaf with a hand-computed descriptor and read what walk and leaves
 * decode. Both readers must agree: the runtime proves with leaves and explains with walk.
 */
import { expect } from "vitest";
import { Fixture, type ConformanceOptions } from "../../src/plugin-api/conformance/index.js";
import { PROT_READ, PROT_WRITE, type VcmPlugin } from "../../src/plugin-api/index.js";

/** A fresh table with one read-write page of `pageSize` (default 4K) at `iova` -> `pa`. */
export function tableWithPage(
  plugin: VcmPlugin,
  options: ConformanceOptions,
  page: { iova: bigint; pa: bigint; attrs: number; pageSize?: bigint },
): Fixture {
  const t = new Fixture(plugin, options);
  const rw = PROT_READ | PROT_WRITE;
  plugin.map(t.handle, page.iova, page.pa, page.pageSize ?? 0x1000n, 1, rw, page.attrs);
  return t;
}

/** The leaf of `iova` is exactly `descriptor`, and walk and leaves decode it as `decoded`. */
export function expectLeaf(t: Fixture, iova: bigint, descriptor: bigint, decoded: number): void {
  expect(leafAt(t, iova).value).toBe(descriptor);
  expect(decodedAttrs(t, iova)).toBe(decoded);
}

/** The raw leaf descriptor that translates `iova`, and where it lives. */
export function leafAt(t: Fixture, iova: bigint): { address: bigint; value: bigint } {
  const w = t.walk(iova);
  expect(w.ok, `walk of 0x${iova.toString(16)}`).toBe(true);
  const step = w.steps.at(-1)!;
  return { address: step.descriptorAddress, value: step.descriptor };
}

/** Write a logical descriptor value at `address` (little-endian, 4 or 8 bytes). */
export function writeLeaf(t: Fixture, address: bigint, value: bigint, bytes: 4 | 8): void {
  if (bytes === 8) t.memory.write64(address, value);
  else t.memory.write32(Number(address), Number(value));
}

/** The attributes decoded from the leaf translating `iova` (walk and leaves must agree). */
export function decodedAttrs(t: Fixture, iova: bigint): number {
  const w = t.walk(iova);
  expect(w.ok, `walk of 0x${iova.toString(16)}`).toBe(true);
  const pfn = Number(iova >> 12n);
  let fromLeaves: number | undefined;
  t.plugin.leaves(t.memory, t.context(), (iovaPfn, _pa, count, _prot, attrs) => {
    if (pfn >= iovaPfn && pfn < iovaPfn + count) fromLeaves = attrs;
  });
  const attrs = w.ok ? w.attrs : -1;
  expect(fromLeaves, "leaves() decodes the same attributes as walk()").toBe(attrs);
  return attrs;
}

/** Overwrite the leaf of `iova` with `value` and decode it. */
export function attrsOfDescriptor(t: Fixture, iova: bigint, value: bigint, bytes: 4 | 8): number {
  writeLeaf(t, leafAt(t, iova).address, value, bytes);
  return decodedAttrs(t, iova);
}
