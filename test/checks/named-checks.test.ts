/** Every named check: one topology where it fires, one close variant where it does not. */
import { describe, expect, test } from "vitest";
import { check, checksOf, lines } from "./harness.js";

const BASE = `topology t
memory ddr 0x8000_0000 .. +1G ram
memory bar 0x40_0000_0000 .. +16M mmio owner gpu
pool tables in ddr[0 .. +16M]
iommu smmu : arm-lpae { ias 32; oas 40; page-sizes 4K 2M }
device dev behind smmu stream 1 dma-mask 40
device gpu behind smmu stream 2
domain dom on smmu { aperture 0 .. 4G; attach dev }
buffer buf in ddr size 64K
map buf -> dom at 0x10_0000 rw
expect dev reads buf
`;

const SPAPR = `topology s
memory ddr 0x8000_0000 .. +1G ram
pool tables in ddr[0 .. +16M]
iommu phb : spapr-tce { page-sizes 4K 64K }
device gpu behind phb group 1
container c0 on phb : spapr-v2 {
  groups 1; owner qemu; locked-limit 1G; host-page 64K
  register ddr[0x100_0000 .. +64M]
  window default32 at 0 size 2G page 4K levels 1
  window big at 0x8000_0000_0000 size 64G page 64K levels 2
}
`;

/** A second container of the same owner process, for group 2. */
const SECOND = (items: string) =>
  `device nic behind phb group 2\ncontainer c1 on phb : spapr-v2 { groups 2; owner qemu; ${items} }\n`;

/** A GART (no permission bits) with a device behind it. */
const GART = "iommu gart0 : gart { aperture 0xE000_0000 .. +256M }\ndevice agp behind gart0\n";

/** A device whose domain has a firmware unity (identity) range at ddr + 16M. */
const UNITY =
  "device usb behind smmu stream 3\n" +
  "domain udom on smmu { aperture 0 .. 4G; unity 0x8100_0000 .. +1M; attach usb }\n";

interface Case {
  check: string;
  fires: string;
  clean: string;
}

