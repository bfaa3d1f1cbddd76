/**
 * Resolving sPAPR containers: the closed set of models, the default window and where the
 * platform places windows, owners, and devices on a TCE IOMMU without a container. Lowering:
 * windows the format refuses, a domain's page size on a TCE IOMMU, TCE levels of a host page.
 */
import { describe, expect, it } from "vitest";
import { lower } from "../../src/lowering/lower.js";
import { verify } from "../../src/runtime/index.js";
import { check } from "../checks/harness.js";
import { irFromText, realPlugins } from "../fixtures/lowering/from-text.js";

const HEAD = `topology t
memory guest 0x0 .. +16G ram
pool tables in guest[0x3_C000_0000 .. +256M]
iommu phb0 : spapr-tce { page-sizes 4K 64K 16M }
device gpu0 behind phb0 group 1
`;

function resolveText(text: string) {
  return irFromText(text, realPlugins());
}

function codes(text: string): string[] {
  return resolveText(text).errors.map((d) => `${d.code} ${d.check}`);
}

describe("container models", () => {
  it("a model outside spapr-v1 / spapr-v2 is refused, with a suggestion", () => {
    const { errors } = resolveText(HEAD + "container c0 on phb0 : spapr-v3 { groups 1 }\n");
    expect(errors.map((d) => d.check)).toEqual(["unknown-container-model"]);
    expect(errors[0]!.code).toBe("VCM0125");
    expect(errors[0]!.hint).toMatch(/spapr-v/);
    expect(codes(HEAD + "container c0 on phb0 : spapr-v1 { groups 1 }\n")).toEqual([]);
  });
});

describe("windows", () => {
  it("the default 32-bit window exists at 0 unless removed; a window without `at` goes to its slot", () => {
    const { ir } = resolveText(
      HEAD +
        "container c0 on phb0 : spapr-v2 { groups 1; window ddw size 64G page 64K levels 2 }\n",
    );
    const [def, ddw] = ir.containers[0]!.windows;
    expect(def).toMatchObject({
      name: "default32",
      implicit: true,
      slot: 0,
      pageSize: 0x1000n,
      levels: 1,
    });
    expect(def!.range).toMatchObject({ base: 0n, size: 0x8000_0000n });
    expect(ddw).toMatchObject({ name: "ddw", slot: 1, implicit: false });
    expect(ddw!.range.base).toBe(1n << 59n);

    const removed = resolveText(
      HEAD +
        "container c0 on phb0 : spapr-v2 { groups 1; remove default32; window ddw size 64G page 64K }\n",
    ).ir.containers[0]!;
    expect(removed.windows.map((w) => [w.name, w.slot, w.range.base])).toEqual([["ddw", 0, 0n]]);
  });

  it("`remove` names only the default window, and not one also declared (-EINVAL)", () => {
    expect(codes(HEAD + "container c0 on phb0 : spapr-v2 { groups 1; remove ddw }\n")).toEqual([
      "VCM0126 remove-unknown-window",
    ]);
    expect(
      codes(
        HEAD +
          "container c0 on phb0 : spapr-v2 { groups 1; remove default32; window default32 at 0 size 1G page 4K }\n",
      ),
    ).toEqual(["VCM0126 remove-unknown-window"]);
    expect(
      codes(HEAD + "container c0 on phb0 : spapr-v2 { groups 1; remove default32 }\n"),
    ).toEqual([]);
  });

  it("a backing page smaller than the host page is refused", () => {
    const c = (pages: string) =>
      codes(HEAD + `container c0 on phb0 : spapr-v2 { groups 1; ${pages} }\n`);
    expect(c("host-page 64K; backing-page 4K")).toEqual(["VCM0114 invalid-value"]);
    expect(c("host-page 64K; backing-page 16M")).toEqual([]);
  });

  it("owners default to the container itself", () => {
    const { ir } = resolveText(
      HEAD +
        "device nic0 behind phb0 group 2\n" +
        "container c0 on phb0 : spapr-v2 { groups 1 }\n" +
        "container c1 on phb0 : spapr-v2 { groups 2; owner qemu }\n",
    );
    expect(ir.containers.map((c) => c.owner)).toEqual(["c0", "qemu"]);
  });
});

