/** Scenario semantics: power-off, attach/detach, expects (sPAPR: spapr-containers.test.ts). */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { verify } from "../../src/runtime/index.js";
import type { RunReport } from "../../src/runtime/report.js";
import { lowerText } from "./helpers.js";

function run(text: string): RunReport {
  const l = lowerText(text);
  return verify(l.compiled, l.ir, l.plugins);
}

function checks(report: RunReport, scenario: string): [string, number | undefined][] {
  return report.failures.filter((f) => f.scenario === scenario).map((f) => [f.check, f.step]);
}

const P2P = readFileSync("samples/p2p-revoke.vcm", "utf8");

describe("other steps", () => {
  it("power-off lists every endpoint that still maps the region", () => {
    const r = run(P2P + `scenario off { power-off gpu_bar }`);
    const f = r.failures.filter((x) => x.check === "power-off-still-mapped");
    expect(f.map((x) => [x.endpoint, x.address])).toEqual([["nic", 0x40_0000_0000n]]);
    expect(r.scenarios.find((s) => s.name === "off")!.steps[0]!.notes[0]).toBe(
      "still mapped by nic",
    );
  });

  it("power-off after revoking is clean", () => {
    const r = run(P2P + `scenario off { revoke gpu_bar\n power-off gpu_bar }`);
    expect(r.failures).toEqual([]);
  });

  it("attach moves a device to another domain through the IOMMU's structures; expects follow", () => {
    const r = run(
      P2P +
        `scenario move {
           detach gpu
           attach gpu to nic_dom
           expect gpu writes rx
           detach gpu
           expect gpu cannot write rx
         }`,
    );
    expect(r.failures.map((f) => f.message)).toEqual([]);
    const s = r.scenarios.find((x) => x.name === "move")!;
    expect(s.steps[1]!.reverified).toContain("gpu");
    // detach returns the group to its own default domain, made for it (iommu_detach_group).
    expect(s.steps[0]!.notes).toEqual([
      "moved gpu (the group of 'gpu' on 'smmu'): domain gpu_dom -> domain smmu.default.gpu",
    ]);
  });

  it("attach of a group already in another (non-default) domain is refused: EBUSY", () => {
    const r = run(P2P + `scenario busy {\n attach gpu to nic_dom\n}`);
    const f = r.failures.filter((x) => x.scenario === "busy");
    expect(f.map((x) => [x.check, x.code, x.span?.line])).toEqual([
      ["attach-busy", "VCM0433", P2P.split("\n").length + 1],
    ]);
    expect(f[0]!.message).toContain("EBUSY");
  });

  it("VT-d: attach rewrites the context entries, and the device then sees the other domain", () => {
    const text = readFileSync("samples/default-domains.vcm", "utf8");
    const r = run(
      text +
        `scenario move {
           attach nvme to usb_dom
           expect nvme reads usb_ring
           expect nvme cannot read nvme_data
           detach nvme
           expect nvme reads nvme_data
         }`,
    );
    expect(r.failures.map((f) => f.message)).toEqual([]);
    const move = r.scenarios.find((s) => s.name === "move")!;
    expect(move.steps[0]!.reverified).toEqual(["nic_f0", "nic_f1", "nvme", "usb"]);
  });

  it("a false expect fails at its step, naming what it found", () => {
    const r = run(P2P + `scenario bad { expect gpu writes rx }`);
    expect(checks(r, "bad")).toEqual([["expect-failed", 1]]);
  });

  it("unmap of something not mapped is a failed step", () => {
    const r = run(P2P + `scenario bad { unmap scratch from nic_dom }`);
    expect(checks(r, "bad")).toEqual([["scenario-step-failed", 1]]);
  });
});

describe("top-level expects", () => {
  it("each kind fails when it does not hold", () => {
    const text = P2P.replace("expect gpu cannot write rx", "expect gpu cannot write vram_rx")
      .concat("expect nic faults at 0x40_0000_0000\n")
      .concat("expect nic sees rx at 0x40_0000_0000\n")
      .concat("expect gpu reads rx\n");
    const r = run(text);
    const failed = r.expects.filter((e) => !e.ok).map((e) => e.text);
    expect(failed).toEqual([
      "gpu cannot write vram_rx",
      "nic faults at 0x4000000000",
      "nic sees rx at 0x4000000000",
      "gpu reads rx",
    ]);
    expect(r.failures.every((f) => f.check === "expect-failed" && f.span !== undefined)).toBe(true);
  });
});
