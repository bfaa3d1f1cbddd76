/**
 * The fixed cases of Linux's io-pgtable self-tests (arm_lpae_run_tests), for any plugin: an
 * empty table faults; per page size an identity map at k x 1G translates +42, refuses an
 * overlapping map, unmaps exactly its size and then faults, and remaps with other rights; a
 * mapping with neither read nor write is refused; the largest page at the very top of the input
 * space maps and unmaps.
 */
import {
  MappingError,
  PROT_READ,
  PROT_WRITE,
  type Capabilities,
  type VcmPlugin,
} from "../types.js";
import { Fixture, hex, type ConformanceOptions } from "./fixture.js";

const GIB = 1n << 30n;

/** The rights a walk must report for a request, as far as the format can express them. */
export function expectedRights(caps: Capabilities, prot: number): number {
  let p = prot;
  if (caps.writeImpliesRead && (p & PROT_WRITE) !== 0) p |= PROT_READ;
  return p & rightsMask(caps);
}

export function rightsMask(caps: Capabilities): number {
  return (caps.perms.read ? PROT_READ : 0) | (caps.perms.write ? PROT_WRITE : 0);
}

/** Runs `fn`, returning a failure unless it throws a MappingError (of `code`, when given). */
export function refused(
  fn: () => void,
  code: MappingError["code"] | undefined,
  what: string,
): string[] {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof MappingError))
      return [`${what}: threw ${String(e)} instead of a MappingError`];
    if (code !== undefined && e.code !== code) {
      return [`${what}: refused with '${e.code}' (${e.message}) instead of '${code}'`];
    }
    return [];
  }
  return [`${what}: was accepted, should be refused`];
}

function checkTranslates(
  f: Fixture,
  iova: bigint,
  pa: bigint,
  prot: number,
  what: string,
): string[] {
  const w = f.walk(iova);
  if (!w.ok) return [`${what}: walk of ${hex(iova)} faulted at level ${w.level}: ${w.reason}`];
  const out: string[] = [];
  if (w.pa !== pa)
    out.push(`${what}: walk of ${hex(iova)} gave pa ${hex(w.pa)}, expected ${hex(pa)}`);
  const want = expectedRights(f.caps, prot);
  if ((w.prot & rightsMask(f.caps)) !== want) {
    out.push(`${what}: walk of ${hex(iova)} gave prot ${w.prot}, expected rights ${want}`);
  }
  return out;
}

function checkFaults(f: Fixture, iova: bigint, what: string): string[] {
  const w = f.walk(iova);
  return w.ok ? [`${what}: walk of ${hex(iova)} translated to ${hex(w.pa)}, expected a fault`] : [];
}

export function runSelfTests(plugin: VcmPlugin, options: ConformanceOptions): string[] {
  const failures: string[] = [];
  const guard = (name: string, body: () => string[]): void => {
    try {
      failures.push(...body().map((m) => `${name}: ${m}`));
    } catch (e) {
      failures.push(
        `${name}: unexpected ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
      );
    }
  };
  const rw = PROT_READ | PROT_WRITE;

  guard("empty-table-faults", () => {
    const f = new Fixture(plugin, options);
    const out: string[] = [];
    for (const off of [42n, GIB + 42n, 2n * GIB + 42n]) {
      if (off < f.aperture.size) out.push(...checkFaults(f, f.aperture.base + off, "empty table"));
    }
    return out;
  });

  guard("identity-map-per-page-size", () => {
    const f = new Fixture(plugin, options);
    const out: string[] = [];
    const sizes = f.pageSizes;
    const largest = sizes.at(-1) ?? 4096n;
    const step = largest > GIB ? largest : GIB;
    const oasLimit = 1n << BigInt(f.caps.outputBits);
    sizes.forEach((size, k) => {
      const off = BigInt(k) * step;
      if (off + size > f.aperture.size || size > oasLimit) return;
      const iova = f.aperture.base + off;
      const pa = off % oasLimit;
      const what = `page ${hex(size)} at ${hex(iova)}`;
      plugin.map(f.handle, iova, pa, size, 1, rw, 0);
      out.push(...checkTranslates(f, iova + 42n, pa + 42n, rw, what));
      out.push(
        ...refused(
          () => plugin.map(f.handle, iova, (pa + size) % oasLimit, size, 1, rw, 0),
          "exists",
          `${what}: overlapping map`,
        ),
      );
      out.push(
        ...checkTranslates(f, iova + 42n, pa + 42n, rw, `${what} after the refused overlap`),
      );
      const got = plugin.unmap(f.handle, iova, size);
      if (got !== size) out.push(`${what}: unmap returned ${hex(got)}, expected ${hex(size)}`);
      out.push(...checkFaults(f, iova + 42n, `${what} after unmap`));
      // Remap with other rights.
      const other = f.caps.perms.write ? PROT_READ : rw;
      plugin.map(f.handle, iova, pa, size, 1, other, 0);
      out.push(...checkTranslates(f, iova + 42n, pa + 42n, other, `${what} remapped`));
      plugin.unmap(f.handle, iova, size);
    });
    return out;
  });

  guard("no-read-no-write-refused", () => {
    const f = new Fixture(plugin, options);
    const size = f.pageSizes[0] ?? 4096n;
    const out = refused(
      () => plugin.map(f.handle, f.aperture.base, 0n, size, 1, 0, 0),
      "no-permission",
      "map with neither read nor write",
    );
    if (f.leaves().length > 0) out.push("the refused mapping left a leaf behind");
    return out;
  });

  guard("largest-page-at-top-of-space", () => {
    const f = new Fixture(plugin, options);
    const largest = f.pageSizes.at(-1);
    if (largest === undefined || largest > f.aperture.size) return [];
    const iova = f.aperture.base + f.aperture.size - largest;
    const oasLimit = 1n << BigInt(f.caps.outputBits);
    const pa = largest * 2n <= oasLimit ? largest : 0n;
    plugin.map(f.handle, iova, pa, largest, 1, rw, 0);
    const out = checkTranslates(
      f,
      iova + 42n,
      pa + 42n,
      rw,
      `largest page ${hex(largest)} at ${hex(iova)}`,
    );
    out.push(
      ...checkTranslates(f, iova + largest - 1n, pa + largest - 1n, rw, "last byte of the space"),
    );
    const got = plugin.unmap(f.handle, iova, largest);
    if (got !== largest)
      out.push(`unmap at the top returned ${hex(got)}, expected ${hex(largest)}`);
    out.push(...checkFaults(f, iova + 42n, "top of space after unmap"));
    return out;
  });

  return failures;
}
