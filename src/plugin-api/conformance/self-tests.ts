/**
 * The fixed cases of Linux's io-pgtable self-tests (arm_lpae_run_tests, arm_v7s_do_selftests),
 * for any plugin, as named cases so vitest can run each on its own (./vitest-selftests.ts) and
 * `runConformance` can run them all: an empty table faults; per page size an identity map at
 * k x 1G translates +42 and refuses an overlapping map with the old entry intact, a full unmap
 * returns the size and then faults, a remap with other rights works; a mapping with neither read
 * nor write is refused; the largest page at the very top of the input space maps and unmaps; per
 * block size a partial unmap splits the block without touching its neighbour; mapping and then
 * unmapping everything frees every table page.
 */
import { grantedProt } from "../rights.js";
import {
  isMappingError,
  MappingError,
  PROT_READ,
  PROT_WRITE,
  type Capabilities,
  type VcmPlugin,
} from "../types.js";
import { rightsText, sizeText } from "./words.js";
import { Fixture, hex, type ConformanceOptions } from "./fixture.js";

const GIB = 1n << 30n;
const RW = PROT_READ | PROT_WRITE;

/** One self-test case: `run` returns the failures (empty when the plugin behaved). */
export interface SelfTestCase {
  name: string;
  run: () => string[];
}

/**
 * The rights a walk must report for a request, as far as the format can express them: the one
 * rights model (`grantedProt`) that `vcm check` and `vcm run` use too.
 */
export function expectedRights(caps: Capabilities, prot: number): number {
  return grantedProt(prot, caps) & rightsMask(caps);
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
    if (!isMappingError(e)) return [`${what}: threw ${String(e)} instead of a MappingError`];
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
    out.push(
      `${what}: walk of ${hex(iova)} gave rights ${rightsText(w.prot)}, expected ${rightsText(want)}`,
    );
  }
  return out;
}

/** checkTranslates, plus the leaf's page size and (when the options ask) its attributes. */
function checkLeaf(
  f: Fixture,
  iova: bigint,
  pa: bigint,
  prot: number,
  size: bigint,
  what: string,
): string[] {
  const out = checkTranslates(f, iova, pa, prot, what);
  const w = f.walk(iova);
  if (!w.ok) return out;
  if (w.pageSize !== size)
    out.push(
      `${what}: walk of ${hex(iova)} gave page size ${sizeText(w.pageSize)}, expected ${sizeText(size)}`,
    );
  const attrs = f.options.attrs;
  if (attrs !== undefined && w.attrs !== attrs)
    out.push(`${what}: walk of ${hex(iova)} gave attrs ${w.attrs}, expected ${attrs}`);
  return out;
}

function checkFaults(f: Fixture, iova: bigint, what: string): string[] {
  const w = f.walk(iova);
  return w.ok ? [`${what}: walk of ${hex(iova)} translated to ${hex(w.pa)}, expected a fault`] : [];
}

function leafPages(f: Fixture): number {
  return f.leaves().reduce((n, r) => n + r.end - r.start, 0);
}

/**
 * Every named self-test case for this plugin and options (cases that cannot fit are left out).
 * Long on purpose: the io-pgtable self-test cases in Linux's order, one short closure each.
 */
