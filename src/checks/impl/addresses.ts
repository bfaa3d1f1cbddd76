/** Device-side addresses of fixed mappings: overlap, aperture, reserved ranges, alignment. */
import type { Span } from "../../diagnostics/span.js";
import type { IrDomain, IrMapping } from "../../ir/types.js";
import { formatSize, hex } from "../../semantics/evaluate.js";
import type { CheckImplementation } from "../runner.js";
import { indexIr, mapperOfTarget, rangesOverlap, sweepOverlaps } from "./ir-index.js";

type Fixed = IrMapping & { iova: bigint };

function fixedMappings(mappings: readonly IrMapping[]): Fixed[] {
  return mappings.filter((m): m is Fixed => m.iova !== "auto" && m.scenario === undefined);
}

const where = (m: Fixed) => `${hex(m.iova)} .. +${formatSize(m.source.size)}`;

export const iovaOverlap: CheckImplementation = {
  check: "iova-overlap",
  run({ ir, report }) {
    for (const [target, list] of indexIr(ir).mappingsByTarget) {
      if (list[0]?.target.kind === "direct") continue; // no MMU: aliases are physical, not mappings
      sweepOverlaps(
        fixedMappings(list),
        (m) => m.iova,
        (m) => m.source.size,
        (later, earlier) =>
          report(
            later.span,
            `${where(later)} overlaps another mapping in '${target}' (${where(earlier)})`,
            {
              related: [{ span: earlier.span, message: "the other mapping" }],
            },
          ),
      );
    }
  },
};

export const outsideAperture: CheckImplementation = {
  check: "outside-aperture",
  run({ ir, report }) {
    const index = indexIr(ir);
    for (const m of fixedMappings(ir.mappings)) {
      let range;
      let what;
      if (m.target.kind === "domain") {
        range = index.domains.get(m.target.name)?.aperture;
        what = `the aperture of '${m.target.name}'`;
      } else if (m.target.kind === "window") {
        range = index.windows.get(m.target.name)?.window.range;
        what = `window '${m.target.name}'`;
      }
      if (!range) continue;
      const upper =
        m.target.kind === "domain" ? index.domains.get(m.target.name)?.upper : undefined;
      // A cpu context with two halves: the upper one is inside too, the hole is non-canonical-address's.
      if (upper) continue;
      if (m.iova < range.base || m.iova + m.source.size > range.base + range.size)
        report(
          m.span,
          `${where(m)} is outside ${what} (${hex(range.base)} .. +${formatSize(range.size)})`,
        );
    }
  },
};

export const reservedOverlap: CheckImplementation = {
  check: "reserved-overlap",
  run({ ir, report }) {
    const index = indexIr(ir);
    for (const m of fixedMappings(ir.mappings)) {
      if (m.target.kind !== "domain") continue;
      const d = index.domains.get(m.target.name);
      for (const r of d?.reserved ?? [])
        if (
          rangesOverlap(m.iova, m.source.size, r.range.base, r.range.size) &&
          // Memory mapped into a reservation backs it: that is what the reservation is for.
          (r.reservation === undefined || r.reservation !== m.reservation)
        ) {
          report(
            m.span,
            `${where(m)} covers ${r.reservation ? `reservation '${r.reservation}'` : `the ${r.kind} range`} ${hex(r.range.base)} .. +${formatSize(r.range.size)} of '${m.target.name}'`,
            { related: [{ span: r.span, message: `the ${r.kind} range comes from here` }] },
          );
          break;
        }
    }
  },
};

export const misalignedAddress: CheckImplementation = {
  check: "misaligned-address",
  run({ ir, report, capabilities }) {
    const index = indexIr(ir);
    for (const m of ir.mappings) {
      const mapper = mapperOfTarget(index, m);
      const caps = mapper ? capabilities(mapper) : undefined;
      if (!caps) continue;
      const windowPage =
        m.target.kind === "window" ? index.windows.get(m.target.name)?.window.pageSize : undefined;
      const page = m.pageSize ?? windowPage ?? caps.pageSizes[0];
      if (!page) continue;
      const bad = (v: bigint) => v % page !== 0n;
      // Built only for a report: formatting it for every mapping was most of this check's time.
      // Say where the page size comes from: `pages`, the window, or the mapper's smallest.
      const pageText = () =>
        m.pageSize !== undefined
          ? `${formatSize(page)}, the page size its \`pages\` asks for`
          : windowPage !== undefined
            ? `${formatSize(page)}, the page size of window '${m.target.name}'`
            : `${formatSize(page)}, the smallest page size of '${mapper}'`;
      const by = () => `is not aligned to ${pageText()}`;
      if (m.iova !== "auto" && bad(m.iova)) report(m.span, `the address ${hex(m.iova)} ${by()}`);
      else {
        const chunk = m.source.chunks.find((c) => bad(c.pa) || bad(c.size));
        if (chunk)
          report(
            m.span,
            bad(chunk.pa)
              ? `the physical address ${hex(chunk.pa)} ${by()}`
              : `the size ${formatSize(chunk.size)} at ${hex(chunk.pa)} is not a multiple of ${pageText()}`,
          );
      }
    }
  },
};

