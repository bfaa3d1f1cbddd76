/**
 * Conformance for plugins without tables (`capabilities().levels === 0`, e.g. `direct`): the
 * translation is a fixed window that map and unmap cannot change, so the map/unmap properties do
 * not apply. Instead: create allocates no table page and tables() reports none; walk() and
 * leaves() agree (every run's edges translate as the run says, the pages just outside fault, and
 * random addresses in and around the aperture translate exactly when a run covers them); map()
 * accepts exactly the requests the window already provides and refuses the rest with a
 * MappingError; a request with neither read nor write is refused; neither map nor unmap changes
 * leaves(), and unmap reports 0 bytes revoked.
 */
import fc from "fast-check";
import { isMappingError, PROT_READ, PROT_WRITE, type VcmPlugin } from "../types.js";
import { Fixture, hex, type ConformanceOptions } from "./fixture.js";
import { coalesce, type ReferenceRange } from "./reference.js";
import { refused, rightsMask } from "./self-tests.js";

function sameRuns(a: readonly ReferenceRange[], b: readonly ReferenceRange[]): boolean {
  return JSON.stringify(coalesce(a)) === JSON.stringify(coalesce(b));
}

function runAt(runs: readonly ReferenceRange[], pfn: number): ReferenceRange | undefined {
  return runs.find((r) => r.start <= pfn && pfn < r.end);
}

/**
 * A plugin without tables, checked as a fixed window (plugins/README.md says what is checked).
 * Long on purpose: one check after another in the order the README lists them, each a few lines.
 */
export function runFixedWindow(
  plugin: VcmPlugin,
  options: ConformanceOptions,
  runs: number,
): string[] {
  const failures: string[] = [];
  const guard = (name: string, body: () => string[]): void => {
    try {
      failures.push(...body().map((m) => `${name}: ${m}`));
    } catch (e) {
      failures.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const f = new Fixture(plugin, options);
  const mask = rightsMask(f.caps);
  const window = f.leaves();
  const apStart = Number(f.aperture.base >> 12n);
  const apEnd = Number((f.aperture.base + f.aperture.size) >> 12n);

  guard("no-tables", () => {
    const out: string[] = [];
    if (f.pool.usedBytes !== 0) out.push(`create allocated ${f.pool.usedBytes} pool bytes`);
    if (f.tables().length !== 0) out.push(`tables() reports ${f.tables().length} table(s)`);
    return out;
  });

  guard("window-inside-aperture", () =>
    window
      .filter((r) => r.start < apStart || r.end > apEnd)
      .map((r) => `leaves() run ${hex(r.start * 4096)}..${hex(r.end * 4096)} leaves the aperture`),
  );

  guard("walk-at-run-edges", () => {
    const out: string[] = [];
    for (const r of window) {
      for (const [pfn, paPfn] of [
        [r.start, r.pa],
        [r.end - 1, r.pa + (r.end - 1 - r.start)],
      ] as const) {
        const iova = (BigInt(pfn) << 12n) + 42n;
        const w = f.walk(iova);
        if (!w.ok) out.push(`walk ${hex(iova)} faulted: ${w.reason}`);
        else if (w.pa !== (BigInt(paPfn) << 12n) + 42n || (w.prot & mask) !== (r.prot & mask)) {
          out.push(`walk ${hex(iova)} gave ${hex(w.pa)}, leaves() says ${hex(paPfn * 4096 + 42)}`);
        }
      }
      for (const pfn of [r.start - 1, r.end]) {
        if (pfn < 0 || runAt(window, pfn)) continue;
        const w = f.walk(BigInt(pfn) << 12n);
        if (w.ok) out.push(`walk ${hex(pfn * 4096)} (outside every run) translated`);
      }
    }
    return out;
  });

  guard("no-read-no-write-refused", () => {
    const r = window[0];
    const iova = BigInt(r?.start ?? apStart) << 12n;
    const pa = BigInt(r?.pa ?? 0) << 12n;
    return refused(
      () => plugin.map(f.handle, iova, pa, 4096n, 1, 0, 0),
      "no-permission",
      "map with neither read nor write",
    );
  });

  // Random pages: the aperture, a little on both sides, and every run's edges.
  const edges = window.flatMap((r) => [r.start - 1, r.start, r.end - 1, r.end]);
  const span = Math.max(apEnd - apStart, 1);
  const top = Number.MAX_SAFE_INTEGER;
  const page = fc.oneof(
    fc.integer({ min: Math.max(0, apStart - 16), max: Math.min(top, apEnd + 16) }),
    fc.integer({ min: Math.max(0, apStart - span), max: Math.min(top, apEnd + span) }),
    ...(edges.length > 0 ? [fc.constantFrom(...edges.filter((p) => p >= 0))] : []),
  );
  const request = fc.record({
    pfn: page,
    count: fc.integer({ min: 1, max: 4 }),
    // 0: the pa the window gives the first page; else off by that many pages.
    paDelta: fc.oneof(fc.constant(0), fc.integer({ min: -2, max: 2 })),
    write: fc.boolean(),
  });

  guard("walk-agrees-with-leaves", () => {
    const result = fc.check(
      fc.property(page, (pfn) => {
        const iova = (BigInt(pfn) << 12n) + 42n;
        const w = f.walk(iova);
        const r = runAt(window, pfn);
        if (r === undefined) {
          if (w.ok) throw new Error(`walk ${hex(iova)} translated; leaves() has no run there`);
          return;
        }
        const want = (BigInt(r.pa + (pfn - r.start)) << 12n) + 42n;
        if (!w.ok) throw new Error(`walk ${hex(iova)} faulted (${w.reason}); leaves() maps it`);
        if (w.pa !== want) throw new Error(`walk ${hex(iova)} gave ${hex(w.pa)}, not ${hex(want)}`);
      }),
      {
        numRuns: Math.max(runs * 10, 100),
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
      },
    );
    return result.failed ? [`seed ${result.seed}: ${String(result.errorInstance)}`] : [];
  });

  guard("map-confirms-only-the-window", () => {
    const result = fc.check(
      fc.property(request, ({ pfn, count, paDelta, write }) => {
        const r = runAt(window, pfn);
        const paPfn = Math.max(0, (r ? r.pa + (pfn - r.start) : pfn) + paDelta);
        let provided = true;
        for (let k = 0; k < count; k++) {
          const run = runAt(window, pfn + k);
          if (run === undefined || run.pa + (pfn + k - run.start) !== paPfn + k) provided = false;
        }
        const iova = BigInt(pfn) << 12n;
        const what = `map ${hex(iova)} -> ${hex(paPfn * 4096)} x${count}`;
        const prot = write ? PROT_READ | PROT_WRITE : PROT_READ;
        try {
          plugin.map(f.handle, iova, BigInt(paPfn) << 12n, 4096n, count, prot, 0);
          if (!provided) throw new Error(`${what} was accepted; the window does not provide it`);
        } catch (e) {
          if (!isMappingError(e)) throw e;
          if (provided)
            throw new Error(`${what} was refused (${e.message}); the window provides it`);
        }
        const got = plugin.unmap(f.handle, iova, BigInt(count) << 12n);
        if (got !== 0n)
          throw new Error(`unmap ${hex(iova)} x${count} reported ${hex(got)} revoked`);
        if (!sameRuns(f.leaves(), window)) throw new Error(`leaves() changed after ${what}`);
      }),
      {
        numRuns: Math.max(runs * 10, 100),
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
      },
    );
    return result.failed ? [`seed ${result.seed}: ${String(result.errorInstance)}`] : [];
  });

  return failures;
}