export function selfTestCases(plugin: VcmPlugin, options: ConformanceOptions): SelfTestCase[] {
  const probe = new Fixture(plugin, options);
  const { caps, aperture } = probe;
  const sizes = probe.pageSizes.filter((s) => s <= aperture.size);
  const smallest = sizes[0] ?? 4096n;
  const largest = sizes.at(-1) ?? 4096n;
  const oasLimit = 1n << BigInt(caps.outputBits);
  const attrs = options.attrs ?? 0;
  // Where size k of the identity cases sits: k x 1G, aligned up to the page; at the aperture
  // base when that does not fit (each case has a fresh table, so slots may coincide).
  const slot = (k: number, size: bigint): bigint => {
    const off = ((BigInt(k) * GIB + size - 1n) / size) * size;
    return off + size <= aperture.size ? off : 0n;
  };
  const cases: SelfTestCase[] = [];
  const add = (name: string, body: (f: Fixture) => string[]): void => {
    cases.push({ name, run: () => body(new Fixture(plugin, options)) });
  };

  add("an empty table faults at 42, 1G+42 and 2G+42", (f) => {
    const out: string[] = [];
    for (const off of [42n, GIB + 42n, 2n * GIB + 42n]) {
      if (off < aperture.size) out.push(...checkFaults(f, aperture.base + off, "empty table"));
    }
    if (leafPages(f) !== 0) out.push("an empty table has leaves");
    return out;
  });

  sizes.forEach((size, k) => {
    if (size > oasLimit) return;
    const off = slot(k, size);
    const iova = aperture.base + off;
    const pa = off % oasLimit;
    const what = `page ${sizeText(size)} at ${hex(iova)}`;

    add(
      `page ${sizeText(size)}: identity map at ${hex(off)} translates +42; overlaps are refused`,
      (f) => {
        plugin.map(f.handle, iova, pa, size, 1, RW, attrs);
        const out = checkLeaf(f, iova + 42n, pa + 42n, RW, size, what);
        if (off + 2n * size <= aperture.size)
          out.push(...checkFaults(f, iova + size, `the page after ${what}`));
        out.push(
          ...refused(
            () => plugin.map(f.handle, iova, (pa + size) % oasLimit, size, 1, PROT_READ, attrs),
            "exists",
            `${what}: overlapping map`,
          ),
        );
        if (size > smallest) {
          out.push(
            ...refused(
              () => plugin.map(f.handle, iova + smallest, pa, smallest, 1, RW, attrs),
              "exists",
              `${what}: smaller page inside it`,
            ),
          );
        }
        out.push(
          ...checkLeaf(f, iova + 42n, pa + 42n, RW, size, `${what} after the refused overlaps`),
        );
        return out;
      },
    );

    add(
      `page ${sizeText(size)}: a full unmap returns its size and faults; remaps with other rights`,
      (f) => {
        const out: string[] = [];
        plugin.map(f.handle, iova, pa, size, 1, RW, attrs);
        const got = plugin.unmap(f.handle, iova, size);
        if (got !== size)
          out.push(`${what}: unmap returned ${sizeText(got)}, expected ${sizeText(size)}`);
        out.push(...checkFaults(f, iova + 42n, `${what} after unmap`));
        // Read-only; first write-only where the format declares it widens that to read-write.
        const others = caps.writeImpliesRead ? [PROT_WRITE, PROT_READ] : [PROT_READ];
        for (const other of others) {
          plugin.map(f.handle, iova, pa, size, 1, other, attrs);
          out.push(
            ...checkTranslates(
              f,
              iova + 42n,
              pa + 42n,
              other,
              `${what} remapped ${rightsText(other)}`,
            ),
          );
          const again = plugin.unmap(f.handle, iova, size);
          if (again !== size)
            out.push(
              `${what} remapped: unmap returned ${sizeText(again)}, expected ${sizeText(size)}`,
            );
        }
        if (leafPages(f) !== 0) out.push(`${what}: leaves remain after the last unmap`);
        return out;
      },
    );
  });

  add("a mapping with neither read nor write is refused", (f) => {
    const out = refused(
      () => plugin.map(f.handle, aperture.base, 0n, smallest, 1, 0, attrs),
      "no-permission",
      "map with neither read nor write",
    );
    if (f.leaves().length > 0) out.push("the refused mapping left a leaf behind");
    return out;
  });

  if (largest <= aperture.size) {
    add(
      `the largest page (${sizeText(largest)}) maps and unmaps at the very top of the space`,
      (f) => {
        const iova = aperture.base + aperture.size - largest;
        const pa = largest * 2n <= oasLimit ? largest : 0n;
        plugin.map(f.handle, iova, pa, largest, 1, RW, attrs);
        const what = `largest page ${sizeText(largest)} at ${hex(iova)}`;
        const out = checkLeaf(f, iova + 42n, pa + 42n, RW, largest, what);
        out.push(
          ...checkTranslates(
            f,
            iova + largest - 1n,
            pa + largest - 1n,
            RW,
            "last byte of the space",
          ),
        );
        const got = plugin.unmap(f.handle, iova, largest);
        if (got !== largest)
          out.push(`unmap at the top returned ${sizeText(got)}, expected ${sizeText(largest)}`);
        out.push(...checkFaults(f, iova + 42n, "top of space after unmap"));
        if (leafPages(f) !== 0) out.push("leaves remain after unmapping the top page");
        return out;
      },
    );
  }

  if (caps.partialUnmap) {
    for (const size of sizes.filter((s) => s > smallest && 2n * s <= aperture.size)) {
      const pa = 10n * size <= oasLimit ? 8n * size : 0n;
      add(`page ${sizeText(size)}: a partial unmap splits the block, not its neighbour`, (f) =>
        splitCase(f, size, smallest, pa),
      );
    }
  }

  add("mapping then unmapping everything leaves no valid entry and frees every table page", (f) =>
    freeEverythingCase(f, sizes, attrs),
  );
  return cases;
}

