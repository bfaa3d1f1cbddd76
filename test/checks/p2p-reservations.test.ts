/**
 * Issue 8 §4-5 at `vcm check`: the exporter decides about pins, scenarios replayed for revoke
 * and restore, no-MMU importers need `p2p`, and reservations. Each rule fires on one text and
 * stays quiet on a close valid variant; every diagnostic has a location.
 */
import { describe, expect, test } from "vitest";
import { check, checksOf, lines } from "./harness.js";

const BASE = `topology t
memory ddr 0x8000_0000 .. +1G ram
memory bar 0x40_0000_0000 .. +16M mmio owner gpu
memory regs 0x50_0000_0000 .. +2M mmio owner gpu pinnable
pool tables in ddr[0 .. +16M]
iommu smmu : arm-lpae { ias 32; oas 40; page-sizes 4K 2M }
device nic behind smmu stream 1
device gpu behind smmu stream 2
domain dom on smmu { aperture 0 .. 4G; attach nic }
buffer buf in ddr size 64K
map buf -> dom at 0x10_0000 rw
map bar[0 .. +2M] -> dom at 0x4000_0000 rw p2p device
`;

interface Case {
  title: string;
  check: string;
  fires: string;
  clean: string;
}

const cases: Case[] = [
  {
    title: "a pinned mapping of mmio whose exporter refuses pins",
    check: "pin-refused",
    fires: BASE + "map bar[2M .. +2M] -> dom at 0x4020_0000 rw p2p pin device\n",
    clean: BASE + "map regs -> dom at 0x4020_0000 rw p2p pin device\n",
  },
  {
    title: "a pinned scenario mapping of mmio whose exporter refuses pins",
    check: "pin-refused",
    fires: BASE + "scenario s { map bar[2M .. +2M] -> dom at 0x4020_0000 rw p2p pin device }\n",
    clean: BASE + "scenario s { map regs -> dom at 0x4020_0000 rw p2p pin device }\n",
  },
  {
    title: "a map of a revoked region before restore",
    check: "map-after-revoke",
    fires:
      BASE +
      "scenario s {\n revoke bar\n map bar[0 .. +2M] -> dom at 0x4000_0000 rw p2p device\n}\n",
    clean:
      BASE +
      "scenario s {\n revoke bar\n restore bar\n map bar[0 .. +2M] -> dom at 0x4000_0000 rw p2p device\n}\n",
  },
  {
    title: "a revoke under a pinned importer",
    check: "revoke-while-pinned",
    fires: BASE + "map regs -> dom at 0x4020_0000 rw p2p pin device\nscenario s { revoke regs }\n",
    clean:
      BASE +
      "map regs -> dom at 0x4020_0000 rw p2p pin device\nscenario s { unmap regs from dom; revoke regs }\n",
  },
  {
    title: "a revoke while a no-MMU engine maps the region",
    check: "revoke-no-mmu",
    fires: BASE + "dma eng\nmap bar[2M .. +4K] -> eng at auto rw p2p\nscenario s { revoke bar }\n",
    clean:
      BASE +
      "dma eng\nmap bar[2M .. +4K] -> eng at auto rw p2p\nscenario s { unmap bar[2M .. +4K] from eng; revoke bar }\n",
  },
  {
    title: "mmio mapped to a no-MMU engine without p2p",
    check: "p2p-missing",
    fires: BASE + "dma eng\nmap bar[2M .. +4K] -> eng at auto rw\n",
    clean: BASE + "dma eng\nmap bar[2M .. +4K] -> eng at auto rw p2p\n",
  },
  {
    title: "pinnable on RAM",
    check: "pinnable-not-mmio",
    fires: BASE + "memory ocm 0x1_0000_0000 .. +1M ram pinnable\n",
    clean: BASE + "memory ocm 0x1_0000_0000 .. +1M mmio owner gpu pinnable\n",
  },
  {
    title: "revoke of RAM",
    check: "revoke-not-mmio",
    fires: BASE + "scenario s { revoke ddr }\n",
    clean: BASE + "scenario s { revoke bar }\n",
  },
  {
    title: "restore of RAM",
    check: "revoke-not-mmio",
    fires: BASE + "scenario s { restore ddr }\n",
    clean: BASE + "scenario s { restore bar }\n",
  },
  {
    title: "a reservation in a no-MMU engine",
    check: "reservation-target",
    fires: BASE + "dma eng\nreservation r in eng size 64K\n",
    clean: BASE + "reservation r in dom size 64K\n",
  },
  {
    title: "a reservation in an identity domain",
    check: "reservation-target",
    fires:
      BASE +
      "device usb behind smmu stream 3\ndomain id on smmu { type identity; attach usb }\nreservation r in id size 64K\n",
    clean: BASE + "device usb behind smmu stream 3\nreservation r in usb size 64K\n",
  },
  {
    title: "a reservation outside the aperture",
    check: "reservation-placement",
    fires: BASE + "reservation r in dom size 64K at 0x1_0000_0000\n",
    clean: BASE + "reservation r in dom size 64K at 0x8000_0000\n",
  },
  {
    title: "two reservations overlapping",
    check: "reservation-placement",
    fires:
      BASE +
      "reservation a in dom size 1M at 0x8000_0000\nreservation b in dom size 1M at 0x8008_0000\n",
    clean: BASE + "reservation a in dom size 1M at 0x8000_0000\nreservation b in dom size 1M\n",
  },
  {
    title: "no room for a reservation",
    check: "reservation-placement",
    fires: BASE + "reservation r in dom size 8G\n",
    clean: BASE + "reservation r in dom size 2G\n",
  },
  {
    title: "a buffer bigger than its reservation",
    check: "reservation-too-small",
    fires: BASE + "reservation r in dom size 32K\nmap buf -> r rw\n",
    clean: BASE + "reservation r in dom size 64K\nmap buf -> r rw\n",
  },
  {
    title: "an address outside the reservation",
    check: "reservation-too-small",
    fires: BASE + "reservation r in dom size 1M\nmap buf -> r at r + 1M rw\n",
    clean: BASE + "reservation r in dom size 1M\nmap buf -> r at r + 512K rw\n",
  },
  {
    title: "a fixed mapping over a reservation that it does not back",
    check: "reserved-overlap",
    fires:
      BASE +
      "reservation r in dom size 1M at 0x8000_0000\nbuffer b2 in ddr size 64K\nmap b2 -> dom at 0x8000_0000 rw\n",
    clean:
      BASE +
      "reservation r in dom size 1M at 0x8000_0000\nbuffer b2 in ddr size 64K\nmap b2 -> r rw\n",
  },
];

