/**
 * The identity token of a physical 4K frame, derived from its address alone (nothing per page
 * is stored): "the endpoint sees the intended memory" means a read through its address returns
 * the intended frame's token. A 32-bit mix so two frames near each other never look alike.
 */
export function frameToken(pfn: number): number {
  let h = (Math.floor(pfn / 0x1_0000_0000) ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (pfn >>> 0), 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export function tokenText(pfn: number): string {
  return "tok:" + frameToken(pfn).toString(16).padStart(8, "0");
}
