/**
 * AArch64 translation regimes end to end: the two samples are proved from their bytes, explain
 * names the regime, and the runtime reads each regime's registers as the hardware would:
 * mmu-off (VCM0482, SCTLR_ELx.M = 0), wxn-blocks-exec (VCM0483, SCTLR_ELx.WXN with writable
 * code), register-reserved-bits (VCM0484, a RES1 bit clear), each firing and quiet, and the NS
 * bit proved as an attribute.
 */
import { describe, expect, it } from "vitest";
import { Explainer, verify } from "../../src/runtime/index.js";
import { explainText } from "../../src/runtime/report-text.js";
import { lowerFile, lowerText, type Lowered } from "./helpers.js";

const EL3 = "samples/el3-firmware.vcm";
const EL2 = "samples/el2-hypervisor.vcm";

/** Replace one table's registers in place and prove again. */
function proveWith(
  l: Lowered,
  table: string,
  edit: (r: Record<string, bigint>) => Record<string, bigint>,
) {
  const t = l.compiled.tables.find((x) => x.name === table)!;
  const before = t.context.registers;
  t.context.registers = edit({ ...before });
  try {
    return verify(l.compiled, l.ir, l.plugins, { scenarios: false });
  } finally {
    t.context.registers = before;
  }
}

describe("the samples", () => {
  it("el3-firmware is proved, with Secure and Non-secure pages told apart", () => {
    const l = lowerFile(EL3);
    const report = verify(l.compiled, l.ir, l.plugins);
    expect(report.failures.map((f) => f.message)).toEqual([]);
    expect(report.status).toBe("proved");
    const bl31 = report.endpoints.find((e) => e.endpoint === "bl31")!;
    expect(Object.keys(bl31.attributes ?? {}).sort()).toEqual([
      "cacheable non-secure",
      "cacheable secure",
      "device non-secure",
      "device secure",
    ]);
  });

  it("el3-firmware: explain states the regime, WXN and the NS bit", () => {
    const l = lowerFile(EL3);
    const e = new Explainer(l.compiled);
    const window = explainText(e.explain("bl31", 0x6000_0000n));
    expect(window).toContain("table bl31 (arm-lpae, EL3 regime, WXN, root ");
    expect(window).toContain(" NS AF XN");
    expect(window).toContain("rw-p cacheable non-secure");
    const code = e.explain("bl31", 0x0e00_0000n);
    expect(code.walks[0]!.regime).toBe("EL3");
    expect(code.outcome).toMatchObject({ ok: true, prot: "r-xp", attributes: "cacheable secure" });
  });

  it("el2-hypervisor is proved; the EL2 and EL2&0 registers carry their own names", () => {
    const l = lowerFile(EL2);
    const report = verify(l.compiled, l.ir, l.plugins);
    expect(report.failures.map((f) => f.message)).toEqual([]);
    const regs = (name: string) =>
      Object.keys(l.compiled.tables.find((t) => t.name === name)!.context.registers);
    expect(regs("hyp")).toEqual(["TTBR0_EL2", "TCR_EL2", "MAIR_EL2", "SCTLR_EL2"]);
    expect(regs("host")).toEqual(["TTBR0_EL2", "TTBR1_EL2", "TCR_EL2", "MAIR_EL2", "SCTLR_EL2"]);
    const e = new Explainer(l.compiled);
    expect(e.explain("hyp", 0x1000_0000n).walks[0]!.regime).toBe("EL2");
    expect(e.explain("host", 0xffff_ffc0_0800_0000n).walks[0]!.regime).toBe("EL2&0");
  });
});

