/**
 * What a domain can hold, as Linux refuses it: `__iommu_map` returns -EINVAL for a domain that
 * is not a paging domain (identity, blocked), and io-pgtable's map returns -ERANGE for an IOVA
 * past the input size (`iova >> cfg->ias`) or a PA past the output size (`paddr >> cfg->oas`).
 * The lowering refuses the same; these checks say so at `vcm check`, with the line to fix.
 */
import type { Span } from "../../diagnostics/span.js";
import { hex } from "../../semantics/evaluate.js";
import type { CheckImplementation } from "../runner.js";
import { allMappings, indexIr, mapperOfTarget } from "./ir-index.js";

const spanKey = (span: Span) => `${span.file}\u0000${span.offset}`;

export const mapIntoIdentityOrBlocked: CheckImplementation = {
  check: "map-into-identity-or-blocked",
  run({ ir, report }) {
    const index = indexIr(ir);
    const seen = new Set<string>();
    for (const m of allMappings(ir)) {
      if (m.target.kind !== "domain") continue;
      const d = index.domains.get(m.target.name);
      if (!d || (d.type !== "identity" && d.type !== "blocked")) continue;
      if (seen.has(spanKey(m.span))) continue;
      seen.add(spanKey(m.span));
      report(
        m.span,
        `'${d.name}' is ${d.type === "identity" ? "an identity" : "a blocked"} domain: it has no page table to map into (iommu_map refuses it, EINVAL)`,
        {
          related: [{ span: d.span, message: `'${d.name}' is declared \`type ${d.type}\` here` }],
          hint:
            d.type === "identity"
              ? "an identity domain already reaches all memory at iova == pa; map into a dma domain instead"
              : "a blocked domain reaches nothing; map into a dma domain instead",
        },
      );
    }
  },
};

export const apertureBeyondInput: CheckImplementation = {
  check: "aperture-beyond-input",
  run({ ir, report, capabilities }) {
    const formats = new Map(ir.mappers.map((m) => [m.name, m.format]));
    for (const d of ir.domains) {
      if (!d.mapper || d.type === "blocked") continue;
      const caps = capabilities(d.mapper);
      if (!caps || caps.inputBits >= 64) continue;
      const limit = 1n << BigInt(caps.inputBits);
      const end = d.aperture.base + d.aperture.size;
      if (end <= limit) continue;
      report(
        d.span,
        `the aperture of '${d.name}' ends at ${hex(end)}, past the ${caps.inputBits}-bit input range of '${d.mapper}' (format ${formats.get(d.mapper)}): its tables cannot translate beyond ${hex(limit)} (ERANGE)`,
        { hint: `end the aperture at or below ${hex(limit)}` },
      );
    }
  },
};

export const paBeyondOutput: CheckImplementation = {
  check: "pa-beyond-output",
  run({ ir, report, capabilities }) {
    const index = indexIr(ir);
    const formats = new Map(ir.mappers.map((m) => [m.name, m.format]));
    const seen = new Set<string>();
    for (const m of allMappings(ir)) {
      const mapper = mapperOfTarget(index, m);
      const caps = mapper ? capabilities(mapper) : undefined;
      if (!mapper || !caps || caps.outputBits >= 64) continue;
      const limit = 1n << BigInt(caps.outputBits);
      const beyond = m.source.chunks.find((c) => c.pa + c.size > limit);
      if (!beyond || seen.has(spanKey(m.span))) continue;
      seen.add(spanKey(m.span));
      const what = m.source.buffer ? `'${m.source.buffer}'` : `'${m.source.memory}'`;
      report(
        m.span,
        `${what} lies at pa ${hex(beyond.pa)}..${hex(beyond.pa + beyond.size)}, past the ${caps.outputBits}-bit output range of '${mapper}' (format ${formats.get(mapper)}) (ERANGE)`,
      );
    }
  },
};
