/**
 * Issue 8 §4-6 at `vcm run`: revoke refused under a pin (EBUSY), map of a revoked region
 * refused until `restore` (ENODEV), a no-MMU importer of a revoked BAR is a failure, reservations
 * fault until backed; failures carry the step's location and name buffers, not ids.
 */
import { D } from "../../src/diagnostics/catalogue.js";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FailureSink } from "../../src/runtime/failure-sink.js";
import { explain, runReportText, verify } from "../../src/runtime/index.js";
import type { RunReport } from "../../src/runtime/report.js";
import { lowerText } from "./helpers.js";

const P2P = readFileSync("samples/p2p-revoke.vcm", "utf8");

function run(text: string): RunReport {
  const l = lowerText(text);
  return verify(l.compiled, l.ir, l.plugins);
}

function failuresOf(report: RunReport, scenario: string) {
  return report.failures.filter((f) => f.scenario === scenario);
}

describe("revoke and restore", () => {
  it("the sample proves: revoke, re-import after restore, unpin then revoke", () => {
    const r = run(P2P);
    expect(r.failures.map((f) => f.message)).toEqual([]);
    const reimport = r.scenarios.find((s) => s.name === "reimport")!;
    expect(reimport.steps.map((s) => s.text)).toContain("restore gpu_bar");
  });

  it("a pinned importer blocks the revoke (EBUSY), naming it; nothing is revoked", () => {
    const r = run(P2P + "scenario s {\n  revoke gpu_regs\n  expect nic writes gpu_regs\n}\n");
    const f = failuresOf(r, "s");
    expect(f.map((x) => [x.check, x.step])).toEqual([["revoke-pinned", 1]]);
    expect(f[0]!.message).toContain("EBUSY");
    expect(f[0]!.message).toContain("the mapping of gpu_regs");
    expect(f[0]!.message).toContain("(nic)");
    expect(f[0]!.span?.line).toBe(P2P.split("\n").length + 1);
  });

  it("an unpinned importer does not block the revoke", () => {
    const r = run(P2P + "scenario s { revoke gpu_bar }\n");
    expect(failuresOf(r, "s")).toEqual([]);
  });

  it("a map of a revoked region is refused until restore (ENODEV)", () => {
    const again = "map gpu_bar[0 .. +64M] -> nic_dom at 0x40_0000_0000 rw p2p device";
    const r = run(
      P2P +
        `scenario s {\n  revoke gpu_bar\n  ${again}\n  expect nic faults at 0x40_0000_0000\n}\n`,
    );
    const f = failuresOf(r, "s");
    expect(f.map((x) => [x.check, x.step])).toEqual([["map-revoked", 2]]);
    expect(f[0]!.message).toContain("ENODEV");
    expect(f[0]!.span).toBeDefined();
    const ok = run(P2P + `scenario s {\n  revoke gpu_bar\n  restore gpu_bar\n  ${again}\n}\n`);
    expect(failuresOf(ok, "s")).toEqual([]);
  });

  it("a re-import after restore replaces the dummy page the revoke left", () => {
    const r = run(
      P2P +
        `scenario s {
  revoke gpu_bar dummy scratch
  restore gpu_bar
  map gpu_bar[0 .. +64M] -> nic_dom at 0x40_0000_0000 rw p2p device
  expect nic writes gpu_bar[0 .. +64M]
  expect nic cannot write scratch
}
`,
    );
    expect(failuresOf(r, "s").map((f) => f.message)).toEqual([]);
  });

  it("restore of a region that is not revoked changes nothing, and says so", () => {
    const r = run(P2P + "scenario s { restore gpu_bar }\n");
    expect(failuresOf(r, "s")).toEqual([]);
    expect(r.scenarios.find((s) => s.name === "s")!.steps[0]!.notes).toEqual([
      "gpu_bar was not revoked: nothing to restore",
    ]);
  });

  it("a no-MMU importer that still maps the revoked BAR is a failure, not ok", () => {
    const extra = "dma sdma dma-mask 48\nmap gpu_bar[64M .. +4K] -> sdma at auto rw p2p\n";
    const r = run(P2P + extra + "scenario s { revoke gpu_bar }\n");
    const f = failuresOf(r, "s");
    expect(f.map((x) => [x.check, x.endpoint])).toEqual([["revoke-no-mmu-importer", "sdma"]]);
    expect(f[0]!.span).toBeDefined();
    const ok = run(
      P2P + extra + "scenario s {\n  unmap gpu_bar[64M .. +4K] from sdma\n  revoke gpu_bar\n}\n",
    );
    expect(failuresOf(ok, "s")).toEqual([]);
  });
});

const RESV = `topology resv
memory ddr 0x8000_0000 .. +1G ram
pool tables in ddr[0 .. +16M]
iommu smmu : arm-lpae { stage 1; granule 4K; ias 32; oas 40 }
device vdec behind smmu stream 1
domain vdec_dom on smmu { aperture 0 .. 4G; attach vdec }
reservation frames in vdec_dom size 8M align 2M
buffer f0 in ddr size 4M align 2M
buffer f1 in ddr size 4M align 2M
map f0 -> frames rw
expect vdec reads f0
`;

