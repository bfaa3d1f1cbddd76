/**
 * PhysicalMemory's frame index (chunks of 1024 frame numbers, the last chunk remembered) against
 * a Map: lookups across chunks, frame numbers above 2^32, deletes, and the ascending list.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { FrameIndex } from "../../src/plugin-api/frame-index.js";

const frameNumber = fc.oneof(
  fc.integer({ min: 0, max: 5000 }),
  fc.integer({ min: 2 ** 32 - 2000, max: 2 ** 32 + 2000 }),
  fc.integer({ min: 0, max: 2 ** 40 }),
);
const op = fc.record({ kind: fc.constantFrom("set", "delete", "get"), pfn: frameNumber });

describe("FrameIndex", () => {
  test("agrees with a Map", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const index = new FrameIndex();
        const ref = new Map<number, Uint32Array>();
        for (const o of ops) {
          if (o.kind === "set") {
            const f = new Uint32Array(1);
            index.set(o.pfn, f);
            ref.set(o.pfn, f);
          } else if (o.kind === "delete") {
            index.delete(o.pfn);
            ref.delete(o.pfn);
          }
          expect(index.get(o.pfn)).toBe(ref.get(o.pfn));
          expect(index.has(o.pfn + 1)).toBe(ref.has(o.pfn + 1));
          expect(index.get(o.pfn - 1024)).toBe(ref.get(o.pfn - 1024));
        }
        expect(index.size).toBe(ref.size);
        expect(index.pfns()).toEqual([...ref.keys()].sort((a, b) => a - b));
      }),
      { numRuns: 200 },
    );
  });
});
