/**
 * One owner process's view of sPAPR pre-registration and locked memory, as the kernel keeps it
 * per mm (arch/powerpc/mm/book3s64/iommu_api.c) and per container (vfio_iommu_spapr_tce.c):
 * regions live in the mm and are shared by its containers (mm_iommu_get takes a reference), a
 * container holds each at most once (its prereg_list), locked memory is the mm's locked_vm,
 * charged for registrations and for the TCE tables of the windows a container creates. Every
 * operation either happens whole or is refused with nothing changed, as the kernel unwinds.
 * Used by the checks (topology registrations in order) and by the runtime (scenario steps).
 */
import type { IrContainer, IrTopology } from "../ir/types.js";
import { formatSize, hex } from "../diagnostics/format.js";
import { U64_MAX } from "./evaluate.js";
import { hostPageAligned, registrationPageShift, tceTableBytes } from "./spapr.js";

export interface MmRegion {
  base: bigint;
  size: bigint;
  /** mem->used: one per container holding it. */
  used: number;
  /** mem->pageshift: the largest IOMMU page shift it can back. */
  pageShift: number;
  /** Containers with the region on their prereg_list. */
  holders: Set<string>;
}

/** Why an operation was refused; callers map these to their phase's check. */
export type MmProblem =
  | "unaligned" // -EINVAL (tce_iommu_register_pages / unregister_pages)
  | "busy" // -EBUSY: this container already holds the identical region
  | "limit" // -ENOMEM: account_locked_vm over RLIMIT_MEMLOCK
  | "overlap" // -EINVAL: mm_iommu_do_alloc, a different region overlaps
  | "not-found" // -ENOENT
  | "mapped"; // -EBUSY: mm_iommu_put while TCEs still use the region

/**
 * What a refused `register` was about, for the check phase's own templates (VCM0254, VCM0255):
 * the container, the range, and the host page or the registration it collides with.
 */
export interface RegisterFacts {
  container: string;
  range: string;
  hostPage?: string;
  other?: string;
  holders?: string;
}

export type MmResult =
  | { ok: true; note: string }
  | { ok: false; problem: MmProblem; message: string; register?: RegisterFacts };

const ERRNO: Record<MmProblem, string> = {
  unaligned: "-EINVAL",
  busy: "-EBUSY",
  limit: "-ENOMEM",
  overlap: "-EINVAL",
  "not-found": "-ENOENT",
  mapped: "-EBUSY",
};

const rangeText = (base: bigint, size: bigint) => `${hex(base)}..${hex(base + size)}`;

/** The bytes a container locks before any registration: its windows' tables (v2), or v1's window. */
export function containerBaseLocked(c: IrContainer): bigint {
  if (c.model === "spapr-v1") {
    // tce_iommu_enable(): the whole 32-bit window, in pages (tce32_size >> PAGE_SHIFT).
    const w = c.windows.find((x) => x.slot === 0);
    return w ? w.range.size : 0n;
  }
  let total = 0n;
  for (const w of c.windows)
    if (w.slot < 2) total += tceTableBytes(w.pageSize, w.range.size, w.levels, c.hostPageSize);
  return total;
}

/** Containers by owner process, in declaration order. */
export function containersByOwner(ir: Pick<IrTopology, "containers">): Map<string, IrContainer[]> {
  const owners = new Map<string, IrContainer[]>();
  for (const c of ir.containers) {
    let list = owners.get(c.owner);
    if (!list) owners.set(c.owner, (list = []));
    list.push(c);
  }
  return owners;
}

/** RLIMIT_MEMLOCK of an owner: the limit its containers declare (the smallest, if they differ). */
export function ownerLimit(containers: readonly IrContainer[]): bigint {
  let limit = U64_MAX;
  for (const c of containers)
    if (c.lockedLimitDeclared && c.lockedLimit < limit) limit = c.lockedLimit;
  return limit;
}

export class SpaprMm {
  readonly regions: MmRegion[] = [];
  /** locked_vm, in bytes. */
  locked = 0n;

  constructor(
    readonly owner: string,
    readonly limit: bigint,
  ) {}

  private refuse(problem: MmProblem, message: string, register?: RegisterFacts): MmResult {
    return {
      ok: false,
      problem,
      message: `${message} (${ERRNO[problem]})`,
      ...(register ? { register } : {}),
    };
  }

  /** account_locked_vm(mm, bytes, true); refused over the limit with nothing charged. */
  charge(bytes: bigint, what: string): MmResult {
    if (this.locked + bytes > this.limit)
      return this.refuse(
        "limit",
        `${what} would lock ${hex(this.locked + bytes)} bytes for '${this.owner}', over its locked-limit ${hex(this.limit)}`,
      );
    this.locked += bytes;
    return { ok: true, note: `'${this.owner}' locks ${hex(this.locked)} bytes` };
  }

