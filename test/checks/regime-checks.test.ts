/**
 * The rules of AArch64 translation regimes and TrustZone, with the real arm-lpae plugin, each
 * firing (at its line and column) and quiet: regime-not-cpu (VCM0160), security-words-conflict
 * (VCM0161), nonsecure-tables-in-secure-memory (VCM0162), regime-rights (VCM0288), security-state-mismatch (VCM0289) and
 * secure-tables-in-nonsecure-memory (VCM0290).
 */
import { describe, expect, test } from "vitest";
import { realPlugins } from "../fixtures/lowering/from-text.js";
import { check, checksOf, lines } from "./harness.js";

/** A Secure monitor (EL3) and a Normal-world kernel (EL1); line 12 is the first free line. */
const BASE = `topology t
memory sram 0x0E00_0000 .. +16M ram secure
memory dram 0x4000_0000 .. +1G ram
memory uart 0x0900_0000 .. +4K mmio
pool stables in sram[0xF0_0000 .. +1M]
pool tables in dram[0 .. +16M]
mmu m3 : arm-lpae { regime el3; va-bits 39; pa-bits 40; pool stables }
mmu m1 : arm-lpae { regime el1; va-bits 39; pa-bits 40; pool tables }
cpu mon via m3
cpu os via m1
buffer code in sram size 64K
`;

function run(text: string) {
  const ds = check(text, undefined, realPlugins()).diagnostics;
  return { ds, checks: checksOf(ds), text: lines(ds).join("\n") };
}

function only(text: string, check: string) {
  const r = run(text);
  const found = r.ds.filter((d) => d.check === check);
  return { ...r, found };
}

describe("a clean firmware topology is quiet", () => {
  test("Secure code, a Non-secure window, Secure access to Non-secure memory, the kernel", () => {
    const r = run(
      BASE +
        "buffer win in dram size 2M\n" +
        "map code -> mon at 0x0E00_0000 rx priv\n" +
        "map win -> mon at 0x4000_0000 rw priv nonsecure\n" +
        "map uart -> mon at 0x0900_0000 rw priv secure\n" +
        "map win -> os at 0x4000_0000 rw\n",
    );
    expect(r.text).toBe("");
  });
});

describe("regime-rights (VCM0288)", () => {
  test("fires on a mapping without `priv` at EL3, at the map line", () => {
    const r = only(BASE + "map code -> mon at 0x0E00_0000 rx\n", "regime-rights");
    expect(r.found.map((d) => [d.code, d.span?.line, d.span?.column])).toEqual([
      ["VCM0288", 12, 1],
    ]);
    expect(r.found[0]!.message).toContain("EL3, which has one privilege level");
    expect(r.found[0]!.hint).toBe("add `priv`: at EL3 every access is privileged");
  });

  test("fires at EL2 without VHE, not at EL2&0 (which has EL0) nor at EL1", () => {
    const el2 = BASE.replace("regime el1;", "regime el2;") + "map code -> os at 0x1000 rx\n";
    // `code` is Secure memory, so the EL2 kernel also breaks security-state-mismatch; only rights matter here.
    expect(only(el2, "regime-rights").found).toHaveLength(1);
    const vhe = BASE.replace("regime el1;", "regime el2-vhe;") + "map code -> os at 0x1000 rx\n";
    expect(only(vhe, "regime-rights").found).toHaveLength(0);
    expect(only(BASE + "map code -> os at 0x1000 rx\n", "regime-rights").found).toHaveLength(0);
  });

  test("wxn: a writable executable mapping fires, read-execute and read-write do not", () => {
    const wxn = BASE.replace("regime el3;", "regime el3; wxn on;");
    const r = only(wxn + "map code -> mon at 0x0E00_0000 rwx priv\n", "regime-rights");
    expect(r.found.map((d) => d.code)).toEqual(["VCM0288"]);
    expect(r.found[0]!.message).toContain("SCTLR_EL3.WXN");
    expect(
      only(wxn + "map code -> mon at 0x0E00_0000 rx priv\n", "regime-rights").found,
    ).toHaveLength(0);
    // Without wxn, rwx is allowed.
    expect(
      only(BASE + "map code -> mon at 0x0E00_0000 rwx priv\n", "regime-rights").found,
    ).toHaveLength(0);
  });

  test("scenario map steps are checked too", () => {
    const r = only(BASE + "scenario s {\n  map code -> mon at 0x0E00_0000 r\n}\n", "regime-rights");
    expect(r.found.map((d) => d.span?.line)).toEqual([13]);
  });
});

