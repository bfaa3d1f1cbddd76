/**
 * Property tests (fast-check) for any plugin: random map/unmap sequences against the interval
 * reference. After every step leaves() must equal the reference; at the end, walks of every
 * range's first and last page translate as intended, the pages just outside fault, every leaf run
 * agrees with walk(), every table lies inside the pool, and unmapping everything frees every table
 * page allocated since create().
 */
import fc from "fast-check";
import { isMappingError, PROT_READ, PROT_WRITE, type VcmPlugin } from "../types.js";
import { rightsText } from "./words.js";
import { Fixture, hex, type ConformanceOptions } from "./fixture.js";
import { IntervalReference, coalesce, type ReferenceRange } from "./reference.js";
import { expectedRights, rightsMask } from "./self-tests.js";

/**
 * One random step. Numbers are reduced into the tested region: `slot`/`paSlot` modulo the slots
 * of the chosen page size (`sizeIndex` into the tested sizes), `start`/`length` in 4K pages.
 */
export type ConformanceCommand =
  | {
      kind: "map";
      slot: number;
      sizeIndex: number;
      count: number;
      paSlot?: number;
      write?: boolean;
    }
  | { kind: "unmap"; start: number; length: number };

const MAX_REGION_PAGES = 2 ** 32;

function describeRanges(ranges: readonly ReferenceRange[]): string {
  return ranges
    .slice(0, 6)
    .map(
      (r) =>
        `[${hex(r.start * 4096)}..${hex(r.end * 4096)})->${hex(r.pa * 4096)} ${rightsText(r.prot)}`,
    )
    .join(" ");
}

/** The tested region and what the checks compare with, worked out once per plugin and options. */
interface SequenceGeometry {
  caps: Fixture["caps"];
  /** The page sizes that fit the aperture, smallest first. */
  sizes: bigint[];
  /** The smallest page, in 4K pages: nothing can split it. */
  minPages: number;
  /** The tested region (the aperture's first four largest pages), in 4K pages. */
  regionPages: number;
  basePfn: number;
  paLimitPages: number;
  /** The rights bits the format can express. */
  mask: number;
}

/**
 * One command sequence on a fresh fixture, against the interval reference: each step is applied
 * to both and leaves() compared; `finish` then checks walks, leaves against walks, where the
 * tables are, and that unmapping everything frees every table.
 */
class SequenceRun {
  private readonly f: Fixture;
  private readonly usedAtCreate: number;
  private readonly ref = new IntervalReference();

  constructor(
    private readonly plugin: VcmPlugin,
    options: ConformanceOptions,
    private readonly g: SequenceGeometry,
  ) {
    this.f = new Fixture(plugin, options);
    this.usedAtCreate = this.f.pool.usedBytes;
  }

  private fail(msg: string): never {
    throw new Error(`${msg}\n  reference: ${describeRanges(this.ref.ranges)}`);
  }

  step(c: ConformanceCommand, step: number): void {
    if (c.kind === "map") {
      if (!this.map(c, step)) return;
    } else this.unmap(c, step);
    this.compareLeaves(step);
  }

  finish(): void {
    this.checkWalks();
    this.checkLeavesAgainstWalks();
    this.checkTablesInPool();
    this.checkUnmapAll();
  }

  /** A map, accepted exactly when the reference has nothing there; false if it cannot be placed. */
  private map(c: Extract<ConformanceCommand, { kind: "map" }>, step: number): boolean {
    const { sizes, regionPages, paLimitPages, basePfn, caps } = this.g;
    const size = sizes[c.sizeIndex % sizes.length]!;
    const pages = Number(size >> 12n);
    const slots = Math.floor(regionPages / pages);
    const count = Math.min(c.count, slots);
    const start = (c.slot % (slots - count + 1)) * pages;
    const paSlots = Math.floor(paLimitPages / pages) - count + 1;
    if (paSlots < 1) return false;
    const pa = ((c.paSlot ?? 0) % paSlots) * pages;
    const prot = c.write === true ? PROT_READ | PROT_WRITE : PROT_READ;
    const iova = (BigInt(basePfn + start) << 12n) as bigint;
    const accepted = !this.ref.overlaps(start, start + count * pages);
    try {
      this.plugin.map(this.f.handle, iova, BigInt(pa) << 12n, size, count, prot, 0);
      if (!accepted)
        this.fail(
          `step ${step}: map ${hex(iova)} x${count} ${hex(size)} overlaps but was accepted`,
        );
      this.ref.map(start, start + count * pages, pa, expectedRights(caps, prot), 0);
    } catch (e) {
      if (!isMappingError(e)) throw e;
      if (accepted)
        this.fail(`step ${step}: map ${hex(iova)} x${count} ${hex(size)} refused: ${e.message}`);
      if (e.code !== "exists")
        this.fail(`step ${step}: overlapping map refused as '${e.code}', not 'exists'`);
    }
    return true;
  }