const cases: Case[] = [
  {
    check: "region-overlap",
    fires: BASE + "memory ocm 0xBFFF_0000 .. +1M ram\n",
    clean: BASE + "memory ocm 0xC000_0000 .. +1M ram\n",
  },
  {
    check: "outside-region",
    fires: BASE + "buffer fixed in ddr at 0xBFFF_F000 size 64K\nmap fixed -> dom at auto r\n",
    clean: BASE + "buffer fixed in ddr at 0xBFFF_0000 size 64K\nmap fixed -> dom at auto r\n",
  },
  {
    check: "pool-outside-ram",
    fires: BASE.replace("pool tables in ddr[0 .. +16M]", "pool tables in bar[0 .. +1M]"),
    clean: BASE,
  },
  {
    check: "pool-too-small",
    fires: BASE.replace("ddr[0 .. +16M]", "ddr[0 .. +8K]"),
    clean: BASE,
  },
  {
    check: "iova-overlap",
    fires: BASE + "buffer b2 in ddr size 64K\nmap b2 -> dom at 0x10_8000 r\n",
    clean: BASE + "buffer b2 in ddr size 64K\nmap b2 -> dom at 0x11_0000 r\n",
  },
  {
    check: "outside-aperture",
    fires: BASE + "buffer b2 in ddr size 64K\nmap b2 -> dom at 0xFFFF_8000 r\n",
    clean: BASE + "buffer b2 in ddr size 64K\nmap b2 -> dom at 0xFFFF_0000 r\n",
  },
  {
    check: "reserved-overlap",
    fires: BASE.replace("attach dev }", "attach dev; msi 0x10_0000 .. +64K }"),
    clean: BASE.replace("attach dev }", "attach dev; msi 0x20_0000 .. +64K }"),
  },
  {
    check: "misaligned-address",
    fires: BASE.replace("at 0x10_0000 rw", "at 0x10_0800 rw"),
    clean: BASE,
  },
  {
    check: "unsupported-page-size",
    fires: BASE.replace("at 0x10_0000 rw", "at 0x10_0000 rw pages 64K"),
    clean: BASE.replace("at 0x10_0000 rw", "at 0x10_0000 rw pages 4K"),
  },
  {
    check: "dma-mask-too-small",
    fires: BASE.replace("dma-mask 40", "dma-mask 20"),
    clean: BASE.replace("dma-mask 40", "dma-mask 21"),
  },
  {
    check: "multiple-domains",
    fires: BASE + "domain dom2 on smmu { attach dev }\n",
    clean: BASE + "domain dom2 on smmu { attach gpu }\n",
  },
  {
    check: "group-split",
    fires:
      BASE.replace("stream 1", "stream 1 group 7").replace("stream 2", "stream 2 group 7") +
      "domain dom2 on smmu { attach gpu }\n",
    clean:
      BASE.replace("stream 1", "stream 1 group 7").replace("stream 2", "stream 2 group 8") +
      "domain dom2 on smmu { attach gpu }\n",
  },
  {
    check: "mmio-cacheable",
    fires: BASE + "map bar[0 .. +64K] -> gpu at auto rw cacheable\n",
    clean: BASE + "map bar[0 .. +64K] -> gpu at auto rw device\n",
  },
  {
    check: "p2p-ram",
    fires: BASE + "buffer b2 in ddr size 64K\nmap b2 -> dom at auto rw p2p\n",
    clean: BASE + "map bar[0 .. +64K] -> dom at auto rw p2p\n",
  },
  {
    check: "p2p-missing",
    fires: BASE + "map bar[0 .. +64K] -> dom at auto rw\n",
    clean: BASE + "map bar[0 .. +64K] -> gpu at auto rw\n",
  },
  {
    check: "unregistered-memory",
    fires: SPAPR + "map ddr[0x100_0000 .. +128M] -> c0.big at 0x8000_0000_0000 rw\n",
    clean: SPAPR + "map ddr[0x100_0000 .. +64M] -> c0.big at 0x8000_0000_0000 rw\n",
  },
  {
    // 64M registered + the tables: default32 (4M, twice: hardware and userspace copy) and big
    // (8M + one 64K level, twice) = 88M + 128K.
    check: "locked-limit-exceeded",
    fires: SPAPR.replace("locked-limit 1G", "locked-limit 88M"),
    clean: SPAPR.replace("locked-limit 1G", "locked-limit 89M"),
  },
  {
    check: "window-base-alignment",
    fires: SPAPR.replace("at 0x8000_0000_0000", "at 0x8000_0000_1000"),
    clean: SPAPR.replace("at 0x8000_0000_0000", "at 0x8000_0001_0000"),
  },
  {
    check: "too-many-windows",
    fires: SPAPR.replace("levels 2\n", "levels 2\n  window third size 1G page 64K\n"),
    clean: SPAPR.replace("levels 2\n", "levels 2\n  window third size 1G page 64K\n").replace(
      "window default32 at 0 size 2G page 4K levels 1",
      "remove default32",
    ),
  },
  {
    check: "container-not-tce",
    fires: BASE + "container cx on smmu : spapr-v2 { groups 9 }\n",
    clean: SPAPR,
  },
  {
    check: "spapr-v1-rules",
    fires: SPAPR.replace("spapr-v2", "spapr-v1"),
    // v1 locks its whole 2G window at enable (tce_iommu_enable), so the limit must allow it.
    clean: SPAPR.replace("spapr-v2", "spapr-v1")
      .replace("locked-limit 1G", "locked-limit 2G")
      .replace("register ddr[0x100_0000 .. +64M]", "")
      .replace("window big at 0x8000_0000_0000 size 64G page 64K levels 2", ""),
  },
  {
    check: "register-unaligned",
    fires: SPAPR.replace("ddr[0x100_0000 .. +64M]", "ddr[0x100_1000 .. +64M]"),
    clean: SPAPR.replace("ddr[0x100_0000 .. +64M]", "ddr[0x101_0000 .. +64M]"),
  },
  {
    check: "register-conflict",
    fires: SPAPR + SECOND("register ddr[0x200_0000 .. +64M]"),
    clean: SPAPR + SECOND("register ddr[0x100_0000 .. +64M]"),
  },
  {
    // 4K host pages without huge pages back no 64K TCE; 64K hugetlbfs pages do.
    check: "tce-not-in-one-region",
    fires:
      SPAPR.replace("host-page 64K", "host-page 4K") +
      "map ddr[0x100_0000 .. +1M] -> c0.big at 0x8000_0000_0000 rw\n",
    clean:
      SPAPR.replace("host-page 64K", "host-page 4K; backing-page 64K") +
      "map ddr[0x100_0000 .. +1M] -> c0.big at 0x8000_0000_0000 rw\n",
  },
  {
    check: "owner-limit-conflict",
    fires: SPAPR + SECOND("locked-limit 2G"),
    clean: SPAPR + SECOND("locked-limit 1G"),
  },
  {
    check: "window-overlap",
    fires: SPAPR.replace("at 0x8000_0000_0000", "at 0x4000_0000"),
    clean: SPAPR,
  },
  {
    check: "window-size",
    fires: SPAPR.replace("size 64G", "size 48G"),
    clean: SPAPR,
  },
  {
    check: "window-levels",
    fires: SPAPR.replace("levels 2", "levels 6"),
    clean: SPAPR.replace("levels 2", "levels 5"),
  },
  {
    check: "window-page-size",
    fires: SPAPR.replace("page 64K levels 2", "page 16M levels 2"),
    clean: SPAPR,
  },
  {
    check: "expect-contradiction",
    fires:
      BASE.replace("map buf -> dom at 0x10_0000 rw", "map buf -> dom at 0x10_0000 r") +
      "expect dev writes buf\n",
    clean: BASE,
  },
  {
    check: "unused-declaration",
    fires: BASE + "const UNUSED = 4K\n",
    clean: BASE + "const USED = 4K\nbuffer b2 in ddr size USED\nmap b2 -> dom at auto r\n",
  },
  {
    check: "write-implies-read",
    fires: SPAPR + "map ddr[0x100_0000 .. +64K] -> c0.big at 0x8000_0000_0000 w\n",
    clean: SPAPR + "map ddr[0x100_0000 .. +64K] -> c0.big at 0x8000_0000_0000 rw\n",
  },
  {
    check: "read-implies-write",
    fires: BASE + GART + "map buf -> agp at auto r\n",
    clean: BASE + GART + "map buf -> agp at auto rw\n",
  },
  {
    check: "exec-implies-read",
    fires: BASE + "map buf -> gpu at auto x\n",
    clean: BASE + "map buf -> gpu at auto rx\n",
  },
  {
    check: "map-into-identity-or-blocked",
    fires: BASE + "domain idd on smmu { type identity; attach gpu }\nmap buf -> idd at auto r\n",
    clean: BASE + "domain idd on smmu { type dma; attach gpu }\nmap buf -> idd at auto r\n",
  },
  {
    check: "aperture-beyond-input",
    fires: BASE.replace("aperture 0 .. 4G", "aperture 0 .. 8G"),
    clean: BASE,
  },
  {
    check: "pa-beyond-output",
    fires: BASE + "memory far 0x100_0000_0000 .. +1M ram\nmap far[0 .. +64K] -> dom at auto rw\n",
    clean: BASE + "memory far 0xFF_0000_0000 .. +1M ram\nmap far[0 .. +64K] -> dom at auto rw\n",
  },
  {
    check: "stream-id-too-wide",
    fires: BASE.replace("ias 32;", "ias 32; sid-bits 6;").replace("stream 2", "stream 0x40"),
    clean: BASE.replace("ias 32;", "ias 32; sid-bits 6;").replace("stream 2", "stream 0x3f"),
  },
  {
    check: "stream-id-shared",
    fires: BASE.replace("ias 32;", "ias 32; sid-bits 6;").replace("stream 2", "stream 1"),
    clean: BASE.replace("ias 32;", "ias 32; sid-bits 6;"),
  },
  {
    check: "scenario-attach-busy",
    fires:
      BASE + "domain dom2 on smmu { aperture 0 .. 4G }\nscenario s {\n  attach dev to dom2\n}\n",
    clean:
      BASE +
      "domain dom2 on smmu { aperture 0 .. 4G }\nscenario s {\n  detach dev\n  attach dev to dom2\n}\n",
  },
  {
    check: "group-attached-whole",
    fires: BASE.replace("stream 1", "stream 1 group 7").replace("stream 2", "stream 2 group 7"),
    clean: BASE.replace("stream 1", "stream 1 group 7").replace("stream 2", "stream 2 group 8"),
  },
  {
    check: "group-without-iommu",
    fires: BASE + "dma eng dma-mask 32 group 3\n",
    clean: BASE + "dma eng dma-mask 32\n",
  },
  {
    check: "attach-incompatible",
    fires:
      BASE +
      "iommu smmu2 : arm-lpae { ias 32 }\ndevice cam behind smmu2 stream 9\n" +
      "domain d2 on smmu2 { aperture 0 .. 4G; attach cam }\nscenario s {\n  attach gpu to d2\n}\n",
    clean:
      BASE +
      "iommu smmu2 : arm-lpae { ias 32 }\ndevice cam behind smmu2 stream 9\n" +
      "domain d2 on smmu2 { aperture 0 .. 4G; attach cam }\nscenario s {\n  detach cam\n  attach cam to d2\n}\n",
  },
];

