/** Device-side addresses of fixed mappings: overlap, aperture, reserved ranges, alignment. */
import { D, text } from "../../diagnostics/catalogue.js";
import { formatSize, hex } from "../../diagnostics/format.js";
import type { Span } from "../../diagnostics/span.js";
import type { IrChunk, IrDomain, IrMapping } from "../../ir/types.js";
import { defineCheck } from "../check.js";
import { PLUGINS_USABLE } from "./needs.js";
import { indexIr, rangesOverlap, sweepOverlaps } from "./ir-index.js";

type Fixed = IrMapping & { iova: bigint };

function fixedMappings(mappings: readonly IrMapping[]): Fixed[] {
  const out: Fixed[] = [];
  for (let i = 0; i < mappings.length; i++) {
    const m = mappings[i]!;
    if (m.iova !== "auto" && m.scenario === undefined) out.push(m as Fixed);
  }
  return out;
}

const where = (m: Fixed) => `${hex(m.iova)} .. +${formatSize(m.source.size)}`;

export const iovaOverlap = defineCheck(D.iovaOverlap, {
  run({ ir, report }) {
    for (const list of indexIr(ir).mappingsByTarget.values()) {
      if (list[0]?.target.kind === "direct") continue; // no MMU: aliases are physical, not mappings
      const fixed = fixedMappings(list);
      if (fixed.length < 2) continue;
      const target = list[0]!.target.name;
      sweepOverlaps(
        fixed,
        (m) => m.iova,
        (m) => m.source.size,
        (later, earlier) =>
          report(
            D.iovaOverlap,
            later.span,
            { range: where(later), target, other: where(earlier) },
            { related: [{ span: earlier.span, message: text(D.iovaOverlap.messages.other) }] },
          ),
      );
    }
  },
});

export const outsideAperture = defineCheck(D.outsideAperture, {
  run({ ir, report }) {
    const index = indexIr(ir);
    for (const m of fixedMappings(ir.mappings)) {
      const isDomain = m.target.kind === "domain";
      const range = isDomain
        ? index.domains.get(m.target.name)?.aperture
        : m.target.kind === "window"
          ? index.windows.get(m.target.name)?.window.range
          : undefined;
      if (!range) continue;
      const upper =
        m.target.kind === "domain" ? index.domains.get(m.target.name)?.upper : undefined;
      // A cpu context with two halves: the upper one is inside too, the hole is non-canonical-address's.
      if (upper) continue;
      if (m.iova >= range.base && m.iova + m.source.size <= range.base + range.size) continue;
      const aperture = `${hex(range.base)} .. +${formatSize(range.size)}`;
      if (isDomain)
        report(D.outsideAperture, m.span, { range: where(m), domain: m.target.name, aperture });
      else
        report(D.outsideAperture.messages.window, m.span, {
          range: where(m),
          window: m.target.name,
          aperture,
        });
    }
  },
});

export const reservedOverlap = defineCheck(D.reservedOverlap, {
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
          const args = {
            range: where(m),
            reserved: `${hex(r.range.base)} .. +${formatSize(r.range.size)}`,
            domain: m.target.name,
          };
          const related = [
            { span: r.span, message: text(D.reservedOverlap.messages.comesFrom, { kind: r.kind }) },
          ];
          if (r.reservation)
            report(
              D.reservedOverlap.messages.reservation,
              m.span,
              { ...args, reservation: r.reservation },
              { related },
            );
          else report(D.reservedOverlap, m.span, { ...args, kind: r.kind }, { related });
          break;
        }
    }
  },
});

/**
 * Where a mapping's page size comes from: `pages`, the window, or the mapper's smallest. Built
 * only for a report: formatting it for every mapping was most of misaligned-address's time.
 */
function pageText(m: IrMapping, page: bigint, windowPage: bigint | undefined, mapper: string) {
  const said = D.misalignedAddress.messages;
  const size = formatSize(page);
  return m.pageSize !== undefined
    ? text(said.pageAsked, { size })
    : windowPage !== undefined
      ? text(said.pageOfWindow, { size, window: m.target.name })
      : text(said.smallestPage, { size, mapper });
}

export const misalignedAddress = defineCheck(D.misalignedAddress, {
  cost: "needs-plugins",
  needs: PLUGINS_USABLE,
  run({ ir, report, capabilities }) {
    const index = indexIr(ir);
    for (let i = 0; i < ir.mappings.length; i++) {
      const m = ir.mappings[i]!;
      const mapper = index.mapperOf[i]; // the top-level mappings come first in `all`
      const caps = mapper ? capabilities(mapper) : undefined;
      if (!caps) continue;
      const windowPage =
        m.target.kind === "window" ? index.windows.get(m.target.name)?.window.pageSize : undefined;
      const page = m.pageSize ?? windowPage ?? caps.pageSizes[0];
      if (!page) continue;
      if (m.iova !== "auto" && m.iova % page !== 0n) {
        const args = { address: hex(m.iova), page: pageText(m, page, windowPage, mapper!) };
        report(D.misalignedAddress, m.span, args);
        continue;
      }
      let chunk: IrChunk | undefined;
      for (const c of m.source.chunks)
        if (c.pa % page !== 0n || c.size % page !== 0n) {
          chunk = c;
          break;
        }
      if (!chunk) continue;
      const said = D.misalignedAddress.messages;
      const where = pageText(m, page, windowPage, mapper!);
      if (chunk.pa % page !== 0n)
        report(said.physical, m.span, { address: hex(chunk.pa), page: where });
      else
        report(said.size, m.span, {
          size: formatSize(chunk.size),
          address: hex(chunk.pa),
          page: where,
        });
    }
  },
});

