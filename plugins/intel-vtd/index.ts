/**
 * `intel-vtd`: Intel VT-d second-level translation (VT-d spec ch. 9), AGAW 39/48/57 (3/4/5
 * levels), 4K pages and 2M/1G superpages, with legacy-mode root and context tables binding each
 * device's source id (bus:devfn) to its domain. Built on the radix engine (./format.ts); the
 * root/context tables are in ./context-table.ts.
 */
import {
  ATTR_CACHEABLE,
  MappingError,
  asRadixTable,
  defineRadixPlugin,
  type Capabilities,
  type PluginParams,
  type VcmPlugin,
} from "../../src/plugin-api/index.js";
import { buildRootTable, contextAwFor, lookupContext } from "./context-table.js";
import { VTD_OUTPUT_BITS, vtdFormat, vtdLevelsFor } from "./format.js";

function agawOf(params: PluginParams): 39 | 48 | 57 {
  const v = params["agaw"];
  return v === 39n ? 39 : v === 57n ? 57 : 48;
}

function capabilities(params: PluginParams): Capabilities {
  const agaw = agawOf(params);
  return {
    pageSizes: [1n << 12n, 1n << 21n, 1n << 30n],
    inputBits: agaw,
    outputBits: VTD_OUTPUT_BITS,
    levels: vtdLevelsFor(agaw),
    granule: 4096n,
    // Second-level tables have no user/supervisor bit: PROT_PRIV is not expressible.
    perms: { read: true, write: true, exec: true, priv: false },
    // SNP (force snoop) for cacheable memory; EMT/IPAT are not used in legacy mode.
    attrs: ATTR_CACHEABLE,
    blocks: true,
    partialUnmap: true,
    windows: false,
    entryBytes: 8,
    bigEndian: false,
    outside: "blocked",
  };
}

const radix = defineRadixPlugin({
  name: "intel-vtd",
  architecture: "x86-64",
  version: "1.0.0",
  description:
    "Intel VT-d second-level tables (AGAW 39/48/57, 4K/2M/1G) with root and context tables",
  params: {
    agaw: {
      type: "int",
      description: "Adjusted guest address width: 39 (3 levels), 48 (4 levels) or 57 (5 levels)",
      default: 48n,
      values: [39n, 48n, 57n],
    },
  },
  capabilities,
  format: ({ params }) => vtdFormat(agawOf(params)),
  registers(table) {
    const agaw = agawOf(table.options.params);
    // What the context entry of every device in this domain holds.
    return {
      SLPTPTR: table.root,
      AW: contextAwFor(agaw),
      DID: BigInt(table.domainId),
    };
  },
});

const intelVtd: VcmPlugin = {
  ...radix,
  bindDevices(memory, pool, params, bindings) {
    for (const b of bindings) {
      const table = asRadixTable(b.table, "intel-vtd");
      if (table.format.geometry.inputBits !== agawOf(params)) {
        throw new MappingError(
          "invalid",
          `device '${b.device}': its domain's tables use AGAW ${table.format.geometry.inputBits}, ` +
            `the IOMMU AGAW ${agawOf(params)}`,
        );
      }
    }
    const root = buildRootTable(memory, pool, agawOf(params), bindings);
    // RTADDR_REG: root table address, TTM (bits 11:10) = 00 legacy mode.
    return { handle: { root }, registers: { RTADDR_REG: root } };
  },
  lookupDevice(memory, params, instanceRegisters, stream) {
    const rtaddr = instanceRegisters["RTADDR_REG"];
    if (rtaddr === undefined) return { fault: "RTADDR_REG is not programmed" };
    return lookupContext(memory, agawOf(params), rtaddr, stream);
  },
};

export default intelVtd;