describe("devices on a TCE IOMMU", () => {
  it("one in no container and no domain is a diagnostic, not a default domain", () => {
    const { ir, errors } = resolveText(HEAD);
    expect(errors.map((d) => `${d.code} ${d.check}`)).toEqual([
      "VCM0127 tce-device-without-container",
    ]);
    expect(errors[0]!.span?.line).toBe(5);
    expect(ir.domains).toEqual([]);
    expect(codes(HEAD + "container c0 on phb0 : spapr-v2 { groups 1 }\n")).toEqual([]);
    expect(codes(HEAD + "domain d on phb0 { attach gpu0 }\n")).toEqual([]);
  });

  it("an explicit domain uses the default window's page size, not a bigger one", () => {
    const plugins = realPlugins();
    const { ir, errors } = irFromText(
      HEAD +
        "domain d on phb0 { attach gpu0 }\n" +
        "map guest[0 .. +32M] -> d at 16M rw\n" +
        "expect gpu0 writes guest[0 .. +32M]\n",
      plugins,
    );
    expect(errors).toEqual([]);
    const lowered = lower(ir, plugins);
    expect(lowered.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const table = lowered.compiled!.tables.find((t) => t.name === "d")!;
    expect(table.context.aperture).toEqual({ base: 0n, size: 0x8000_0000n });
    expect(Object.keys(table.leafCounts)).toEqual(["4096"]);
    const report = verify(lowered.compiled!, ir, plugins);
    expect(report.failures.map((f) => f.message)).toEqual([]);
  });
});

describe("lowering windows", () => {
  const WINDOW = (line: string, hostPage = "64K") =>
    HEAD + `container c0 on phb0 : spapr-v2 { groups 1; host-page ${hostPage}\n  ${line}\n}\n`;

  it("a window the format refuses is a clear diagnostic, not a plugin failure", () => {
    const plugins = realPlugins();
    const bad = irFromText(
      WINDOW("window ddw at 0x0800_0000_0001_0000 size 64G page 16M"),
      plugins,
    );
    const lowered = lower(bad.ir, plugins);
    expect(lowered.diagnostics.map((d) => `${d.code} ${d.check}`)).toEqual([
      "VCM0317 window-rejected",
    ]);
    expect(lowered.diagnostics[0]!.message).toContain("not aligned to its page size");
    const good = irFromText(
      WINDOW("window ddw at 0x0800_0000_0100_0000 size 64G page 16M"),
      plugins,
    );
    expect(lower(good.ir, plugins).diagnostics).toEqual([]);
  });

  it("a third window is never built, even with too-many-windows turned off (-ENOSPC)", () => {
    const plugins = realPlugins();
    const three = irFromText(
      WINDOW(
        "window ddw size 64G page 64K levels 2; window third at 0x10_0000_0000 size 1G page 4K",
      ),
      plugins,
    );
    const lowered = lower(three.ir, plugins);
    expect(lowered.diagnostics.map((d) => `${d.code} ${d.check}`)).toEqual([
      "VCM0318 window-not-built",
    ]);
    expect(lowered.diagnostics[0]!.message).toContain("c0.third");
    const two = irFromText(WINDOW("window ddw size 64G page 64K levels 2"), plugins);
    expect(lower(two.ir, plugins).diagnostics).toEqual([]);
  });

  it("TCE levels are at least one host page (pnv_pci_ioda2_table_alloc_pages' PAGE_SHIFT)", () => {
    const plugins = realPlugins();
    // 64G of 64K TCEs in 2 levels: 10 index bits a level, 8K of TCEs, rounded up to the host page.
    const levelSize = (hostPage: string) => {
      const { ir } = irFromText(WINDOW("window ddw size 64G page 64K levels 2", hostPage), plugins);
      const t = lower(ir, plugins).compiled!.tables.find((x) => x.name === "c0.ddw")!;
      return t.context.registers["TVE_LEVEL_SIZE"];
    };
    expect(levelSize("64K")).toBe(0x1_0000n);
    expect(levelSize("4K")).toBe(0x2000n);
  });
});

describe("topology registrations, checked in declaration order", () => {
  const TWO = (a: string, b: string) =>
    HEAD +
    "device nic0 behind phb0 group 2\n" +
    `container c0 on phb0 : spapr-v2 { groups 1; owner qemu; host-page 64K; ${a} }\n` +
    `container c1 on phb0 : spapr-v2 { groups 2; owner qemu; host-page 64K; ${b} }\n`;
  const found = (text: string) =>
    check(text, undefined, realPlugins())
      .diagnostics.filter((d) => d.severity === "error")
      .map((d) => `${d.code} ${d.message}`);

  it("the same range twice in one container is -EBUSY; in two containers of one owner it is shared", () => {
    const busy = found(TWO("register guest[0 .. +1G]; register guest[0 .. +1G]", "groups 2"));
    expect(busy).toHaveLength(1);
    expect(busy[0]).toMatch(/^VCM0255 .*already holds this region \(-EBUSY\)$/);
    expect(found(TWO("register guest[0 .. +1G]", "register guest[0 .. +1G]"))).toEqual([]);
  });

  it("a range not aligned to the host page is -EINVAL, named with the container and the page", () => {
    const unaligned = found(TWO("register guest[0x1000 .. +1G]", "groups 2"));
    expect(unaligned).toEqual([
      "VCM0254 c0: register 0x1000..0x40001000 is not aligned to the 0x10000-byte host page (-EINVAL)",
    ]);
  });

  it("an overlapping different range of the same owner is -EINVAL; of another owner it is not", () => {
    const overlap = found(TWO("register guest[0 .. +1G]", "register guest[512M .. +1G]"));
    expect(overlap).toHaveLength(1);
    expect(overlap[0]).toMatch(
      /^VCM0255 .*overlaps 0x0\.\.0x40000000, registered by c0 \(-EINVAL\)$/,
    );
    const otherOwner = TWO("register guest[0 .. +1G]", "register guest[512M .. +1G]").replace(
      "groups 2; owner qemu",
      "groups 2; owner other",
    );
    expect(found(otherOwner)).toEqual([]);
  });
});