export const unsupportedPageSize = defineCheck(D.unsupportedPageSize, {
  cost: "needs-plugins",
  needs: PLUGINS_USABLE,
  run({ ir, report, capabilities }) {
    const index = indexIr(ir);
    for (let i = 0; i < ir.mappings.length; i++) {
      const m = ir.mappings[i]!;
      if (m.pageSize === undefined) continue;
      const mapper = index.mapperOf[i];
      const caps = mapper ? capabilities(mapper) : undefined;
      if (caps && !caps.pageSizes.includes(m.pageSize))
        report(D.unsupportedPageSize, m.span, {
          mapper: mapper!,
          size: formatSize(m.pageSize),
          sizes: caps.pageSizes.map((p) => formatSize(p)).join(", "),
        });
    }
  },
});

export const dmaMaskTooSmall = defineCheck(D.dmaMaskTooSmall, {
  run({ ir, report }) {
    const index = indexIr(ir);
    const { endpoints } = index;
    const limitOf = (bits: number) => 1n << BigInt(bits);
    for (const m of fixedMappings(ir.mappings)) {
      const end = m.iova + m.source.size;
      if (m.target.kind === "direct") {
        const e = endpoints.get(m.target.name);
        if (e && end > limitOf(e.dmaMaskBits))
          report(D.dmaMaskTooSmall.messages.direct, m.span, {
            endpoint: e.name,
            bits: e.dmaMaskBits,
            range: where(m),
          });
      } else if (m.target.kind === "domain") {
        const d = index.domains.get(m.target.name);
        for (const name of d?.attached ?? []) {
          const e = endpoints.get(name);
          if (e && e.kind === "device" && end > limitOf(e.dmaMaskBits)) {
            const args = { endpoint: e.name, bits: e.dmaMaskBits, range: where(m) };
            report(D.dmaMaskTooSmall, m.span, args);
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
          report(D.dmaMaskTooSmall.messages.noMmu, x.span, {
            endpoint: e.name,
            bits: e.dmaMaskBits,
            address: hex(bus),
          });
          break;
        }
      }
    }
  },
});

const inRange = (at: bigint, size: bigint, r: { base: bigint; size: bigint }) =>
  at >= r.base && at + size <= r.base + r.size;

/**
 * Addresses of a cpu context with an upper half must lie in one half: x86-64 faults (#GP) on a
 * non-canonical address before any walk, and AArch64 faults on an address in neither the TTBR0
 * nor the TTBR1 range. Nothing could map such an address, so it is an error at the line.
 */
export const nonCanonicalAddress = defineCheck(D.nonCanonicalAddress, {
  run({ ir, report }) {
    const index = indexIr(ir);
    const said = D.nonCanonicalAddress.messages;
    const hintOf = (d: IrDomain) =>
      d.aperture.size === d.upper!.size
        ? text(said.canonical, { bit: log2(d.upper!.size) })
        : text(said.widths);
    // `what` is a function: the text is needed only for a report.
    const check = (
      d: IrDomain | undefined,
      at: bigint,
      size: bigint,
      span: Span,
      what: () => string,
    ) => {
      if (!d?.upper || inRange(at, size, d.aperture) || inRange(at, size, d.upper)) return;
      const lower = `${hex(d.aperture.base)} .. +${formatSize(d.aperture.size)}`;
      const upper = `${hex(d.upper.base)} .. +${formatSize(d.upper.size)}`;
      const args = { what: what(), domain: d.name, lower, upper };
      report(D.nonCanonicalAddress, span, args, { hint: hintOf(d) });
    };
    for (const m of fixedMappings(ir.mappings)) {
      if (m.target.kind !== "domain") continue;
      check(index.domains.get(m.target.name), m.iova, m.source.size, m.span, () => where(m));
    }
    const { endpoints } = index;
    for (const x of ir.expects) {
      if (x.expectation.kind !== "sees") continue;
      const domain = endpoints.get(x.endpoint)?.domain;
      if (domain === undefined) continue;
      let size = 0n;
      for (const c of x.expectation.object.chunks) size += c.size;
      const at = x.expectation.at;
      check(index.domains.get(domain), at, size, x.span, () => hex(at));
    }
  },
});

function log2(size: bigint): number {
  return size.toString(2).length - 1;
}
