/**
 * The nested binding of samples/vm-nested.vcm as the SMMUv3 holds it: the nic's STE says Config =
 * nested with S2TTB/VMID of the VM's stage 2, its S1ContextPtr is an IPA, and the CD there (in
 * guest RAM) names the guest's stage-1 root by its IPA. The prover reads all of it from the bytes
 * (the CD through the stage 2 the STE names); one field at a time is corrupted and the failure
 * must name the device and the structure.
 *
 * Addresses, by hand from the sample: guest RAM `gram` is IPA 0x4000_0000, backed at host
 * 0x9000_0000; the guest's tables pool is its first 1M, where the stage-1 root (16 bytes: a
 * 40-bit input with 4K pages has a 2-entry level 0) is at IPA 0x4000_0000 and the CD, 64-byte
 * aligned after it, at IPA 0x4000_0040. The stage-2 table is the first thing in host_tables
 * (0x8000_0000), its VMID 1; the nic's ASID (the nested domain's id) 2.
 */
import { describe, expect, it } from "vitest";
import { explain, explainText, verify } from "../../src/runtime/index.js";
import type { RunReport } from "../../src/runtime/report.js";
import { lowerFile, type Lowered } from "./helpers.js";

const SAMPLE = "samples/vm-nested.vcm";
const GRAM_IPA = 0x4000_0000n;
const GRAM_HOST = 0x9000_0000n;

/** The nic's STE (host address), read back with the plugin's own lookup steps. */
function nicSte(l: Lowered): bigint {
  const mapper = l.compiled.mappers.find((m) => m.name === "smmu")!;
  const params = l.ir.mappers.find((m) => m.name === "smmu")!.params;
  const found = l.plugins.get("arm-lpae")!.lookupDevice!(
    l.compiled.memory,
    params,
    mapper.instance!.registers,
    0x100n,
  );
  return found.steps!.find((s) => s.structure === "STE[0x100]")!.address;
}

function setField(l: Lowered, at: bigint, lsb: bigint, width: bigint, value: bigint): void {
  const mask = ((1n << width) - 1n) << lsb;
  const m = l.compiled.memory;
  m.write64(at, (m.read64(at) & ~mask) | ((value << lsb) & mask));
}

/** The nic's binding failures (VCM0404), with what was found. */
function nicBinding(r: RunReport): string[] {
  return r.failures
    .filter((f) => f.endpoint === "nic" && f.check === "device-binding-wrong")
    .map((f) => {
      expect(f.code).toBe("VCM0404");
      return f.found ?? "";
    });
}

const run = (l: Lowered) => verify(l.compiled, l.ir, l.plugins, { scenarios: false });

describe("vm-nested sample: the nested STE and the guest's CD, from bytes", () => {
  it("the STE is Config=nested with the VM's stage 2; the CD is in guest RAM at an IPA", () => {
    const l = lowerFile(SAMPLE);
    const mem = l.compiled.memory;
    const ste = nicSte(l);
    const vm0 = l.compiled.tables.find((t) => t.name === "vm0")!;
    // Dword 0: V | Config 0b111 | S1ContextPtr = IPA 0x4000_0040.
    expect(mem.read64(ste)).toBe(0x4000_0040n | 0b1111n);
    expect(mem.read64(ste + 16n) & 0xffffn).toBe(1n); // S2VMID
    expect(mem.read64(ste + 24n)).toBe(vm0.context.root); // S2TTB
    expect(vm0.context.root).toBe(0x8000_0000n);
    // The CD at host 0x9000_0040: V, AA64, ASID 2; TTB0 the stage-1 root's IPA.
    const cd0 = mem.read64(GRAM_HOST + 0x40n);
    expect((cd0 >> 31n) & 1n).toBe(1n);
    expect(cd0 >> 48n).toBe(2n);
    expect(mem.read64(GRAM_HOST + 0x48n)).toBe(GRAM_IPA);
    expect(run(l).failures).toEqual([]);
  });

  it("explain shows the STE, the stage-2 walk of S1ContextPtr, the CD, then both walks", () => {
    const l = lowerFile(SAMPLE);
    const r = explain(l.compiled, "nic", 0x20_0000n);
    expect(r.bindingSteps!.map((s) => s.structure)).toEqual([
      "L1STD[0x1]",
      "STE[0x100]",
      "S2 L1[1] for S1ContextPtr IPA 0x40000040",
      "S2 L2[0] for S1ContextPtr IPA 0x40000040",
      "CD[0] of STE[0x100] (IPA)",
    ]);
    expect(r.bindingSteps![1]!.decoded).toMatch(
      /^V=1 Config=nested S1ContextPtr=0x40000040 .* S2VMID=1 .* S2TTB=0x80000000$/,
    );
    // The stage-2 leaf for the CD's IPA: the 2M block of guest RAM at host 0x9000_0000.
    expect(r.bindingSteps![3]!.decoded).toMatch(/^block pa=0x90000000 /);
    expect(r.bindingSteps![4]!.decoded).toMatch(/ASID=2 TTB0=0x40000000 /);
    expect(r.outcome).toMatchObject({ ok: true, pa: 0x9020_0000n });
    const kinds = r.walks[0]!.steps.map((s) => s.decoded.slice(0, 2));
    expect(kinds.filter((k) => k === "S1")).toHaveLength(3); // levels 0, 1, a 2M block at 2
    expect(kinds.filter((k) => k === "S2").length).toBeGreaterThan(4);
    const text = explainText(r).split("\n");
    expect(text[2]).toMatch(/^ {2}STE\[0x100\] @ 0x[0-9a-f]+ = 0x4000004f: V=1 Config=nested /);
    expect(text[5]).toMatch(/^ {2}CD\[0\] of STE\[0x100\] \(IPA\) @ 0x40000040 = /);
    expect(text[6]).toMatch(/^ {2}table nic_dom \(arm-lpae, root 0x40000000\)/);
  });
});