describe("security-state-mismatch (VCM0289)", () => {
  test("a Non-secure context mapping `secure` memory", () => {
    const r = only(BASE + "map code -> os at 0x1000 r\n", "security-state-mismatch");
    expect(r.found.map((d) => [d.code, d.span?.line])).toEqual([["VCM0289", 12]]);
    expect(r.found[0]!.message).toContain("'os' makes Non-secure accesses only");
    expect(r.found[0]!.related?.[0]?.span?.line).toBe(2);
  });

  test("EL3 mapping `secure` memory with `nonsecure`", () => {
    const r = only(
      BASE + "map code -> mon at 0x0E00_0000 r priv nonsecure\n",
      "security-state-mismatch",
    );
    expect(r.found[0]!.message).toContain("the line says `nonsecure`");
  });

  test("a `secure` access from a Non-secure context", () => {
    const r = only(BASE + "map uart -> os at 0x1000 rw secure\n", "security-state-mismatch");
    expect(r.found[0]!.message).toContain("asks for Secure accesses (`secure`), but 'os'");
  });

  test("quiet: EL3 reaching `secure` memory, and Non-secure contexts reaching ordinary memory", () => {
    const r = run(BASE + "map code -> mon at 0x0E00_0000 r priv\nmap uart -> os at 0x1000 rw\n");
    expect(r.checks).not.toContain("security-state-mismatch");
  });
});

describe("secure-tables-in-nonsecure-memory (VCM0290)", () => {
  test("fires when an EL3 mmu's pool is in Non-secure memory, at the mmu line", () => {
    const r = only(
      BASE.replace("pool stables }", "pool tables }"),
      "secure-tables-in-nonsecure-memory",
    );
    expect(r.found.map((d) => [d.code, d.span?.line, d.span?.column])).toEqual([["VCM0290", 7, 1]]);
    expect(r.found[0]!.message).toContain("pool 'tables' in 'dram'");
  });

  test("quiet for EL1 tables in Non-secure memory and EL3 tables in Secure memory", () => {
    expect(run(BASE).checks).not.toContain("secure-tables-in-nonsecure-memory");
  });
});

describe("nonsecure-tables-in-secure-memory (VCM0162)", () => {
  test("fires when a Non-secure mapper's pool is in `secure` memory, at the mapper's name", () => {
    const r = only(
      BASE.replace(
        "regime el1; va-bits 39; pa-bits 40; pool tables",
        "regime el1; va-bits 39; pa-bits 40; pool stables",
      ) + "iommu s : arm-lpae { pool stables }\ndevice d behind s stream 1\n",
      "nonsecure-tables-in-secure-memory",
    );
    expect(r.found.map((d) => [d.code, d.span?.line, d.span?.column])).toEqual([
      ["VCM0162", 8, 5],
      ["VCM0162", 12, 7],
    ]);
    expect(r.found[0]!.message).toContain("pool 'stables' lies in `secure` memory 'sram'");
  });

  test("quiet for an EL3 mapper in `secure` memory and Non-secure mappers elsewhere", () => {
    expect(run(BASE).checks).not.toContain("nonsecure-tables-in-secure-memory");
  });
});

describe("regime-not-cpu (VCM0160) and security-words-conflict (VCM0161)", () => {
  test("`regime` and `wxn` on an iommu fire at the parameter", () => {
    const r = only(
      BASE + "iommu s : arm-lpae { regime el1; wxn on; pool tables }\ndevice d behind s stream 1\n",
      "regime-not-cpu",
    );
    expect(r.found.map((d) => [d.code, d.span?.line, d.span?.column])).toEqual([
      ["VCM0160", 12, 22],
      ["VCM0160", 12, 34],
    ]);
  });

  test("quiet on an iommu without them", () => {
    const r = run(BASE + "iommu s : arm-lpae { pool tables }\ndevice d behind s stream 1\n");
    expect(r.checks).not.toContain("regime-not-cpu");
  });

  test("`secure nonsecure` on one line fires once; either word alone does not", () => {
    const r = only(
      BASE +
        "buffer b[2] in dram size 4K\nmap b[*] -> mon at 0x4000_0000 rw priv secure nonsecure\n",
      "security-words-conflict",
    );
    expect(r.found.map((d) => [d.code, d.span?.line])).toEqual([["VCM0161", 13]]);
    expect(
      only(BASE + "map code -> mon at 0x0E00_0000 rw priv secure\n", "security-words-conflict")
        .found,
    ).toHaveLength(0);
  });

  test("plugin-param-problem for an upper half at EL3 and wxn without a regime", () => {
    const r = run(BASE.replace("regime el3;", "regime el3; va-bits-upper 39;"));
    expect(r.text).toContain("the el3 regime has one VA range");
    const w = run(BASE.replace("regime el1;", "wxn on;"));
    expect(w.text).toContain("`wxn on` sets SCTLR_ELx.WXN");
  });
});