describe("mmu-off (VCM0482)", () => {
  const l = lowerFile(EL3);
  it("fires when SCTLR_EL3.M is 0", () => {
    const r = proveWith(l, "bl31", (x) => ({ ...x, SCTLR_EL3: x["SCTLR_EL3"]! & ~1n }));
    const f = r.failures.filter((x) => x.check === "mmu-off");
    expect(f.map((x) => [x.code, x.endpoint])).toEqual([["VCM0482", "bl31"]]);
    expect(f[0]!.span?.line).toBeGreaterThan(0);
    expect(r.status).not.toBe("proved");
  });
  it("is quiet with M = 1, and for a context without an SCTLR (no `regime`)", () => {
    expect(proveWith(l, "bl31", (x) => x).failures).toEqual([]);
    const plain = lowerFile("samples/kernel-halves.vcm");
    expect(verify(plain.compiled, plain.ir, plain.plugins, { scenarios: false }).failures).toEqual(
      [],
    );
  });
});

describe("wxn-blocks-exec (VCM0483)", () => {
  const text = `topology t
memory sram 0x0E00_0000 .. +16M ram secure
pool tables in sram[0xF0_0000 .. +1M]
mmu m : arm-lpae { regime el3; va-bits 39; pa-bits 40 }
cpu mon via m
buffer code in sram size 64K
buffer data in sram size 64K
map code -> mon at 0x0E00_0000 rx priv
map data -> mon at 0x0E01_0000 rwx priv
`;
  const l = lowerText(text);
  const wxn = (x: Record<string, bigint>) => ({ ...x, SCTLR_EL3: x["SCTLR_EL3"]! | (1n << 19n) });

  it("fires when WXN is set and a declared mapping is writable and executable", () => {
    const r = proveWith(l, "mon", wxn);
    const f = r.failures.filter((x) => x.check === "wxn-blocks-exec");
    expect(f.map((x) => [x.code, x.found])).toEqual([["VCM0483", "16 pages"]]);
    // The proof reads those pages as the MMU does: writable, so not executable.
    const perms = r.failures.filter((x) => x.check === "permission-mismatch");
    expect(perms.length).toBeGreaterThan(0);
    expect(perms[0]!.message).toContain("grants rw-p, declared rwxp");
  });

  it("is quiet without WXN, and with WXN when nothing writable is executable", () => {
    expect(proveWith(l, "mon", (x) => x).failures).toEqual([]);
    const fine = lowerText(text.replace("rwx priv", "rw priv"));
    expect(proveWith(fine, "mon", wxn).failures).toEqual([]);
  });
});

describe("register-reserved-bits (VCM0484)", () => {
  const l = lowerFile(EL3);
  it("fires for each RES1 bit of TCR_EL3 and SCTLR_EL3 that is clear", () => {
    const r = proveWith(l, "bl31", (x) => ({
      ...x,
      TCR_EL3: x["TCR_EL3"]! & ~(1n << 31n),
      SCTLR_EL3: x["SCTLR_EL3"]! & ~(1n << 4n),
    }));
    const f = r.failures.filter((x) => x.check === "register-reserved-bits");
    expect(f.map((x) => [x.code, x.message])).toEqual([
      ["VCM0484", "bl31: TCR_EL3 bit 31 (RES1) is 0"],
      ["VCM0484", "bl31: SCTLR_EL3 bit 4 (RES1) is 0"],
    ]);
  });
  it("is quiet for the registers VCM writes, at every regime", () => {
    expect(proveWith(l, "bl31", (x) => x).failures).toEqual([]);
    const el2 = lowerFile(EL2);
    expect(verify(el2.compiled, el2.ir, el2.plugins, { scenarios: false }).failures).toEqual([]);
  });
});

describe("the NS bit is proved", () => {
  it("a Secure page whose NS bit is set fails as an attribute mismatch", () => {
    const l = lowerFile(EL3);
    const e = new Explainer(l.compiled);
    const step = e.explain("bl31", 0x0e08_0000n).walks[0]!.steps.at(-1)!;
    l.compiled.memory.write64(step.descriptorAddress, step.descriptor | 0x20n);
    const r = verify(l.compiled, l.ir, l.plugins, { scenarios: false });
    const f = r.failures.filter((x) => x.check === "attribute-mismatch");
    expect(f[0]?.message).toContain("'cacheable non-secure', declared 'cacheable secure'");
  });
});