describe("vm-nested sample: corrupted nested STE and guest CD", () => {
  it("S2TTB pointing at an empty page: the CD's IPA is not mapped by that stage 2", () => {
    const l = lowerFile(SAMPLE);
    const ste = nicSte(l);
    l.compiled.memory.write64(ste + 24n, 0x8010_0000n);
    const r = run(l);
    expect(nicBinding(r)).toEqual([
      "fault: STE[0x100]: S1ContextPtr IPA 0x40000040 is not mapped by the stage 2 (S2TTB 0x80100000, VMID 1): invalid descriptor at level 1",
    ]);
    expect(r.status).toBe("failed");
  });

  it("S2TTB pointing at another stage 2 the CD happens to resolve through: the wrong stage-2 root", () => {
    const l = lowerFile(SAMPLE);
    const ste = nicSte(l);
    // A copy of vm0's root page elsewhere in host_tables: same translations, another root.
    const mem = l.compiled.memory;
    for (let i = 0n; i < 0x2000n; i += 8n)
      mem.write64(0x8020_0000n + i, mem.read64(0x8000_0000n + i));
    mem.write64(ste + 24n, 0x8020_0000n);
    expect(nicBinding(run(l))).toEqual(["stage-2 root 0x80200000, vmid 1"]);
  });

  it("S2VMID changed: the binding's VMID is not the VM's", () => {
    const l = lowerFile(SAMPLE);
    setField(l, nicSte(l) + 16n, 0n, 16n, 7n);
    expect(nicBinding(run(l))).toEqual(["stage-2 root 0x80000000, vmid 7"]);
  });

  it("S1ContextPtr holding the CD's host address instead of its IPA: outside guest memory", () => {
    const l = lowerFile(SAMPLE);
    setField(l, nicSte(l), 6n, 46n, (GRAM_HOST + 0x40n) >> 6n);
    const [found] = nicBinding(run(l));
    expect(found).toMatch(
      /^fault: STE\[0x100\]: S1ContextPtr IPA 0x90000040 is not mapped by the stage 2 \(S2TTB 0x80000000, VMID 1\)/,
    );
  });

  it("S2SL0 or S2T0SZ changed: the SMMU would walk the VM's tables with other indexes", () => {
    const l = lowerFile(SAMPLE);
    setField(l, nicSte(l) + 16n, 38n, 2n, 2n); // start at level 0, the tables start at 1
    expect(nicBinding(run(l))).toEqual(["fault: STE[0x100]: S2SL0=2 (the stage-2 tables need 1)"]);
    const m = lowerFile(SAMPLE);
    setField(m, nicSte(m) + 16n, 32n, 6n, 25n); // a 39-bit IPA space: the same walk for gram
    expect(nicBinding(run(m))).toEqual([
      "fault: STE[0x100]: S2T0SZ=25 (the stage-2 tables need 24)",
    ]);
  });

  it("the guest CD's TTB0 holding the root's host address: another stage-1 root", () => {
    const l = lowerFile(SAMPLE);
    l.compiled.memory.write64(GRAM_HOST + 0x48n, GRAM_HOST);
    const r = run(l);
    expect(nicBinding(r)).toEqual(["root 0x90000000 id 2"]);
    // Walked as an IPA, 0x9000_0000 is outside guest memory: the nic reaches none of its maps.
    expect(r.failures.some((f) => f.endpoint === "nic" && f.check === "translation-missing")).toBe(
      true,
    );
  });

  it("stage 2 no longer mapping the CD's page: the SMMU cannot fetch the CD", () => {
    const l = lowerFile(SAMPLE);
    const plugin = l.plugins.get("arm-lpae")!;
    plugin.unmap(l.compiled.live!.handles.get("vm0")!, GRAM_IPA, 0x1000n);
    expect(nicBinding(run(l))).toEqual([
      "fault: STE[0x100]: S1ContextPtr IPA 0x40000040 is not mapped by the stage 2 (S2TTB 0x80000000, VMID 1): invalid descriptor at level 3",
    ]);
  });

  it("the guest CD invalid (V=0): C_BAD_CD, named with its IPA", () => {
    const l = lowerFile(SAMPLE);
    setField(l, GRAM_HOST + 0x40n, 31n, 1n, 0n);
    expect(nicBinding(run(l))).toEqual(["fault: CD[0] of STE[0x100] (IPA): V=0 (C_BAD_CD)"]);
  });
});