  /** Unmaps are whole smallest pages: nothing can split the smallest page. */
  private unmap(c: Extract<ConformanceCommand, { kind: "unmap" }>, step: number): void {
    const { regionPages, minPages, basePfn } = this.g;
    const first = c.start % regionPages;
    const start = first - (first % minPages);
    const end = Math.min(regionPages, start + Math.ceil(c.length / minPages) * minPages);
    const expected = this.ref.unmap(start, end);
    const iova = BigInt(basePfn + start) << 12n;
    const got = this.plugin.unmap(this.f.handle, iova, BigInt(end - start) << 12n);
    if (got !== BigInt(expected) << 12n) {
      this.fail(
        `step ${step}: unmap ${hex(iova)}..+${hex((end - start) * 4096)} returned ${hex(got)}, expected ${hex(expected * 4096)}`,
      );
    }
  }

  private compareLeaves(step: number): void {
    const { basePfn, mask } = this.g;
    const want = coalesce(
      this.ref.ranges.map((r) => ({ ...r, start: r.start + basePfn, end: r.end + basePfn })),
    );
    const have = coalesce(this.f.leaves().map((r) => ({ ...r, prot: r.prot & mask, attrs: 0 })));
    if (JSON.stringify(want) !== JSON.stringify(have)) {
      this.fail(
        `step ${step}: leaves() = ${describeRanges(have)}, expected ${describeRanges(want)}`,
      );
    }
  }

  /** Walks agree with the intent at the edges of every range, and fault just outside. */
  private checkWalks(): void {
    const { basePfn, mask, regionPages } = this.g;
    for (const r of this.ref.ranges) {
      for (const [pfn, paPfn] of [
        [r.start, r.pa],
        [r.end - 1, r.pa + (r.end - 1 - r.start)],
      ] as const) {
        const iova = (BigInt(basePfn + pfn) << 12n) + 42n;
        const w = this.f.walk(iova);
        if (!w.ok) this.fail(`walk ${hex(iova)} faulted: ${w.reason}`);
        else if (w.pa !== (BigInt(paPfn) << 12n) + 42n || (w.prot & mask) !== r.prot) {
          this.fail(
            `walk ${hex(iova)} gave ${hex(w.pa)} ${rightsText(w.prot)}, expected ${hex(paPfn * 4096 + 42)} ${rightsText(r.prot)}`,
          );
        }
      }
      for (const pfn of [r.start - 1, r.end]) {
        if (pfn < 0 || pfn >= regionPages || this.ref.find(pfn)) continue;
        const iova = BigInt(basePfn + pfn) << 12n;
        const w = this.f.walk(iova);
        if (w.ok) this.fail(`walk ${hex(iova)} (unmapped) translated to ${hex(w.pa)}`);
      }
    }
  }

  private checkLeavesAgainstWalks(): void {
    for (const run of this.f.leaves()) {
      const iova = BigInt(run.start) << 12n;
      const w = this.f.walk(iova);
      if (!w.ok || w.pa !== BigInt(run.pa) << 12n || w.prot !== run.prot) {
        this.fail(
          `leaves() reports ${hex(iova)}->${hex(run.pa * 4096)} but walk() ${w.ok ? `gives ${hex(w.pa)} ${rightsText(w.prot)}` : "faults"}`,
        );
      }
    }
  }

  private checkTablesInPool(): void {
    for (const t of this.f.tables()) {
      if (!this.f.pool.contains(Number(t.pa), t.bytes))
        this.fail(`table ${hex(t.pa)} (+${t.bytes}) lies outside the pool`);
    }
  }

