/**
 * `amd-v1`: AMD IOMMU v1 host page tables (AMD IOMMU spec 2.2.3; Linux drivers/iommu/amd/
 * io_pgtable.c), 1 to 6 levels, every power-of-two page size from 4K (512G excepted, as Linux),
 * with the device table binding each DeviceID to its domain. Built on the radix engine
 * (./format.ts); the device table is in ./device-table.ts.
 */
import {
  ATTR_CACHEABLE,
  asRadixTable,
  defineRadixPlugin,
  type Capabilities,
  type PluginParams,
  type VcmPlugin,
} from "../../src/plugin-api/index.js";
import { buildDeviceTable, lookupDte } from "./device-table.js";
import {
  AMD_OUTPUT_BITS,
  amdInputBits,
  amdLevelsFor,
  amdPageShifts,
  amdV1Format,
} from "./format.js";

/** The `levels` parameter, or undefined to choose from the aperture. */
function levelsParam(params: PluginParams): number | undefined {
  const v = params["levels"];
  return typeof v === "bigint" ? Number(v) : undefined;
}

function capabilities(params: PluginParams): Capabilities {
  // Without `levels`, a table gets as many levels as its aperture needs (up to 6).
  const levels = levelsParam(params) ?? 6;
  return {
    pageSizes: amdPageShifts(levels).map((s) => 1n << BigInt(s)),
    inputBits: amdInputBits(levels),
    outputBits: AMD_OUTPUT_BITS,
    levels,
    granule: 4096n,
    perms: { read: true, write: true, exec: false, priv: false },
    // FC (force coherent) for cacheable memory; no memory type or shareability bits.
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
  name: "amd-v1",
  architecture: "x86-64",
  version: "1.0.0",
  description: "AMD IOMMU v1 host page tables (1-6 levels, 4K..2^51 pages) with the device table",
  params: {
    levels: {
      type: "int",
      description:
        "Page-table levels (DTE Mode). Absent: the fewest levels, at least 3, covering the aperture (as Linux grows a domain)",
      min: 1n,
      max: 6n,
    },
  },
  capabilities,
  format: ({ params, aperture }) =>
    amdV1Format(levelsParam(params) ?? amdLevelsFor(aperture.base + aperture.size)),
  registers(table) {
    // What the DTE of every device in this domain holds.
    return {
      DTE_ROOT: table.root,
      DTE_MODE: BigInt(table.format.geometry.levels.length),
      DOMAIN_ID: BigInt(table.domainId),
    };
  },
});

const amdV1: VcmPlugin = {
  ...radix,
  bindDevices(memory, pool, _params, bindings) {
    const reg = buildDeviceTable(
      memory,
      pool,
      bindings,
      (b) => asRadixTable(b.table, "amd-v1").format.geometry.levels.length,
    );
    return { handle: { root: reg & 0x000f_ffff_ffff_f000n }, registers: { DEV_TAB_BASE: reg } };
  },
  lookupDevice(memory, _params, instanceRegisters, stream) {
    const reg = instanceRegisters["DEV_TAB_BASE"];
    if (reg === undefined) return { fault: "the device table base register is not programmed" };
    const r = lookupDte(memory, reg, stream);
    return "fault" in r ? r : { root: r.root, domainId: r.domainId };
  },
};

export default amdV1;
