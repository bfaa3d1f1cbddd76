/**
 * SMMU device bindings are proved from the bytes: samples/smmu-streams.vcm is lowered and
 * proved in-process, then one STE, CD, L1 descriptor or register field at a time is corrupted
 * and the failure must name the device and the structure (device-binding-wrong VCM0404 for
 * table domains, untranslated-binding-wrong VCM0468 for identity / blocked devices). The
 * corrupted structures are located with the plugin's own lookup steps; what is asserted is the
 * prover's verdict. SMMUv2 (mmu-500) register corruption is covered at the end.
 */
import { describe, expect, it } from "vitest";
import type { PluginParams, VcmPlugin } from "../../src/plugin-api/types.js";
import { explain, explainText, verify } from "../../src/runtime/index.js";
import type { RunReport } from "../../src/runtime/report.js";
import { lowerFile, lowerText, type Lowered } from "./helpers.js";

const SAMPLE = "samples/smmu-streams.vcm";

class Soc {
  readonly l: Lowered;
  readonly plugin: VcmPlugin;
  constructor(l: Lowered = lowerFile(SAMPLE)) {
    this.l = l;
    this.plugin = l.plugins.get("arm-lpae")!;
  }
  get memory() {
    return this.l.compiled.memory;
  }
  mapper(name: string) {
    return this.l.compiled.mappers.find((m) => m.name === name)!;
  }
  params(name: string): PluginParams {
    return this.l.ir.mappers.find((m) => m.name === name)!.params;
  }
  stream(device: string): bigint {
    return this.l.ir.endpoints.find((e) => e.name === device)!.stream!;
  }
  mapperOf(device: string): string {
    return this.l.ir.endpoints.find((e) => e.name === device)!.mapper!;
  }
  /** Address of the structure named `prefix...` the SMMU reads for `device`. */
  at(device: string, prefix: string): bigint {
    const m = this.mapperOf(device);
    const found = this.plugin.lookupDevice!(
      this.memory,
      this.params(m),
      this.mapper(m).instance!.registers,
      this.stream(device),
    );
    const step = found.steps?.find((s) => s.structure.startsWith(prefix));
    if (!step) throw new Error(`no ${prefix} for ${device}: ${JSON.stringify(found)}`);
    return step.address;
  }
  flip(at: bigint, set: bigint, clear = 0n): void {
    this.memory.write64(at, (this.memory.read64(at) & ~clear) | set);
  }
  field(at: bigint, lsb: bigint, width: bigint, value: bigint): void {
    const mask = ((1n << width) - 1n) << lsb;
    this.flip(at, (value << lsb) & mask, mask);
  }
  verify(): RunReport {
    return verify(this.l.compiled, this.l.ir, this.l.plugins, { scenarios: false });
  }
}

/** The binding failures of `device`, with the check that reported them. */
function bindingFailures(report: RunReport, device: string) {
  return report.failures
    .filter(
      (f) =>
        f.endpoint === device &&
        (f.check === "device-binding-wrong" || f.check === "untranslated-binding-wrong"),
    )
    .map((f) => ({ check: f.check, code: f.code, found: f.found }));
}

function expectBinding(
  report: RunReport,
  device: string,
  check: "device-binding-wrong" | "untranslated-binding-wrong",
  found: RegExp,
) {
  const f = bindingFailures(report, device);
  expect(f, JSON.stringify(report.failures.map((x) => x.message))).toHaveLength(1);
  expect(f[0]!.check).toBe(check);
  expect(f[0]!.code).toBe(check === "device-binding-wrong" ? "VCM0404" : "VCM0468");
  expect(f[0]!.found).toMatch(found);
  expect(report.status).toBe("failed");
}