describe("P2P and reservation rules fire, and stay quiet on a close valid variant", () => {
  for (const c of cases)
    test(`${c.check}: ${c.title}`, () => {
      const fires = check(c.fires).diagnostics;
      expect(checksOf(fires), lines(fires).join("\n")).toContain(c.check);
      for (const d of fires.filter((x) => x.check === c.check))
        expect(d.span, `${c.check} has a location`).toBeDefined();
      const clean = check(c.clean).diagnostics;
      expect(checksOf(clean), lines(clean).join("\n")).not.toContain(c.check);
      expect(
        clean.filter((d) => d.severity === "error"),
        lines(clean).join("\n"),
      ).toEqual([]);
    });
});

describe("messages", () => {
  test("the pin refusal and the revoke refusal say the errno and name the importers", () => {
    const ds = lines(
      check(
        BASE +
          "map bar[2M .. +2M] -> dom at 0x4020_0000 rw p2p pin device\n" +
          "map regs -> dom at 0x4040_0000 rw p2p pin device\n" +
          "scenario s { revoke regs }\n",
      ).diagnostics,
    );
    expect(ds.find((d) => d.includes("pin-refused"))).toMatch(
      /t\.vcm:13:1: error\[VCM0260\].*'bar' does not accept pinned importers.*EOPNOTSUPP/,
    );
    expect(ds.find((d) => d.includes("revoke-while-pinned"))).toMatch(
      /t\.vcm:15:14: error\[VCM0262\].*EBUSY.*the mapping of regs .* into dom/,
    );
  });

  test("misaligned-address says where its page size comes from", () => {
    const ds = check(
      BASE + "buffer b2 in ddr size 4M align 2M\nmap b2 -> dom at 0x30_1000 rw pages 2M\n",
    )
      .diagnostics.filter((d) => d.check === "misaligned-address")
      .map((d) => d.message);
    expect(ds).toEqual([
      "the address 0x301000 is not aligned to 2M, the page size its `pages` asks for",
    ]);
    const plain = check(BASE + "buffer b2 in ddr size 64K\nmap b2 -> dom at 0x30_0800 rw\n")
      .diagnostics.filter((d) => d.check === "misaligned-address")
      .map((d) => d.message);
    expect(plain).toEqual([
      "the address 0x300800 is not aligned to 4K, the smallest page size of 'smmu'",
    ]);
  });

  test("a reservation is placed where the allocator would not go, below the aperture's end", () => {
    const r = check(BASE + "reservation r in dom size 2M align 2M\n");
    expect(r.ir?.reservations).toMatchObject([{ name: "r", domain: "dom" }]);
    const res = r.ir!.reservations[0]!.range;
    expect(res.base % (2n << 20n)).toBe(0n);
    expect(res.base).toBeGreaterThan(0n);
    const dom = r.ir!.domains.find((d) => d.name === "dom")!;
    expect(dom.reserved.find((x) => x.reservation === "r")?.range).toEqual(res);
  });

  test("a mapping into a reservation lands at its base and records it", () => {
    const r = check(BASE + "reservation r in dom size 1M at 0x8000_0000\nmap buf -> r rw\n");
    const m = r.ir!.mappings.find((x) => x.reservation === "r")!;
    expect(m).toMatchObject({ iova: 0x8000_0000n, target: { kind: "domain", name: "dom" } });
  });
});