  /** Unmapping everything frees every table allocated since create(). */
  private checkUnmapAll(): void {
    const f = this.f;
    this.plugin.unmap(f.handle, f.aperture.base, f.aperture.size);
    if (f.leaves().length !== 0) this.fail("leaves remain after unmapping everything");
    if (f.pool.usedBytes !== this.usedAtCreate) {
      this.fail(
        `after unmapping everything the pool holds ${f.pool.usedBytes} bytes, ${this.usedAtCreate} right after create`,
      );
    }
    const tables = f.tables();
    if (tables.length !== 1)
      this.fail(
        `after unmapping everything ${tables.length} tables are reachable, expected the root only`,
      );
  }
}

/** The sequence checker for a plugin and options, or a failure when nothing can be tested. */
function sequenceChecker(
  plugin: VcmPlugin,
  options: ConformanceOptions,
):
  | { check: (cmds: ConformanceCommand[]) => void; command: fc.Arbitrary<ConformanceCommand> }
  | string {
  const probe = new Fixture(plugin, options);
  const caps = probe.caps;
  const sizes = probe.pageSizes.filter((s) => s <= probe.aperture.size);
  if (sizes.length === 0) return "properties: the plugin lists no usable page size";
  const largest = sizes.at(-1)!;
  const regionBytes = probe.aperture.size < 4n * largest ? probe.aperture.size : 4n * largest;
  const regionPages = Number(regionBytes >> 12n);
  if (regionPages > MAX_REGION_PAGES)
    return `properties: region of ${hex(regionBytes)} is too large`;
  const geometry: SequenceGeometry = {
    caps,
    sizes,
    minPages: Number(sizes[0]! >> 12n),
    regionPages,
    basePfn: Number(probe.aperture.base >> 12n),
    paLimitPages: Math.min(2 ** (caps.outputBits - 12), 2 ** 40),
    mask: rightsMask(caps),
  };

  const command: fc.Arbitrary<ConformanceCommand> = fc.oneof(
    fc.record({
      kind: fc.constant("map" as const),
      slot: fc.nat(),
      sizeIndex: fc.nat({ max: sizes.length - 1 }),
      count: fc.integer({ min: 1, max: 3 }),
      paSlot: fc.nat(),
      write: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant("unmap" as const),
      start: fc.nat({ max: regionPages - 1 }),
      length: fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: regionPages })),
    }),
  );

  const check = (cmds: ConformanceCommand[]): void => {
    const run = new SequenceRun(plugin, options, geometry);
    cmds.forEach((c, step) => run.step(c, step));
    run.finish();
  };
  return { check, command };
}

export function runProperties(
  plugin: VcmPlugin,
  options: ConformanceOptions,
  runs: number,
): string[] {
  const checker = sequenceChecker(plugin, options);
  if (typeof checker === "string") return [checker];
  const { check, command } = checker;
  const result = fc.check(fc.property(fc.array(command, { minLength: 1, maxLength: 24 }), check), {
    numRuns: runs,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
  if (!result.failed) return [];
  const error =
    result.errorInstance instanceof Error
      ? result.errorInstance.message
      : String(result.errorInstance);
  return [
    `random map/unmap sequences (seed ${result.seed}): ${error}\n  commands: ${JSON.stringify(result.counterexample?.[0])}`,
  ];
}

/**
 * A deterministic random command sequence of `length` steps over the same region and page sizes
 * as the property (for one long run through `replaySequence`), or a failure message.
 */
export function randomSequence(
  plugin: VcmPlugin,
  options: ConformanceOptions,
  length: number,
  seed: number,
): ConformanceCommand[] | string {
  const checker = sequenceChecker(plugin, options);
  if (typeof checker === "string") return checker;
  return fc.sample(checker.command, { seed, numRuns: length });
}

/**
 * Run one command sequence (e.g. the counterexample of a failed run, as printed) through the same
 * checks as the random property; returns the failures (empty when the plugin behaved).
 */
export function replaySequence(
  plugin: VcmPlugin,
  options: ConformanceOptions,
  commands: ConformanceCommand[],
): string[] {
  const checker = sequenceChecker(plugin, options);
  if (typeof checker === "string") return [checker];
  try {
    checker.check(commands);
    return [];
  } catch (e) {
    return [`replayed sequence: ${e instanceof Error ? e.message : String(e)}`];
  }
}