describe("named checks fire, and stay quiet on a close valid variant", () => {
  for (const c of cases) {
    test(c.check, () => {
      const fires = check(c.fires).diagnostics;
      expect(checksOf(fires), lines(fires).join("\n")).toContain(c.check);
      const clean = check(c.clean).diagnostics;
      expect(checksOf(clean), lines(clean).join("\n")).not.toContain(c.check);
      expect(
        clean.filter((d) => d.severity === "error"),
        lines(clean).join("\n"),
      ).toEqual([]);
    });
  }
});

describe("expect contradictions", () => {
  const cases: [string, string, boolean][] = [
    ["reads where nothing maps it", "buffer other in ddr size 4K\nexpect dev reads other\n", true],
    ["cannot write where a writable mapping exists", "expect dev cannot write buf\n", true],
    ["cannot execute where nothing is executable", "expect dev cannot execute buf\n", false],
    ["faults at a mapped address", "expect dev faults at 0x10_1000\n", true],
    ["faults at an unmapped address", "expect dev faults at 0x20_0000\n", false],
    [
      "no-MMU engine cannot write reachable memory",
      "dma eng dma-mask 32\nexpect eng cannot write buf\n",
      true,
    ],
    ["no-MMU engine out of its mask", "dma eng dma-mask 31\nexpect eng cannot write buf\n", false],
    ["reads inside a unity range", UNITY + "expect usb reads ddr[0x100_0000 .. +4K]\n", false],
    [
      "cannot write inside a unity range",
      UNITY + "expect usb cannot write ddr[0x100_0000 .. +4K]\n",
      true,
    ],
    ["reads just outside a unity range", UNITY + "expect usb reads ddr[0x200_0000 .. +4K]\n", true],
  ];
  for (const [title, extra, fires] of cases)
    test(title, () => {
      const ds = check(BASE + extra).diagnostics;
      expect(checksOf(ds).includes("expect-contradiction"), lines(ds).join("\n")).toBe(fires);
    });

  test("a no-MMU engine writing beyond its dma-mask is reported", () => {
    const ds = check(BASE + "dma eng dma-mask 31\nexpect eng writes buf\n").diagnostics;
    expect(checksOf(ds)).toContain("dma-mask-too-small");
  });
});

