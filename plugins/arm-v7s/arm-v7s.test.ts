import { describe, expect, it } from "vitest";
import {
  ATTR_CACHEABLE,
  ATTR_DEVICE,
  PROT_EXEC,
  PROT_PRIV,
  PROT_READ,
  PROT_WRITE,
} from "../../src/plugin-api/index.js";
import armV7s from "./index.js";
import { ioPgtableSelfTests } from "../../src/plugin-api/conformance/vitest-selftests.js";
import { Fixture } from "../../src/plugin-api/conformance/index.js";

const SIZES = [0x1000n, 0x10000n, 0x100000n, 0x1000000n];
const params = { "page-sizes": SIZES };
const setup = { params, poolBase: 0x8000_0000n, poolSize: 0x100_0000n };

describe("arm-v7s io-pgtable self-test", () => {
  // AP[2:1] has no write-only encoding: capabilities say write implies read.
  ioPgtableSelfTests(armV7s, { params });
});

describe("arm-v7s", () => {
  it("round-trips rights and attributes through the bytes at every page size", () => {
    const live = new Fixture(armV7s, setup);
    const cases = [
      { prot: PROT_READ, attrs: 0 },
      { prot: PROT_READ | PROT_WRITE | PROT_EXEC, attrs: ATTR_CACHEABLE },
      { prot: PROT_READ | PROT_PRIV, attrs: ATTR_DEVICE },
    ];
    let iova = 0n;
    for (const size of SIZES) {
      for (const c of cases) {
        armV7s.map(live.handle, iova, iova, size, 1, c.prot, c.attrs);
        const r = armV7s.walk(live.memory, live.context(), iova + size - 1n);
        expect(r.ok && [r.prot, r.attrs, r.pageSize]).toEqual([c.prot, c.attrs, size]);
        iova += 0x100_0000n;
      }
    }
  });

  it("writes a 64K page as 16 identical L2 entries and a 16M supersection as 16 L1 entries", () => {
    const live = new Fixture(armV7s, setup);
    armV7s.map(live.handle, 0x0021_0000n, 0x5003_0000n, 0x10000n, 1, PROT_READ, 0);
    armV7s.map(live.handle, 0x0100_0000n, 0x4100_0000n, 0x100_0000n, 1, PROT_READ, 0);
    const root = Number(live.handle.root);
    const l1 = Array.from({ length: 18 }, (_, i) => live.memory.read32(root + (15 + i) * 4));
    expect(l1[0]).toBe(0);
    expect(new Set(l1.slice(1, 17)).size).toBe(1);
    expect(l1[17]).toBe(0);
    const l2 = live.memory.read32(root + 0 * 4) & ~0x3ff; // L1[0] -> L2 table
    const e = Array.from({ length: 18 }, (_, i) => live.memory.read32(l2 + (15 + i) * 4));
    expect(e[0]).toBe(0);
    expect(new Set(e.slice(1, 17)).size).toBe(1);
    expect(e[17]).toBe(0);
  });

  it("splitting a supersection keeps the other 15 sections' translation", () => {
    const live = new Fixture(armV7s, setup);
    armV7s.map(live.handle, 0x0100_0000n, 0x4100_0000n, 0x100_0000n, 1, PROT_READ, 0);
    expect(armV7s.unmap(live.handle, 0x0150_0000n, 0x10_0000n)).toBe(0x10_0000n);
    for (let s = 0n; s < 16n; s++) {
      const iova = 0x0100_0000n + s * 0x10_0000n + 0x1234n;
      expect(live.translate(iova)).toBe(
        s === 5n ? undefined : 0x4100_0000n + s * 0x10_0000n + 0x1234n,
      );
    }
  });

  it("refuses sizes outside page-sizes and addresses above 4G", () => {
    const p = { "page-sizes": [0x1000n, 0x100000n] };
    const live = new Fixture(armV7s, { ...setup, params: p });
    expect(() => armV7s.map(live.handle, 0n, 0n, 0x10000n, 1, PROT_READ, 0)).toThrow(
      /not supported/,
    );
    expect(() => armV7s.map(live.handle, 0n, 0x1_0000_0000n, 0x1000n, 1, PROT_READ, 0)).toThrow(
      /output/,
    );
    expect(armV7s.validate!({ "page-sizes": [0x10000n] })).toHaveLength(1);
  });

  it("describes tables and leaves from bytes", () => {
    const live = new Fixture(armV7s, setup);
    armV7s.map(
      live.handle,
      0x1000n,
      0x4000_2000n,
      0x1000n,
      1,
      PROT_READ | PROT_WRITE,
      ATTR_CACHEABLE,
    );
    const text = armV7s.describe(live.memory, live.context());
    expect(text).toContain("table");
    expect(text).toContain("small-page pa=0x40002000");
  });
});

describe("arm-v7s table placement", () => {
  it("refuses a table pool above 4G (32-bit TTBR and table descriptors)", () => {
    expect(
      () => new Fixture(armV7s, { ...setup, poolBase: 0x1_0000_0000n, poolSize: 0x10_0000n }),
    ).toThrow(/below 4G/);
  });

  it("refuses an L2 table above 4G and leaves the table as it was", () => {
    const live = new Fixture(armV7s, { ...setup, poolBase: 0xffff_c000n, poolSize: 0x10_0000n });
    expect(live.handle.root).toBe(0xffff_c000n);
    expect(() => armV7s.map(live.handle, 0x1000n, 0x1000n, 0x1000n, 1, PROT_READ, 0)).toThrow(
      /below 4G/,
    );
    expect(live.translate(0x1000n)).toBeUndefined();
    armV7s.map(live.handle, 0x10_0000n, 0x10_0000n, 0x10_0000n, 1, PROT_READ, 0);
    expect(live.translate(0x10_0042n)).toBe(0x10_0042n);
  });
});
