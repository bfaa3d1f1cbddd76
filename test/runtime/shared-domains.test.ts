/**
 * Issue 8 §5: one domain attached to devices behind several IOMMU instances of one format
 * shares one page table, proved from each instance's own structures; instances of another
 * format or geometry are refused, naming what differs (EINVAL, as Linux's attach).
 */
import { describe, expect, it } from "vitest";
import { verify } from "../../src/runtime/index.js";
import { check, checksOf, lines } from "../checks/harness.js";
import { realPlugins } from "../fixtures/lowering/from-text.js";
import { lowerText } from "./helpers.js";

const SHARED = `topology shared
memory ddr 0x8000_0000 .. +1G ram
pool tables in ddr[0 .. +16M]
pool tables2 in ddr[16M .. +16M]
iommu smmu0 : arm-lpae { stage 1; granule 4K; ias 32; oas 40; pool tables }
iommu smmu1 : arm-lpae { stage 1; granule 4K; ias 32; oas 40; pool tables2 }
device vdec behind smmu0 stream 1
device disp behind smmu1 stream 1
domain shared on smmu0 { aperture 0 .. 4G; attach vdec disp }
buffer frame in ddr size 2M align 2M
map frame -> shared at auto rw
expect vdec writes frame
expect disp writes frame
`;

describe("a domain shared by two IOMMU instances", () => {
  it("is one table, reached through each instance's own device structures", () => {
    const l = lowerText(SHARED);
    expect(l.compiled.tables.filter((t) => t.name === "shared")).toHaveLength(1);
    const r = verify(l.compiled, l.ir, l.plugins);
    expect(r.failures.map((f) => f.message)).toEqual([]);
    expect(r.endpoints.map((e) => [e.endpoint, e.route])).toEqual([
      ["vdec", "iommu smmu0 -> domain shared"],
      ["disp", "iommu smmu1 -> domain shared"],
    ]);
  });

  it("a scenario can attach a device of the other instance to it", () => {
    const text = SHARED.replace("attach vdec disp", "attach vdec").replace(
      "expect disp writes frame\n",
      "scenario s {\n  attach disp to shared\n  expect disp writes frame\n}\n",
    );
    const l = lowerText(text);
    const r = verify(l.compiled, l.ir, l.plugins);
    expect(r.failures.map((f) => f.message)).toEqual([]);
  });

  const mismatch = [
    [
      "another geometry",
      SHARED.replace("oas 40; pool tables2", "oas 48; pool tables2"),
      /oas is 40 on 'smmu0' but 48 on 'smmu1'/,
    ],
    [
      "another format",
      SHARED.replace(
        "iommu smmu1 : arm-lpae { stage 1; granule 4K; ias 32; oas 40; pool tables2 }",
        "iommu smmu1 : arm-v7s { pool tables2 }",
      ),
      /'smmu0' uses the format arm-lpae, 'smmu1' uses arm-v7s/,
    ],
  ] as const;
  for (const [title, text, why] of mismatch)
    it(`an instance of ${title} is refused, saying what differs`, () => {
      const ds = check(text, undefined, realPlugins()).diagnostics;
      const d = ds.find((x) => x.check === "domain-instance-mismatch");
      expect(d, lines(ds).join("\n")).toBeDefined();
      expect(d!.message).toMatch(why);
      expect(d!.message).toContain("EINVAL");
      expect(d!.span?.line).toBe(9);
    });

  it("the same holds for a scenario's attach (attach-incompatible, with the reason)", () => {
    const text =
      SHARED.replace("oas 40; pool tables2", "oas 48; pool tables2")
        .replace("attach vdec disp", "attach vdec")
        .replace("expect disp writes frame\n", "") + "scenario s { attach disp to shared }\n";
    const ds = check(text, undefined, realPlugins()).diagnostics;
    expect(checksOf(ds)).toEqual(["attach-incompatible"]);
    expect(ds[0]!.message).toContain("oas is 40 on 'smmu0' but 48 on 'smmu1'");
  });

  it("same format and parameters: no diagnostic, whatever the pools", () => {
    const ds = check(SHARED, undefined, realPlugins()).diagnostics;
    expect(
      ds.filter((d) => d.severity !== "note"),
      lines(ds).join("\n"),
    ).toEqual([]);
  });
});
