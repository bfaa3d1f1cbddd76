/** IOMMU groups at run: one default domain (one table) per group, proved from the bytes. */
import { describe, expect, it } from "vitest";
import { verify } from "../../src/runtime/index.js";
import { lowerText } from "./helpers.js";

const BASE = `topology groups
memory ddr 0x8000_0000 .. +256M ram
pool tables in ddr[0 .. +16M]
iommu smmu : arm-lpae { ias 32; oas 40 }
device a behind smmu stream 1
device b behind smmu stream 2
device c behind smmu stream 3 group 5
device d behind smmu stream 4 group 5
buffer ba in ddr size 64K
buffer bc in ddr size 64K
map ba -> a at 0x10_0000 rw
map bc -> c at 0x10_0000 rw
`;

describe("default domains per group", () => {
  it("devices in different groups of one IOMMU walk different tables; group-mates share one", () => {
    const l = lowerText(BASE);
    const table = (e: string) => {
      const r = l.compiled.endpoints.find((x) => x.endpoint === e)!;
      return r.kind === "iommu" ? r.table : undefined;
    };
    expect([table("a"), table("b"), table("c"), table("d")]).toEqual([
      "smmu.default.a",
      "smmu.default.b",
      "smmu.default.g5",
      "smmu.default.g5",
    ]);
    const report = verify(l.compiled, l.ir, l.plugins);
    expect(report.failures).toEqual([]);
  });

  it("one never reaches the other's mappings, at the same IOVA; group-mates do", () => {
    const l = lowerText(
      BASE +
        "expect b cannot read ba\nexpect b faults at 0x10_0000\nexpect d reads bc\n" +
        "expect a cannot read bc\nexpect d sees bc at 0x10_0000\n",
    );
    expect(verify(l.compiled, l.ir, l.plugins).failures.map((f) => f.message)).toEqual([]);
  });

  it("the expects fail where they are false (the test can fail)", () => {
    const l = lowerText(BASE + "expect b reads ba\nexpect d cannot read bc\n");
    const failures = verify(l.compiled, l.ir, l.plugins).failures;
    expect(failures.map((f) => f.check)).toEqual(["expect-failed", "expect-failed"]);
  });
});
