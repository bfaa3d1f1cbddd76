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

/**
 * The sequence checker for a plugin and options, or a failure when nothing can be tested.
 * Long on purpose: the checks after each step share the fixture and the reference, and are
 * listed in the order the README gives them.
 */
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
  const minPages = Number(sizes[0]! >> 12n);
  const regionBytes = probe.aperture.size < 4n * largest ? probe.aperture.size : 4n * largest;
  const regionPages = Number(regionBytes >> 12n);
  if (regionPages > MAX_REGION_PAGES)
    return `properties: region of ${hex(regionBytes)} is too large`;
  const basePfn = Number(probe.aperture.base >> 12n);
  const paLimitPages = Math.min(2 ** (caps.outputBits - 12), 2 ** 40);
  const mask = rightsMask(caps);

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
    const f = new Fixture(plugin, options);
    const usedAtCreate = f.pool.usedBytes;
    const ref = new IntervalReference();
    const fail = (msg: string): never => {
      throw new Error(`${msg}\n  reference: ${describeRanges(ref.ranges)}`);
    };
    cmds.forEach((c, step) => {
      if (c.kind === "map") {
        const size = sizes[c.sizeIndex % sizes.length]!;
        const pages = Number(size >> 12n);
        const slots = Math.floor(regionPages / pages);
        const count = Math.min(c.count, slots);
        const start = (c.slot % (slots - count + 1)) * pages;
        const paSlots = Math.floor(paLimitPages / pages) - count + 1;
        if (paSlots < 1) return;
        const pa = ((c.paSlot ?? 0) % paSlots) * pages;
        const prot = c.write === true ? PROT_READ | PROT_WRITE : PROT_READ;
        const iova = (BigInt(basePfn + start) << 12n) as bigint;
        const accepted = !ref.overlaps(start, start + count * pages);
        try {
          plugin.map(f.handle, iova, BigInt(pa) << 12n, size, count, prot, 0);
          if (!accepted)
            fail(`step ${step}: map ${hex(iova)} x${count} ${hex(size)} overlaps but was accepted`);
          ref.map(start, start + count * pages, pa, expectedRights(caps, prot), 0);
        } catch (e) {
          if (!isMappingError(e)) throw e;
          if (accepted)
            fail(`step ${step}: map ${hex(iova)} x${count} ${hex(size)} refused: ${e.message}`);
          if (e.code !== "exists")
            fail(`step ${step}: overlapping map refused as '${e.code}', not 'exists'`);
        }
      } else {
        // Unmaps are whole smallest pages: nothing can split the smallest page.
        const first = c.start % regionPages;
        const start = first - (first % minPages);
        const end = Math.min(regionPages, start + Math.ceil(c.length / minPages) * minPages);
        const expected = ref.unmap(start, end);
        const iova = BigInt(basePfn + start) << 12n;
        const got = plugin.unmap(f.handle, iova, BigInt(end - start) << 12n);
        if (got !== BigInt(expected) << 12n) {
          fail(
            `step ${step}: unmap ${hex(iova)}..+${hex((end - start) * 4096)} returned ${hex(got)}, expected ${hex(expected * 4096)}`,
          );
        }
      }
      const want = coalesce(
        ref.ranges.map((r) => ({ ...r, start: r.start + basePfn, end: r.end + basePfn })),
      );
      const have = coalesce(f.leaves().map((r) => ({ ...r, prot: r.prot & mask, attrs: 0 })));
      if (JSON.stringify(want) !== JSON.stringify(have)) {
        fail(`step ${step}: leaves() = ${describeRanges(have)}, expected ${describeRanges(want)}`);
      }
    });

    // Walks agree with the intent at the edges of every range, and fault just outside.
    for (const r of ref.ranges) {
      for (const [pfn, paPfn] of [
        [r.start, r.pa],
        [r.end - 1, r.pa + (r.end - 1 - r.start)],
      ] as const) {
        const iova = (BigInt(basePfn + pfn) << 12n) + 42n;
        const w = f.walk(iova);
        if (!w.ok) fail(`walk ${hex(iova)} faulted: ${w.reason}`);
        else if (w.pa !== (BigInt(paPfn) << 12n) + 42n || (w.prot & mask) !== r.prot) {
          fail(
            `walk ${hex(iova)} gave ${hex(w.pa)} ${rightsText(w.prot)}, expected ${hex(paPfn * 4096 + 42)} ${rightsText(r.prot)}`,
          );
        }
      }
      for (const pfn of [r.start - 1, r.end]) {
        if (pfn < 0 || pfn >= regionPages || ref.find(pfn)) continue;
        const iova = BigInt(basePfn + pfn) << 12n;
        const w = f.walk(iova);
        if (w.ok) fail(`walk ${hex(iova)} (unmapped) translated to ${hex(w.pa)}`);
      }
    }
    // leaves() agrees with walk().
    for (const run of f.leaves()) {
      const iova = BigInt(run.start) << 12n;
      const w = f.walk(iova);
      if (!w.ok || w.pa !== BigInt(run.pa) << 12n || w.prot !== run.prot) {
        fail(
          `leaves() reports ${hex(iova)}->${hex(run.pa * 4096)} but walk() ${w.ok ? `gives ${hex(w.pa)} ${rightsText(w.prot)}` : "faults"}`,
        );
      }
    }
    // Every table stays inside the pool.
    for (const t of f.tables()) {
      if (!f.pool.contains(Number(t.pa), t.bytes))
        fail(`table ${hex(t.pa)} (+${t.bytes}) lies outside the pool`);
    }
    // Unmapping everything frees every table allocated since create().
    plugin.unmap(f.handle, f.aperture.base, f.aperture.size);
    if (f.leaves().length !== 0) fail("leaves remain after unmapping everything");
    if (f.pool.usedBytes !== usedAtCreate) {
      fail(
        `after unmapping everything the pool holds ${f.pool.usedBytes} bytes, ${usedAtCreate} right after create`,
      );
    }
    const tables = f.tables();
    if (tables.length !== 1)
      fail(
        `after unmapping everything ${tables.length} tables are reachable, expected the root only`,
      );
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