describe("smmu-streams.vcm: stream tables proved from bytes", () => {
  it("the sample lowers, binds and proves (linear and 2-level tables)", () => {
    const soc = new Soc();
    expect(soc.mapper("media_smmu").instance!.registers["STRTAB_BASE_CFG"]).toBe(6n);
    expect(soc.mapper("pcie_smmu").instance!.registers["STRTAB_BASE_CFG"]).toBe(0x10210n);
    const report = soc.verify();
    expect(report.failures.map((f) => f.message)).toEqual([]);
    expect(report.status).toBe("proved");
  });

  it("the scenario (detach, blocked, re-attach) rebinds and proves at every step", () => {
    const soc = new Soc();
    const report = verify(soc.l.compiled, soc.l.ir, soc.l.plugins, {});
    expect(report.failures.map((f) => f.message)).toEqual([]);
    expect(report.scenarios[0]!.ok).toBe(true);
  });

  it("explain shows the STE and CD reads before the table walk", () => {
    const soc = new Soc();
    const frames = soc.l.compiled.mappings.find((m) => m.buffer === "frames")!;
    const r = explain(soc.l.compiled, "gpu", frames.iova);
    expect(r.bindingSteps!.map((s) => s.structure)).toEqual(["STE[0x3]", "CD[0] of STE[0x3]"]);
    expect(r.bindingSteps![0]!.decoded).toMatch(/Config=stage1 S1ContextPtr=/);
    expect(r.bindingSteps![1]!.decoded).toMatch(/ASID=\d+ TTB0=/);
    expect(r.outcome.ok).toBe(true);
    const nic = explain(soc.l.compiled, "nic", 0n);
    expect(nic.bindingSteps!.map((s) => s.structure)).toEqual([
      "L1STD[0x1]",
      "STE[0x100]",
      "CD[0] of STE[0x100]",
    ]);
    const isp = explain(soc.l.compiled, "isp", 0x10_0000n);
    expect(isp.bindingSteps![0]!.decoded).toBe("V=1 Config=bypass");
    // The text form: one line per structure, between the route and the walk.
    const text = explainText(r).split("\n");
    expect(text[1]).toMatch(/^ {2}STE\[0x3\] @ 0x[0-9a-f]+ = 0x[0-9a-f]+: V=1 Config=stage1 /);
    expect(text[2]).toMatch(/^ {2}CD\[0\] of STE\[0x3\] @ /);
    expect(text[3]).toMatch(/^ {2}table gpu_dom \(arm-lpae, root /);
  });
});

describe("smmu-streams.vcm: corrupted STE fields", () => {
  it("STE.V cleared: the device faults (C_BAD_STE)", () => {
    const soc = new Soc();
    soc.flip(soc.at("gpu", "STE"), 0n, 1n);
    expectBinding(soc.verify(), "gpu", "device-binding-wrong", /STE\[0x3\]: V=0/);
  });

  it("STE.Config stage1 -> bypass: the device reaches everything untranslated", () => {
    const soc = new Soc();
    soc.field(soc.at("gpu", "STE"), 1n, 3n, 0b100n);
    const report = soc.verify();
    expectBinding(report, "gpu", "device-binding-wrong", /bypass: STE\[0x3\]: Config=bypass/);
    const r = explain(soc.l.compiled, "gpu", 0x10_0000n); // sram: no mapping of gpu's
    expect(r.outcome).toMatchObject({ ok: true, pa: 0x10_0000n });
  });

  it("STE.Config reserved (0b010): C_BAD_STE", () => {
    const soc = new Soc();
    soc.field(soc.at("nic", "STE"), 1n, 3n, 0b010n);
    expectBinding(soc.verify(), "nic", "device-binding-wrong", /Config=0b010 is reserved/);
  });

  it("identity device with an abort STE (abort/bypass mix-up)", () => {
    const soc = new Soc();
    soc.field(soc.at("isp", "STE"), 1n, 3n, 0b000n);
    expectBinding(soc.verify(), "isp", "untranslated-binding-wrong", /abort: STE\[0x11\]/);
  });

  it("blocked device with a bypass STE (bypass/abort mix-up)", () => {
    const soc = new Soc();
    soc.field(soc.at("codec", "STE"), 1n, 3n, 0b100n);
    const report = soc.verify();
    expectBinding(report, "codec", "untranslated-binding-wrong", /bypass: STE\[0x24\]/);
    expect(report.expects.find((e) => e.text.startsWith("codec"))?.ok).toBe(false);
  });

  it("an STE left valid for a blocked (detached) device: it walks another domain's table", () => {
    const soc = new Soc();
    const from = soc.at("nic", "STE");
    const to = soc.at("scratch", "STE");
    for (let i = 0n; i < 64n; i += 8n) soc.memory.write64(to + i, soc.memory.read64(from + i));
    const report = soc.verify();
    expectBinding(report, "scratch", "untranslated-binding-wrong", /\(table nic_dom\)/);
    expect(report.expects.find((e) => e.text.startsWith("scratch"))?.ok).toBe(false);
  });

  it("wrong StreamID: the device's STE sits in another stream's slot", () => {
    const soc = new Soc();
    const right = soc.at("gpu", "STE");
    const wrong = right + 64n; // StreamID 0x4
    for (let i = 0n; i < 64n; i += 8n) {
      soc.memory.write64(wrong + i, soc.memory.read64(right + i));
      soc.memory.write64(right + i, i === 0n ? 1n : 0n); // abort, as an unbound STE
    }
    expectBinding(soc.verify(), "gpu", "device-binding-wrong", /abort: STE\[0x3\]: Config=abort/);
  });

  it("S1ContextPtr pointing at another device's CD: the wrong table", () => {
    const soc = new Soc();
    const nvmeCd = soc.at("nvme", "CD");
    soc.field(soc.at("nic", "STE"), 6n, 46n, nvmeCd >> 6n);
    expectBinding(
      soc.verify(),
      "nic",
      "device-binding-wrong",
      /\(table pcie_smmu\.default\.nvme\)/,
    );
  });

  it("S1CDMax > 0 with S1DSS terminate: transactions without a SubstreamID abort", () => {
    const soc = new Soc();
    const ste = soc.at("gpu", "STE");
    soc.field(ste, 59n, 5n, 1n);
    soc.field(ste + 8n, 0n, 2n, 0n);
    expectBinding(soc.verify(), "gpu", "device-binding-wrong", /S1DSS=terminate/);
  });

  it("S1CDMax > 0 with S1DSS bypass: the device bypasses", () => {
    const soc = new Soc();
    const ste = soc.at("gpu", "STE");
    soc.field(ste, 59n, 5n, 1n);
    soc.field(ste + 8n, 0n, 2n, 1n);
    expectBinding(soc.verify(), "gpu", "device-binding-wrong", /S1DSS=bypass/);
  });
});

describe("smmu-streams.vcm: corrupted CD fields", () => {
  const cases: [string, (soc: Soc, cd: bigint) => void, RegExp][] = [
    ["V cleared", (s, cd) => s.flip(cd, 0n, 1n << 31n), /CD\[0\] of STE\[0x3\]: V=0/],
    ["AA64 cleared", (s, cd) => s.flip(cd, 0n, 1n << 41n), /AA64=0/],
    ["ENDI set", (s, cd) => s.flip(cd, 1n << 15n), /ENDI=1/],
    ["EPD0 set", (s, cd) => s.flip(cd, 1n << 14n), /EPD0=1/],
    [
      "T0SZ 16 (48-bit)",
      (s, cd) => s.field(cd, 0n, 6n, 16n),
      /T0SZ 16 \(48-bit input, the tables are 40-bit\)/,
    ],
    ["TG0 64K", (s, cd) => s.field(cd, 6n, 2n, 1n), /TG0 1/],
    ["IPS 48-bit", (s, cd) => s.field(cd, 32n, 3n, 5n), /IPS 5/],
    ["MAIR", (s, cd) => s.memory.write64(cd + 24n, 0x44n), /MAIR 0x44/],
    ["ASID", (s, cd) => s.field(cd, 48n, 16n, 77n), /id 77/],
    [
      "TTB0 -> another table",
      (s, cd) => s.memory.write64(cd + 8n, 0x7000_0000n),
      /root 0x70000000/,
    ],
  ];
  for (const [what, corrupt, found] of cases)
    it(`CD.${what}`, () => {
      const soc = new Soc();
      corrupt(soc, soc.at("gpu", "CD"));
      expectBinding(soc.verify(), "gpu", "device-binding-wrong", found);
    });
});

describe("smmu-streams.vcm: corrupted L1 descriptors and registers", () => {
  it("L1STD.Span 0: no level-2 table for the bus", () => {
    const soc = new Soc();
    soc.field(soc.at("nic", "L1STD"), 0n, 5n, 0n);
    expectBinding(soc.verify(), "nic", "device-binding-wrong", /Span=0/);
  });

  it("L1STD.L2Ptr moved: the STE is read from elsewhere", () => {
    const soc = new Soc();
    soc.field(soc.at("nic", "L1STD"), 6n, 46n, 0x8000_0000n >> 6n);
    expectBinding(soc.verify(), "nic", "device-binding-wrong", /STE\[0x100\]: V=0/);
  });

  it("CR0.SMMUEN cleared: every stream bypasses, blocked devices included", () => {
    const soc = new Soc();
    const regs = soc.mapper("media_smmu").instance!.registers;
    regs["CR0"] = regs["CR0"]! & ~1n;
    const report = soc.verify();
    expectBinding(report, "gpu", "device-binding-wrong", /SMMUEN=0/);
    expectBinding(report, "codec", "untranslated-binding-wrong", /SMMUEN=0/);
    expect(bindingFailures(report, "isp")).toEqual([]);
  });

  it("STRTAB_BASE_CFG.LOG2SIZE too small: StreamIDs beyond it are C_BAD_STREAMID", () => {
    const soc = new Soc();
    const regs = soc.mapper("media_smmu").instance!.registers;
    regs["STRTAB_BASE_CFG"] = 4n;
    const report = soc.verify();
    expectBinding(report, "isp", "untranslated-binding-wrong", /LOG2SIZE 4/);
    expect(bindingFailures(report, "gpu")).toEqual([]);
  });

  it("STRTAB_BASE moved by one STE: every stream reads its neighbour's entry", () => {
    const soc = new Soc();
    const regs = soc.mapper("media_smmu").instance!.registers;
    regs["STRTAB_BASE"] = regs["STRTAB_BASE"]! - 64n;
    const report = soc.verify();
    expectBinding(report, "gpu", "device-binding-wrong", /abort/);
  });
});

const MMU500 = `topology v2
memory dram 0x8000_0000 .. +1G ram
pool tables in dram[0x3000_0000 .. +4M]
iommu smmu : arm-lpae { model mmu-500; granule 4K; ias 48; oas 48 }
device dma0 behind smmu stream 0x40
device dma1 behind smmu stream 0x41
device pass behind smmu stream 0x50
device off  behind smmu stream 0x60
domain d0 on smmu { type dma; aperture 0 .. 4G; attach dma0 }
domain id on smmu { type identity; attach pass }
domain bl on smmu { type blocked; attach off }
buffer b0 in dram size 64K
buffer b1 in dram size 64K
map b0 -> d0 rw
map b1 -> dma1 rw
expect dma0 writes b0
expect dma1 cannot read b0
`;

describe("SMMUv2 (mmu-500): SMR/S2CR and context-bank registers proved", () => {
  const soc = () => new Soc(lowerText(MMU500));
  const regs = (s: Soc) => s.mapper("smmu").instance!.registers;
  const smrOf = (s: Soc, id: bigint) =>
    Object.entries(regs(s))
      .find(([k, v]) => k.startsWith("SMR") && (v & 0x7fffn) === id)![0]
      .slice(3);

  it("proves as built", () => {
    const report = soc().verify();
    expect(report.failures.map((f) => f.message)).toEqual([]);
    expect(report.status).toBe("proved");
  });

  it("S2CR.CBNDX pointing at the other domain's context bank", () => {
    const s = soc();
    const n = smrOf(s, 0x40n);
    const other = regs(s)[`S2CR${smrOf(s, 0x41n)}`]!;
    regs(s)[`S2CR${n}`] = other;
    expectBinding(
      s.verify(),
      "dma0",
      "device-binding-wrong",
      /root 0x[0-9a-f]+ id \d+ \(table smmu\.default\.dma1\)/,
    );
  });

  it("S2CR.TYPE of an identity device set to fault", () => {
    const s = soc();
    regs(s)[`S2CR${smrOf(s, 0x50n)}`] = 2n << 16n;
    expectBinding(s.verify(), "pass", "untranslated-binding-wrong", /TYPE=fault/);
  });

  it("SMR of a blocked device invalidated with sCR0.USFCFG=0: it bypasses", () => {
    const s = soc();
    regs(s)[`SMR${smrOf(s, 0x60n)}`] = 0n;
    regs(s)["SCR0"] = regs(s)["SCR0"]! & ~(1n << 10n);
    expectBinding(s.verify(), "off", "untranslated-binding-wrong", /matches no SMR; sCR0.USFCFG=0/);
  });

  it("context bank SCTLR.M cleared: the bank does not translate", () => {
    const s = soc();
    const cb = regs(s)[`S2CR${smrOf(s, 0x40n)}`]! & 0xffn;
    regs(s)[`CB${cb}_SCTLR`] = regs(s)[`CB${cb}_SCTLR`]! & ~1n;
    expectBinding(s.verify(), "dma0", "device-binding-wrong", /SCTLR: M=0/);
  });
});