describe("groups, domains and rights: locations and folding", () => {
  test("a `map` step into an identity domain is caught at check, at the step's line", () => {
    const text =
      BASE +
      "domain idd on smmu { type identity; attach gpu }\nscenario s {\n  map buf -> idd at auto r\n}\n";
    const ds = check(text).diagnostics.filter((d) => d.check === "map-into-identity-or-blocked");
    const line = text.split("\n").indexOf("  map buf -> idd at auto r") + 1;
    expect(ds.map((d) => [d.code, d.span!.line, d.span!.column])).toEqual([["VCM0242", line, 3]]);
    expect(ds[0]!.message).toContain("EINVAL");
  });

  test("a scenario attach across IOMMUs is reported at the domain name (EINVAL)", () => {
    const text =
      BASE +
      "iommu smmu2 : arm-lpae { ias 32 }\ndevice cam behind smmu2 stream 9\n" +
      "domain d2 on smmu2 { aperture 0 .. 4G; attach cam }\nscenario s {\n  attach gpu to d2\n}\n";
    const ds = check(text).diagnostics.filter((d) => d.check === "attach-incompatible");
    const line = text.split("\n").indexOf("  attach gpu to d2") + 1;
    expect(ds.map((d) => [d.code, d.span!.line, d.span!.column])).toEqual([["VCM0122", line, 17]]);
  });

  test("widening notes come once per `map` line, not once per element of `buf[*]`", () => {
    const ds = check(
      BASE + "buffer fr[4] in ddr size 64K\nmap fr[*] -> gpu at auto w\n",
    ).diagnostics;
    expect(ds.filter((d) => d.check === "write-implies-read")).toHaveLength(1);
    expect(ds.find((d) => d.check === "write-implies-read")!.message).toContain(
      "(format arm-lpae)",
    );
  });

  test("devices of different groups get their own default domains; a group shares one", () => {
    const text =
      BASE +
      "device a behind smmu stream 5 group 3\ndevice b behind smmu stream 6 group 3\n" +
      "device c behind smmu stream 7\nbuffer ba in ddr size 64K\nmap ba -> a at auto rw\n" +
      "expect b reads ba\nexpect c cannot read ba\nexpect gpu cannot read ba\n";
    const r = check(text);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const doms = Object.fromEntries(r.ir.domains.map((d) => [d.name, d.attached]));
    expect(doms["smmu.default.g3"]).toEqual(["a", "b"]);
    expect(doms["smmu.default.c"]).toEqual(["c"]);
    expect(doms["smmu.default.gpu"]).toEqual(["gpu"]);
    // One default domain per IOMMU would let `c` read `ba`: the check would then object.
    expect(checksOf(r.diagnostics)).not.toContain("expect-contradiction");
  });

  test("a scenario attach of a group in a non-default domain: EBUSY at check, at the step", () => {
    const text =
      BASE.replace("stream 1", "stream 1 group 7").replace("stream 2", "stream 2 group 7") +
      "domain dom2 on smmu { aperture 0 .. 4G }\n" +
      "scenario s {\n  attach gpu to dom2\n  detach dev\n  attach gpu to dom2\n}\n";
    const ds = check(text).diagnostics.filter((d) => d.check === "scenario-attach-busy");
    // The first attach is refused (group 7 is in `dom`); after the detach the group may move.
    const line = text.split("\n").indexOf("  attach gpu to dom2") + 1;
    expect(ds.map((d) => [d.code, d.span!.line, d.span!.column])).toEqual([["VCM0245", line, 3]]);
    expect(ds[0]!.message).toContain("EBUSY");
  });

  test("a group split across two explicit domains is refused (EBUSY)", () => {
    const ds = check(
      BASE.replace("stream 1", "stream 1 group 7").replace("stream 2", "stream 2 group 7") +
        "domain dom2 on smmu { attach gpu }\n",
    ).diagnostics.filter((d) => d.check === "group-split");
    expect(ds[0]!.message).toContain("EBUSY");
  });
});
