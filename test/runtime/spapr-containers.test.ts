/**
 * sPAPR TCE containers at run time, rule by rule against vfio_iommu_spapr_tce.c and
 * book3s64/iommu_api.c: each rule fires once and stays quiet on a close valid variant.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { verify } from "../../src/runtime/index.js";
import type { RunReport } from "../../src/runtime/report.js";
import { lowerText } from "./helpers.js";

const SAMPLE = readFileSync("samples/spapr-v2.vcm", "utf8").replace(/scenario hot_add[\s\S]*$/, "");

/**
 * The sample's locked memory before any registration: the TCE tables of its two windows with
 * 64K host pages, each counted twice (hardware table and userspace copy):
 * default32 (2G of 4K TCEs, 1 level) 4M, ddw (64G of 64K TCEs, 2 levels) 8M + one 64K level.
 */
const SAMPLE_TABLES = 2n * (0x40_0000n + 0x80_0000n + 0x1_0000n);
const G = 1n << 30n;

/** Two containers of one owner process `qemu`, 64K host pages, a limit of 6G. */
const OWNED = `topology owned
memory guest 0x0 .. +16G ram
pool tables in guest[0x3_C000_0000 .. +256M]
iommu phb0 : spapr-tce { page-sizes 4K 64K 16M }
device gpu0 behind phb0 group 1
device nic0 behind phb0 group 2
container a on phb0 : spapr-v2 {
  groups 1; owner qemu; locked-limit 6G; host-page 64K
  register guest[0 .. +4G]
  window ddw size 64G page 64K levels 2
}
container b on phb0 : spapr-v2 {
  groups 2; owner qemu; locked-limit 6G; host-page 64K
  register guest[0 .. +4G]
  window ddw size 64G page 64K levels 2
}
map guest[0 .. +1G] -> a.ddw at 0x0800_0000_0000_0000 rw
map guest[0 .. +1G] -> b.ddw at 0x0800_0000_0000_0000 rw
`;

function run(text: string): RunReport {
  const l = lowerText(text);
  return verify(l.compiled, l.ir, l.plugins);
}

function checks(report: RunReport, scenario?: string): [string, number | undefined][] {
  return report.failures.filter((f) => f.scenario === scenario).map((f) => [f.check, f.step]);
}

describe("registration (tce_iommu_register_pages, mm_iommu_do_alloc)", () => {
  it("the identical range again in the same container is refused (-EBUSY), nothing changes", () => {
    const r = run(
      SAMPLE + `scenario s { register c0 guest[4G .. +1G]; register c0 guest[4G .. +1G] }`,
    );
    expect(checks(r, "s")).toEqual([["register-busy", 2]]);
    expect(r.failures[0]!.message).toContain("-EBUSY");
    expect(r.scenarios[0]!.containers[0]!.lockedEnd).toBe(SAMPLE_TABLES + 5n * G);
  });

  it("the identical range from another container of the owner only takes a reference", () => {
    const r = run(
      OWNED +
        `scenario s {
           register a guest[4G .. +1G]
           register b guest[4G .. +1G]
           unregister a guest[4G .. +1G]
           unregister b guest[4G .. +1G]
         }`,
    );
    expect(r.failures.map((f) => f.message)).toEqual([]);
    const s = r.scenarios[0]!;
    expect(s.steps[1]!.notes[0]).toContain("reference count now 2");
    // Registered once for the owner: 4G + 1G, not 4G + 4G + 2G.
    expect(s.containers.map((c) => c.owner)).toEqual(["qemu", "qemu"]);
    expect(s.containers[0]!.lockedStart).toBe(s.containers[0]!.lockedEnd);
  });

  it("an overlapping, different range is refused (-EINVAL), even from another container", () => {
    const r = run(OWNED + `scenario s { register b guest[3G .. +1G] }`);
    expect(checks(r, "s")).toEqual([["register-overlap", 1]]);
    expect(r.failures[0]!.message).toContain("-EINVAL");
    const quiet = run(OWNED + `scenario s { register b guest[4G .. +1G] }`);
    expect(checks(quiet, "s")).toEqual([]);
  });

  it("a range not aligned to the host page is refused (-EINVAL), not rounded", () => {
    const r = run(SAMPLE + `scenario s { register c0 guest[5G + 4K .. +60K] }`);
    expect(checks(r, "s")).toEqual([["register-unaligned-at-run", 1]]);
    expect(r.scenarios[0]!.containers[0]!.lockedEnd).toBe(SAMPLE_TABLES + 4n * G);
    const quiet = run(SAMPLE + `scenario s { register c0 guest[5G + 64K .. +64K] }`);
    expect(checks(quiet, "s")).toEqual([]);
    expect(quiet.scenarios[0]!.containers[0]!.lockedEnd).toBe(SAMPLE_TABLES + 4n * G + 0x1_0000n);
  });

  it("a register refused for the locked limit leaves nothing registered and nothing locked", () => {
    const small = SAMPLE.replace("locked-limit 32G", "locked-limit 5G + 32M");
    const r = run(
      small +
        `scenario s {
           register c0 guest[4G .. +2G]
           register c0 guest[4G .. +1G]
           unregister c0 guest[4G .. +1G]
         }`,
    );
    // Step 2 would be -EBUSY or -EINVAL had step 1 left its region behind.
    expect(checks(r, "s")).toEqual([["locked-limit-exceeded-at-run", 1]]);
    expect(r.failures[0]!.message).toContain("-ENOMEM");
    const s = r.scenarios[0]!;
    expect(s.containers[0]!.lockedStart).toBe(SAMPLE_TABLES + 4n * G);
    expect(s.containers[0]!.lockedEnd).toBe(SAMPLE_TABLES + 4n * G);
  });

  it("locked memory is the owner's: two containers' registrations and tables share one limit", () => {
    // 4G registered once + four tables of 8M + 64K (twice each) stay under 6G; 2G more does not.
    const r = run(OWNED + `scenario s { register b guest[8G .. +2G] }`);
    expect(checks(r, "s")).toEqual([["locked-limit-exceeded-at-run", 1]]);
    expect(r.failures[0]!.message).toContain("'qemu'");
    const quiet = run(OWNED + `scenario s { register b guest[8G .. +1G] }`);
    expect(checks(quiet, "s")).toEqual([]);
  });

  it("an spapr-v1 container has no pre-registration (-ENOTTY)", () => {
    const v1 = `topology v1
memory guest 0x0 .. +16G ram
pool tables in guest[0x3_C000_0000 .. +256M]
iommu phb0 : spapr-tce
device gpu0 behind phb0 group 1
container c0 on phb0 : spapr-v1 { groups 1; locked-limit 4G }
map guest[0 .. +16M] -> c0.default32 at 0x100_0000 rw
expect gpu0 writes guest[0 .. +16M]
`;
    const quiet = run(v1);
    expect(quiet.failures.map((f) => f.message)).toEqual([]);
    const r = run(v1 + `scenario s { register c0 guest[4G .. +1G] }`);
    expect(checks(r, "s")).toEqual([["spapr-v1-register-at-run", 1]]);
  });
});

