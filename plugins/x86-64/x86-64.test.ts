import { describe, expect, it } from "vitest";
import {
  ATTR_CACHEABLE,
  PROT_EXEC,
  PROT_PRIV,
  PROT_READ,
  PROT_WRITE,
} from "../../src/plugin-api/index.js";
import x86 from "./index.js";
import { ioPgtableSelfTests } from "../../src/plugin-api/conformance/vitest-selftests.js";
import { Fixture } from "../../src/plugin-api/conformance/index.js";

const K4 = 1n << 12n;

for (const levels of [4n, 5n]) {
  describe(`x86-64, ${levels} levels: io-pgtable self-test`, () => {
    ioPgtableSelfTests(x86, { params: { levels }, attrs: ATTR_CACHEABLE });
  });
}

describe("x86-64 rights", () => {
  it("decodes XD, U/S and write-only widening from the bytes", () => {
    const { memory, handle, context } = new Fixture(x86, { params: { levels: 4n } });
    const ctx = context();
    x86.map(handle, 0x1000n, 0x1000n, K4, 1, PROT_READ | PROT_EXEC | PROT_PRIV, ATTR_CACHEABLE);
    x86.map(handle, 0x2000n, 0x2000n, K4, 1, PROT_WRITE, ATTR_CACHEABLE);
    const a = x86.walk(memory, ctx, 0x1000n);
    expect(a.ok && a.prot).toBe(PROT_READ | PROT_EXEC | PROT_PRIV);
    const b = x86.walk(memory, ctx, 0x2000n);
    expect(b.ok && b.prot).toBe(PROT_READ | PROT_WRITE);
    expect(x86.describe(memory, ctx)).toContain("PTE 4K page pa=0x1000");
  });
});
