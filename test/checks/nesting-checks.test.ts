/**
 * The rules of guest memory and nested domains, with the real arm-lpae plugin: each resolution
 * error (VCM0150-0155) and check (VCM0284-0287) firing at its line, and quiet on the sample
 * topology they are mutations of; the lowering's own refusals (VCM0330, VCM0331) on an IR whose
 * checks were skipped.
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { lower } from "../../src/lowering/lower.js";
import { irFromText, realPlugins } from "../fixtures/lowering/from-text.js";
import { check, lines } from "./harness.js";

const BASE = `topology t
memory ddr 0x8000_0000 .. +2G ram
pool host_tables in ddr[0 .. +4M]
iommu smmu : arm-lpae { granule 4K; ias 40; oas 40; pool host_tables }
device nic behind smmu stream 1
domain vm0 on smmu { stage 2 }
memory gram 0x4000_0000 .. +64M ram guest vm0 backed ddr[0x1000_0000 .. +64M]
pool guest_tables in gram[0 .. +1M]
domain nic_dom on smmu { nested vm0; tables guest_tables; attach nic }
buffer rx in gram size 64K
map rx -> nic_dom at 0x10_0000 rw
`;

function run(text: string) {
  const ds = check(text, undefined, realPlugins()).diagnostics;
  return { codes: ds.map((d) => d.code), text: lines(ds).join("\n") };
}

describe("nesting: the base topology is clean", () => {
  test("no diagnostics", () => {
    expect(run(BASE).text).toBe("");
  });
  test("the sample checks clean", () => {
    expect(run(readFileSync("samples/vm-nested.vcm", "utf8")).text).toBe("");
  });
});

const FIRING: [string, string, string, RegExp][] = [
  [
    "VCM0150",
    "guest memory in a domain that is not stage 2",
    BASE.replace("domain vm0 on smmu { stage 2 }", "domain vm0 on smmu { type dma }"),
    /t\.vcm:7:43: error\[VCM0150\].*'gram' is in 'vm0', which is not a stage-2 domain/,
  ],
  [
    "VCM0151",
    "backing of another size",
    BASE.replace("backed ddr[0x1000_0000 .. +64M]", "backed ddr[0x1000_0000 .. +32M]"),
    /error\[VCM0151\].*'gram' is 64M, but its backing is 32M/,
  ],
  [
    "VCM0152",
    "backing outside its host region",
    BASE.replace("backed ddr[0x1000_0000 .. +64M]", "backed ddr[0x7FF0_0000 .. +64M]"),
    /error\[VCM0152\].*is outside 'ddr'/,
  ],
  [
    "VCM0152",
    "backing by guest memory",
    BASE + "memory g2 0x8000_0000 .. +1M ram guest vm0 backed gram[0 .. +1M]\n",
    /error\[VCM0152\].*'gram' is guest memory itself/,
  ],
  [
    "VCM0152",
    "backing not on a page boundary",
    BASE.replace("backed ddr[0x1000_0000 .. +64M]", "backed ddr[0x1000_0800 .. +64M]"),
    /error\[VCM0152\].*backing 0x90000800, 64M: stage 2 maps whole 4 KiB pages/,
  ],
  [
    "VCM0153",
    "nested on a domain that is not stage 2",
    BASE +
      "domain plain on smmu { type dma }\ndomain n2 on smmu { nested plain; tables guest_tables }\n",
    /error\[VCM0153\].*'n2' is nested on 'plain', which is not a stage-2 domain/,
  ],
  [
    "VCM0153",
    "nested on a stage 2 of another IOMMU",
    BASE +
      "iommu other : arm-lpae { ias 40; oas 40; pool host_tables }\n" +
      "domain vm1 on other { stage 2 }\ndomain n2 on smmu { nested vm1; tables guest_tables }\n",
    /error\[VCM0153\].*which is on 'other', not on 'smmu'/,
  ],
  [
    "VCM0153",
    "a stage-2 domain nested on another",
    BASE + "domain vm1 on smmu { stage 2; nested vm0 }\n",
    /error\[VCM0153\].*a stage-2 domain is not nested on anything/,
  ],
  [
    "VCM0154",
    "stage 3",
    BASE.replace("{ stage 2 }", "{ stage 3 }"),
    /error\[VCM0154\].*stage 3 does not exist/,
  ],
  [
    "VCM0154",
    "stage 2 on a format without stages",
    BASE + "iommu vt : intel-vtd { }\ndomain vm2 on vt { stage 2 }\n",
    /error\[VCM0154\].*format 'intel-vtd' of 'vt' has no stage 2/,
  ],
  [
    "VCM0154",
    "stage 2 with an IPA larger than the output",
    BASE.replace("ias 40; oas 40", "ias 44; oas 40"),
    /error\[VCM0154\].*'smmu' at stage 2: /,
  ],
  [
    "VCM0155",
    "nested without tables",
    BASE.replace("nested vm0; tables guest_tables;", "nested vm0;"),
    /error\[VCM0155\].*a nested domain names the pool of its stage-1 tables/,
  ],
  [
    "VCM0155",
    "tables outside a nested domain",
    BASE + "domain plain on smmu { tables guest_tables }\n",
    /error\[VCM0155\].*this domain is not nested/,
  ],
  [
    "VCM0284",
    "guest memory not backed",
    BASE + "memory hole 0x8000_0000 .. +1M ram guest vm0\n",
    /t\.vcm:12:1: error\[VCM0284\] guest-memory-unbacked: guest memory 'hole' of 'vm0' is not backed/,
  ],
  [
    "VCM0285",
    "stage-1 tables in host memory",
    BASE.replace(
      "pool guest_tables in gram[0 .. +1M]",
      "pool guest_tables in ddr[0x3000_0000 .. +1M]",
    ),
    /t\.vcm:9:26: error\[VCM0285\] nested-pool-outside-guest: pool 'guest_tables'/,
  ],
  [
    "VCM0286",
    "host memory mapped into a nested domain",
    BASE + "buffer hostbuf in ddr size 64K\nmap hostbuf -> nic_dom at 0x20_0000 rw\n",
    /t\.vcm:13:1: error\[VCM0286\] nested-map-outside-guest: hostbuf is mapped into 'nic_dom', but it is not guest memory of 'vm0'/,
  ],
  [
    "VCM0287",
    "guest regions overlapping in IPA",
    BASE + "memory gram2 0x4200_0000 .. +64M ram guest vm0 backed ddr[0x2000_0000 .. +64M]\n",
    /error\[VCM0287\] guest-memory-overlap: guest memory 'gram2' overlaps 'gram' at IPA 0x42000000 \.\. \+32M/,
  ],
  [
    "VCM0287",
    "guest regions sharing host memory",
    BASE +
      "domain vm1 on smmu { stage 2 }\nmemory g1 0x4000_0000 .. +1M ram guest vm1 backed ddr[0x1000_0000 .. +1M]\n",
    /error\[VCM0287\].*'g1' and 'gram' are backed by the same host memory/,
  ],
];

describe("nesting rules fire at their line", () => {
  for (const [code, what, text, pattern] of FIRING)
    test(`${code}: ${what}`, () => {
      const r = run(text);
      expect(r.text).toMatch(pattern);
      expect(r.codes).toContain(code);
    });
});

describe("the lowering refuses the same on an IR built without the checks", () => {
  test("VCM0330: a nested domain's tables pool outside guest memory", () => {
    const plugins = realPlugins();
    const text = BASE.replace(
      "pool guest_tables in gram[0 .. +1M]",
      "pool guest_tables in ddr[0x3000_0000 .. +1M]",
    );
    const { ir } = irFromText(text, plugins);
    const r = lower(ir, plugins);
    expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toContain(
      "VCM0330 the stage-1 tables of 'nic_dom' come from pool 'guest_tables', which is not in the guest memory of 'vm0'",
    );
  });

  test("VCM0331: host memory mapped into a nested domain", () => {
    const plugins = realPlugins();
    const text = BASE + "buffer hostbuf in ddr size 64K\nmap hostbuf -> nic_dom at 0x20_0000 rw\n";
    const { ir } = irFromText(text, plugins);
    const r = lower(ir, plugins);
    const d = r.diagnostics.find((x) => x.code === "VCM0331")!;
    expect(d.message).toMatch(/hostbuf.*not guest memory of 'vm0'/);
    expect(d.span?.line).toBe(13);
    // The good mapping is still made.
    expect(r.diagnostics.filter((x) => x.severity === "error")).toHaveLength(1);
  });
});
