/**
 * Stream ids as an IOMMU binds them: each device's `stream` must fit the ids the IOMMU's binding
 * structures cover (an SMMUv3 stream table of 2^LOG2SIZE entries, an SMMUv2 SMR.ID, as the plugin
 * says in `Capabilities.streamBits`), and where the plugin says `uniqueStreams` (SMMUv3: one STE
 * per StreamID) no two devices behind one IOMMU may share one (Linux arm_smmu_insert_master
 * refuses a StreamID already in the tree with -EINVAL; SMMUv2 shares the stream-map entry). The lowering
 * refuses both too; these checks say so at `vcm check`, on the device's line.
 */
import { D, text } from "../../diagnostics/catalogue.js";
import { hex } from "../../diagnostics/format.js";
import type { IrEndpoint } from "../../ir/types.js";
import { defineCheck } from "../check.js";
import { PLUGINS_USABLE } from "./needs.js";

export const streamIdTooWide = defineCheck(D.streamIdTooWide, {
  cost: "needs-plugins",
  needs: PLUGINS_USABLE,
  run({ ir, report, capabilities }) {
    for (const ep of ir.endpoints) {
      if (ep.kind === "cpu" || ep.mapper === undefined || ep.stream === undefined) continue;
      const bits = capabilities(ep.mapper)?.streamBits;
      if (bits === undefined || ep.stream < 1n << BigInt(bits)) continue;
      const limit = hex(1n << BigInt(bits));
      report(
        D.streamIdTooWide,
        ep.span,
        {
          device: ep.name,
          stream: hex(ep.stream),
          need: ep.stream.toString(2).length,
          mapper: ep.mapper,
          bits,
        },
        { hint: text(D.streamIdTooWide.messages.hint, { mapper: ep.mapper, limit }) },
      );
    }
  },
});

export const streamIdShared = defineCheck(D.streamIdShared, {
  cost: "needs-plugins",
  needs: PLUGINS_USABLE,
  run({ ir, report, capabilities }) {
    const seen = new Map<string, IrEndpoint>();
    for (const ep of ir.endpoints) {
      if (ep.kind === "cpu" || ep.mapper === undefined || ep.stream === undefined) continue;
      if (capabilities(ep.mapper)?.uniqueStreams !== true) continue;
      const key = `${ep.mapper}\u0000${ep.stream}`;
      const other = seen.get(key);
      if (!other) {
        seen.set(key, ep);
        continue;
      }
      const stream = hex(ep.stream);
      report(
        D.streamIdShared,
        ep.span,
        { device: ep.name, other: other.name, stream, mapper: ep.mapper },
        {
          related: [
            {
              span: other.span,
              message: text(D.streamIdShared.messages.other, { other: other.name, stream }),
            },
          ],
        },
      );
    }
  },
});