describe("reservations", () => {
  it("back, unback and fault: the unbacked half faults, the backed one is proved", () => {
    const r = run(
      RESV +
        `scenario bind {
           expect vdec faults at frames + 4M
           map f1 -> frames at frames + 4M rw
           expect vdec reads f1
           unmap f0 from frames
           expect vdec faults at frames
           expect vdec cannot read f0
         }\n`,
    );
    expect(r.failures.map((f) => f.message)).toEqual([]);
    expect(r.scenarios[0]!.steps.map((s) => s.text)).toEqual([
      expect.stringContaining("expect vdec faults"),
      "map f1 -> frames",
      "expect vdec reads f1",
      "unmap f0 from frames",
      expect.stringContaining("expect vdec faults"),
      "expect vdec cannot read f0",
    ]);
  });

  it("the report says how much of each reservation is backed, and by what", () => {
    const r = run(RESV);
    expect(r.reservations).toEqual([
      {
        name: "frames",
        domain: "vdec_dom",
        base: expect.any(BigInt),
        size: 8n << 20n,
        backed: 4n << 20n,
        by: ["f0"],
      },
    ]);
    expect(runReportText(r)).toMatch(
      /reservation frames in vdec_dom 0x[0-9a-f]+\.\.0x[0-9a-f]+: 0x400000 bytes backed by f0, 0x400000 unbacked \(faults\)/,
    );
  });

  it("an unbacked reservation is declared but unreachable: expecting a read there fails", () => {
    const r = run(RESV + "scenario s {\n  unmap f0 from frames\n  expect vdec reads f0\n}\n");
    expect(failuresOf(r, "s").map((f) => [f.check, f.step])).toEqual([["expect-failed", 2]]);
  });

  it("a stray leaf inside an unbacked reservation is undeclared reach that names it", () => {
    const l = lowerText(RESV);
    const res = l.ir.reservations[0]!.range;
    const table = l.compiled.tables.find((t) => t.name === "vdec_dom")!;
    const handle = l.compiled.live!.handles.get("vdec_dom")!;
    // Behind the compiler's back: one page of f1 at the unbacked half of the reservation.
    const f1 = l.ir.buffers.find((b) => b.name === "f1")!.chunks[0]!.pa;
    l.plugins.get(table.format)!.map(handle, res.base + (4n << 20n), f1, 4096n, 1, 3, 0);
    const r = verify(l.compiled, l.ir, l.plugins, { scenarios: false });
    const f = r.failures.filter((x) => x.check === "undeclared-reach");
    expect(f.map((x) => x.address)).toEqual([res.base + (4n << 20n)]);
    expect(f[0]!.message).toContain("inside reservation 'frames'");
  });

  it("explain says a fault lies inside an unbacked reservation", () => {
    const l = lowerText(RESV);
    const res = l.ir.reservations[0]!.range;
    const fault = explain(l.compiled, "vdec", res.base + (4n << 20n));
    expect(fault.outcome.ok).toBe(false);
    expect(fault.outcome.ok ? "" : fault.outcome.reason).toContain("inside reservation 'frames'");
    expect(explain(l.compiled, "vdec", res.base).outcome.ok).toBe(true);
  });

  it("the allocator never hands out reserved addresses", () => {
    const l = lowerText(RESV.replace("map f0 -> frames rw", "map f0 -> vdec_dom at auto rw"));
    const res = l.ir.reservations[0]!.range;
    const m = l.compiled.mappings.find((x) => x.buffer === "f0")!;
    expect(m.iova + m.size <= res.base || m.iova >= res.base + res.size).toBe(true);
  });
});

describe("locations and names in scenario failures", () => {
  it("map-unregistered (VCM0416) in a scenario carries the step's location and the buffer", () => {
    const spapr = readFileSync("samples/spapr-v2.vcm", "utf8").replace(
      /scenario hot_add[\s\S]*$/,
      "",
    );
    const r = run(
      spapr + "scenario s { map guest[8G .. +1M] -> c0.ddw at 0x0800_0002_0000_0000 rw }\n",
    );
    const f = r.failures.find((x) => x.check === "map-unregistered")!;
    expect(f.span?.line).toBe(spapr.split("\n").length);
    expect(f.message).not.toMatch(/mapping #\d/);
    expect(f.message).toContain("the mapping of guest");
  });

  it("a failure with no location of its own takes the step's", () => {
    const sink = new FailureSink(10);
    const span = lowerText(P2P).ir.scenarios[0]!.steps[0]!.span;
    sink.context = { scenario: "s", step: 1, span };
    sink.report(
      D.undeclaredReach,
      { endpoint: "dev", range: "r", found: "f" },
      { expected: "e", found: "f" },
    );
    expect(sink.failures[0]!.span).toBe(span);
  });

  it("after a migrate, a failure names the region the buffer is in now", () => {
    const text = `topology mig
memory ddr 0x8000_0000 .. +1G ram
memory ocm 0x1000_0000 .. +16M ram
pool tables in ddr[0 .. +16M]
iommu smmu : arm-lpae { stage 1; granule 4K; ias 32; oas 40 }
device disp behind smmu stream 1
domain disp_dom on smmu { aperture 0 .. 4G; attach disp }
buffer frame in ddr size 64K
map frame -> disp_dom at 0x10_0000 r
scenario s {
  migrate frame to ocm
  expect disp cannot read frame
}
`;
    const r = run(text);
    const f = failuresOf(r, "s");
    expect(f.map((x) => x.check)).toEqual(["expect-failed"]);
    expect(f[0]!.message).toContain("buffer frame in ocm");
    expect(f[0]!.message).not.toContain("in ddr");
  });
});