  /** tce_iommu_register_pages(): the exact range, or a reference to the identical one. */
  register(c: IrContainer, base: bigint, size: bigint): MmResult {
    const facts = { container: c.name, range: rangeText(base, size) };
    const what = `${c.name}: register ${facts.range}`;
    if (!hostPageAligned(base, size, c.hostPageSize) || base + size > 1n << 64n) {
      const hostPage = hex(c.hostPageSize);
      return this.refuse("unaligned", `${what} is not aligned to the ${hostPage}-byte host page`, {
        ...facts,
        hostPage,
      });
    }
    const same = this.regions.find((r) => r.base === base && r.size === size);
    if (same) {
      if (same.holders.has(c.name))
        return this.refuse("busy", `${what}: container ${c.name} already holds this region`, facts);
      same.used++;
      same.holders.add(c.name);
      return {
        ok: true,
        note: `shared with ${[...same.holders].filter((h) => h !== c.name).join(", ")}: reference count now ${same.used}`,
      };
    }
    // mm_iommu_do_alloc(): charge first, then look for overlaps, and unwind on failure.
    const charged = this.charge(size, what);
    if (!charged.ok) return charged;
    const overlap = this.regions.find((r) => r.base < base + size && base < r.base + r.size);
    if (overlap) {
      this.locked -= size;
      const other = rangeText(overlap.base, overlap.size);
      const holders = [...overlap.holders].join(", ");
      return this.refuse("overlap", `${what} overlaps ${other}, registered by ${holders}`, {
        ...facts,
        other,
        holders,
      });
    }
    this.regions.push({
      base,
      size,
      used: 1,
      pageShift: registrationPageShift(base, size, c.hostPageSize, c.backingPageSize),
      holders: new Set([c.name]),
    });
    return charged;
  }

  /**
   * tce_iommu_unregister_pages(): the exact range this container holds; the region goes (and its
   * memory is unlocked) with its last holder, unless TCEs still use it.
   */
  unregister(
    c: IrContainer,
    base: bigint,
    size: bigint,
    mapped: (r: MmRegion) => { pa: bigint; size: bigint } | undefined,
  ): MmResult {
    const what = `${c.name}: unregister ${rangeText(base, size)}`;
    if (!hostPageAligned(base, size, c.hostPageSize))
      return this.refuse(
        "unaligned",
        `${what} is not aligned to the ${hex(c.hostPageSize)}-byte host page`,
      );
    const i = this.regions.findIndex((r) => r.base === base && r.size === size);
    const r = this.regions[i];
    if (!r || !r.holders.has(c.name))
      return this.refuse("not-found", `${what} matches no range this container registered exactly`);
    if (r.used > 1) {
      r.used--;
      r.holders.delete(c.name);
      return { ok: true, note: `reference dropped: ${r.used} left` };
    }
    const busy = mapped(r);
    if (busy)
      return this.refuse(
        "mapped",
        `${what} while ${rangeText(busy.pa, busy.size)} is still mapped through a window`,
      );
    this.regions.splice(i, 1);
    this.locked -= r.size;
    return { ok: true, note: `'${this.owner}' locks ${hex(this.locked)} bytes` };
  }

  /** mm_iommu_lookup(): the one region holding all of `[pa, pa + size)`. */
  lookup(pa: bigint, size: bigint): MmRegion | undefined {
    return this.regions.find((r) => r.base <= pa && pa + size <= r.base + r.size);
  }

  /** Does any region hold `pa`? */
  containing(pa: bigint): MmRegion | undefined {
    return this.regions.find((r) => r.base <= pa && pa < r.base + r.size);
  }
}

/** Why the TCEs of `[pa, pa + size)` with IOMMU pages of `pageSize` cannot be built, if so. */
export type TceProblem =
  | { kind: "unregistered"; pa: bigint }
  | { kind: "crosses"; pa: bigint; region: MmRegion }
  | { kind: "page-shift"; pa: bigint; region: MmRegion };

/**
 * tce_iommu_build_v2() per TCE: mm_iommu_lookup() of the whole IOMMU page, then
 * mm_iommu_ua_to_hpa() with the window's page shift. Walks region by region, not page by page.
 */
export function tceProblem(
  mm: SpaprMm,
  pa: bigint,
  size: bigint,
  pageSize: bigint,
): TceProblem | undefined {
  if (pageSize <= 0n) return undefined; // an invalid window, reported on its own
  const shift = pageSize.toString(2).length - 1;
  let at = pa;
  const end = pa + size;
  while (at < end) {
    const region = mm.lookup(at, pageSize);
    if (!region) {
      const partial = mm.containing(at);
      return partial
        ? { kind: "crosses", pa: at, region: partial }
        : { kind: "unregistered", pa: at };
    }
    if (region.pageShift < shift) return { kind: "page-shift", pa: at, region };
    const pages = (region.base + region.size - at) / pageSize;
    at += (pages > 0n ? pages : 1n) * pageSize;
  }
  return undefined;
}

export function tceProblemText(p: TceProblem, pageSize: bigint): string {
  const page = `the ${formatSize(pageSize)} TCE at pa ${hex(p.pa)}`;
  switch (p.kind) {
    case "unregistered":
      return `${page} is in no registered region`;
    case "crosses":
      return `${page} is not inside one registered region: it runs past ${rangeText(p.region.base, p.region.size)}`;
    case "page-shift":
      return `${page} is larger than the pages of ${rangeText(p.region.base, p.region.size)} can back (at most ${formatSize(1n << BigInt(p.region.pageShift))}, from its alignment and backing pages)`;
  }
}