/** Two blocks at the aperture base; unmap one small page inside the first. */
function splitCase(f: Fixture, size: bigint, small: bigint, pa: bigint): string[] {
  const { plugin, handle } = f;
  const iova = f.aperture.base;
  const out: string[] = [];
  const what = `block ${sizeText(size)} at ${hex(iova)}`;
  plugin.map(handle, iova, pa, size, 2, RW, f.options.attrs ?? 0);
  const before = f.walk(iova + size + 42n);
  const got = plugin.unmap(handle, iova + small, small);
  if (got !== small)
    out.push(`${what}: partial unmap returned ${sizeText(got)}, expected ${sizeText(small)}`);
  out.push(...checkFaults(f, iova + small + 42n, `${what}: the unmapped page`));
  out.push(...checkTranslates(f, iova + 42n, pa + 42n, RW, `${what}: the page before the hole`));
  if (size > 2n * small) {
    const after = iova + 2n * small + 42n;
    out.push(...checkTranslates(f, after, pa + 2n * small + 42n, RW, `${what}: after the hole`));
    out.push(...checkTranslates(f, iova + size - 1n, pa + size - 1n, RW, `${what}: its last byte`));
  }
  // The neighbouring block is still one leaf of the original size, byte for byte.
  const neighbour = f.walk(iova + size + 42n);
  if (!neighbour.ok || !before.ok) out.push(`${what}: the neighbouring block no longer translates`);
  else {
    if (neighbour.pageSize !== size)
      out.push(`${what}: the neighbour became pages of ${sizeText(neighbour.pageSize)}`);
    if (neighbour.steps.at(-1)?.descriptor !== before.steps.at(-1)?.descriptor)
      out.push(`${what}: the neighbour's descriptor changed`);
  }
  const pages = leafPages(f);
  const want = Number((2n * size - small) >> 12n);
  if (pages !== want) out.push(`${what}: ${pages} pages mapped after the split, expected ${want}`);
  // Remap the hole (the kernel's "remap of partial unmap").
  plugin.map(handle, iova + small, small, small, 1, PROT_READ, 0);
  out.push(
    ...checkTranslates(f, iova + small + 42n, small + 42n, PROT_READ, `${what}: remapped hole`),
  );
  const all = plugin.unmap(handle, iova, 2n * size);
  if (all !== 2n * size)
    out.push(
      `${what}: unmapping both blocks returned ${sizeText(all)}, expected ${sizeText(2n * size)}`,
    );
  return out;
}

/** Three pages of every size, each size on its own aligned stretch; then unmap them all. */
function freeEverythingCase(f: Fixture, sizes: readonly bigint[], attrs: number): string[] {
  const { plugin, handle, aperture } = f;
  const out: string[] = [];
  const rootBytes = f.pool.usedBytes;
  const placed: { iova: bigint; size: bigint }[] = [];
  let cursor = 0n;
  for (const size of sizes) {
    const off = ((cursor + size - 1n) / size) * size;
    if (off + 3n * size > aperture.size) continue;
    placed.push({ iova: aperture.base + off, size });
    cursor = off + 3n * size;
  }
  for (const p of placed) plugin.map(handle, p.iova, 0n, p.size, 3, RW, attrs);
  if (placed.length > 0 && leafPages(f) === 0) out.push("nothing was mapped");
  for (const p of placed) {
    const got = plugin.unmap(handle, p.iova, 3n * p.size);
    if (got !== 3n * p.size)
      out.push(`unmap of 3 x ${sizeText(p.size)} at ${hex(p.iova)} returned ${sizeText(got)}`);
  }
  if (leafPages(f) !== 0) out.push("leaves remain after unmapping everything");
  if (f.pool.usedBytes !== rootBytes)
    out.push(
      `the pool holds ${sizeText(f.pool.usedBytes)}, ${sizeText(rootBytes)} right after create`,
    );
  const tables = f.tables();
  if (tables.length !== 1)
    out.push(`${tables.length} tables are reachable, expected the root only`);
  // No stale descriptor anywhere: every frame written so far is zero again.
  for (const pfn of f.memory.framePfns()) {
    if (!f.memory.peek(pfn).every((w) => w === 0)) {
      out.push(`frame ${hex(pfn * 4096)} still holds non-zero words`);
      break;
    }
  }
  return out;
}

export function runSelfTests(plugin: VcmPlugin, options: ConformanceOptions): string[] {
  const failures: string[] = [];
  let cases: SelfTestCase[];
  try {
    cases = selfTestCases(plugin, options);
  } catch (e) {
    return [`self-tests: create failed: ${e instanceof Error ? e.message : String(e)}`];
  }
  for (const c of cases) {
    try {
      failures.push(...c.run().map((m) => `${c.name}: ${m}`));
    } catch (e) {
      failures.push(
        `${c.name}: unexpected ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
      );
    }
  }
  return failures;
}