describe("TCEs come from one registered region (mm_iommu_lookup, mm_iommu_ua_to_hpa)", () => {
  const HUGE = (register: string) => `topology huge
memory guest 0x0 .. +16G ram
pool tables in guest[0x3_C000_0000 .. +256M]
iommu phb0 : spapr-tce { page-sizes 4K 64K 16M }
device gpu0 behind phb0 group 1
container c0 on phb0 : spapr-v2 {
  groups 1; host-page 64K; backing-page 16M
  ${register}
  remove default32
  window ddw size 64G page 16M levels 1
}
`;

  it("a 16M TCE over memory registered as two regions is refused; one region backs it", () => {
    const step = `scenario s { map guest[0 .. +32M] -> c0.ddw at 16M rw }`;
    const r = run(HUGE("register guest[0 .. +8M]; register guest[8M .. +24M]") + step);
    expect(checks(r, "s")).toEqual([["tce-not-in-one-region-at-run", 1]]);
    expect(r.failures[0]!.message).toContain("not inside one registered region");
    const quiet = run(HUGE("register guest[0 .. +32M]") + step);
    expect(checks(quiet, "s")).toEqual([]);
  });

  it("a region backed by 64K pages cannot back a 16M TCE", () => {
    const text = HUGE("register guest[0 .. +32M]").replace("backing-page 16M", "backing-page 64K");
    const r = run(text + `scenario s { map guest[0 .. +32M] -> c0.ddw at 16M rw }`);
    expect(checks(r, "s")).toEqual([["tce-not-in-one-region-at-run", 1]]);
    expect(r.failures[0]!.message).toContain("at most 64K");
  });

  it("memory registered by nothing is refused as unregistered", () => {
    const r = run(
      SAMPLE + `scenario s { map guest[8G .. +1M] -> c0.ddw at 0x0800_0002_0000_0000 rw }`,
    );
    expect(checks(r, "s")).toEqual([["map-unregistered", 1]]);
  });
});

describe("detach (the container's groups)", () => {
  it("the last group cannot leave while the windows map memory; earlier groups can", () => {
    const r = run(
      SAMPLE +
        `scenario s { detach gpu0; expect gpu0 faults at 0x0800_0000_0000_0000; detach nic0 }`,
    );
    expect(checks(r, "s")).toEqual([["detach-last-group-mapped", 3]]);
    expect(r.failures[0]!.message).toContain("-EBUSY");
  });

  it("once nothing is mapped, the last group leaves", () => {
    const r = run(
      SAMPLE +
        `scenario s {
           detach gpu0
           unmap guest[0 .. +4G] from c0.ddw
           unmap guest[0x1000_0000 .. +1M] from c0.default32
           detach nic0
           expect nic0 faults at 0x1000_0000
         }`,
    );
    expect(r.failures.map((f) => f.message)).toEqual([]);
  });
});