export const unsupportedPageSize: CheckImplementation = {
  check: "unsupported-page-size",
  run({ ir, report, capabilities }) {
    const index = indexIr(ir);
    for (const m of ir.mappings) {
      if (m.pageSize === undefined) continue;
      const mapper = mapperOfTarget(index, m);
      const caps = mapper ? capabilities(mapper) : undefined;
      if (caps && !caps.pageSizes.includes(m.pageSize))
        report(
          m.span,
          `'${mapper}' has no ${formatSize(m.pageSize)} pages (it has ${caps.pageSizes.map(formatSize).join(", ")})`,
        );
    }
  },
};

export const dmaMaskTooSmall: CheckImplementation = {
  check: "dma-mask-too-small",
  run({ ir, report }) {
    const index = indexIr(ir);
    const endpoints = new Map(ir.endpoints.map((e) => [e.name, e]));
    const limitOf = (bits: number) => 1n << BigInt(bits);
    for (const m of fixedMappings(ir.mappings)) {
      const end = m.iova + m.source.size;
      if (m.target.kind === "direct") {
        const e = endpoints.get(m.target.name);
        if (e && end > limitOf(e.dmaMaskBits))
          report(
            m.span,
            `'${e.name}' drives ${e.dmaMaskBits} address bits, but this memory is at bus ${where(m)}`,
          );
      } else if (m.target.kind === "domain") {
        const d = index.domains.get(m.target.name);
        for (const name of d?.attached ?? []) {
          const e = endpoints.get(name);
          if (e && e.kind === "device" && end > limitOf(e.dmaMaskBits)) {
            report(
              m.span,
              `'${e.name}' drives ${e.dmaMaskBits} address bits, but this mapping is at ${where(m)}`,
            );
            break;
          }
        }
      }
    }
    for (const x of ir.expects) {
      const e = endpoints.get(x.endpoint);
      if (!e || e.mapper || x.expectation.kind === "faults") continue;
      for (const c of x.expectation.object.chunks) {
        const bus = c.pa - e.busOffset;
        if (bus + c.size > limitOf(e.dmaMaskBits)) {
          report(
            x.span,
            `'${e.name}' drives ${e.dmaMaskBits} address bits and has no MMU, but this memory is at bus ${hex(bus)}`,
          );
          break;
        }
      }
    }
  },
};

const inRange = (at: bigint, size: bigint, r: { base: bigint; size: bigint }) =>
  at >= r.base && at + size <= r.base + r.size;

/**
 * Addresses of a cpu context with an upper half must lie in one half: x86-64 faults (#GP) on a
 * non-canonical address before any walk, and AArch64 faults on an address in neither the TTBR0
 * nor the TTBR1 range. Nothing could map such an address, so it is an error at the line.
 */
export const nonCanonicalAddress: CheckImplementation = {
  check: "non-canonical-address",
  run({ ir, report }) {
    const index = indexIr(ir);
    const halvesText = (d: IrDomain) =>
      `lower ${hex(d.aperture.base)} .. +${formatSize(d.aperture.size)}, ` +
      `upper ${hex(d.upper!.base)} .. +${formatSize(d.upper!.size)}`;
    const hintOf = (d: IrDomain) =>
      d.aperture.size === d.upper!.size
        ? `a canonical address has bits 63..${log2(d.upper!.size)} all equal (sign-extended)`
        : `the upper half is 'va-bits-upper' bits wide, the lower 'va-bits'`;
    const check = (d: IrDomain | undefined, at: bigint, size: bigint, span: Span, what: string) => {
      if (!d?.upper || inRange(at, size, d.aperture) || inRange(at, size, d.upper)) return;
      report(
        span,
        `${what} is in neither half of the address space of '${d.name}' (${halvesText(d)})`,
        {
          hint: hintOf(d),
        },
      );
    };
    for (const m of fixedMappings(ir.mappings)) {
      if (m.target.kind !== "domain") continue;
      check(index.domains.get(m.target.name), m.iova, m.source.size, m.span, where(m));
    }
    const endpoints = new Map(ir.endpoints.map((e) => [e.name, e]));
    for (const x of ir.expects) {
      if (x.expectation.kind !== "sees") continue;
      const domain = endpoints.get(x.endpoint)?.domain;
      if (domain === undefined) continue;
      let size = 0n;
      for (const c of x.expectation.object.chunks) size += c.size;
      check(index.domains.get(domain), x.expectation.at, size, x.span, hex(x.expectation.at));
    }
  },
};

function log2(size: bigint): number {
  return size.toString(2).length - 1;
}
