/**
 * A toy ARMv7s-like radix format for engine tests: 4-byte big-endian descriptors, sub-page (1K)
 * tables sharing frames, replicated leaves (64K = 16 x 4K entries, 16M = 16 x 1M entries). Level 0
 * shift 20 (4096 entries), level 1 shift 12 (256 entries); bits[1:0] 01 = table (address
 * [31:10]), 10 = leaf; bit 2 = writable; bit 3 = large (replicated) leaf; leaf address at its
 * natural position.
 */
import {
  DESC_INVALID,
  DESC_LEAF,
  DESC_TABLE,
  MappingError,
  PROT_READ,
  PROT_WRITE,
  defineRadixPlugin,
  type RadixFormat,
} from "../../src/plugin-api/index.js";

export const toyFormat: RadixFormat = {
  geometry: {
    entryBytes: 4,
    bigEndian: true,
    inputBits: 32,
    outputBits: 32,
    levels: [
      {
        number: 1,
        shift: 20,
        bits: 12,
        tableBytes: 16384,
        tableAlign: 16384,
        pageShifts: [20, 24],
        tables: true,
      },
      {
        number: 2,
        shift: 12,
        bits: 8,
        tableBytes: 1024,
        tableAlign: 1024,
        pageShifts: [12, 16],
        tables: false,
      },
    ],
  },
  leafTemplate(level, pageShift, prot, _attrs, out) {
    if ((prot & (PROT_READ | PROT_WRITE)) === 0)
      throw new MappingError("no-permission", "needs r or w");
    const large = pageShift === (level === 0 ? 24 : 16);
    out.lo = 2 | ((prot & PROT_WRITE) !== 0 ? 4 : 0) | (large ? 8 : 0);
    out.hi = 0;
  },
  tableDescriptor(_level, tablePa, out) {
    out.lo = (tablePa | 1) >>> 0;
    out.hi = 0;
  },
  decode(level, lo, _hi, out) {
    const type = lo & 3;
    if (type === 1 && level === 0) {
      out.kind = DESC_TABLE;
      out.tablePa = (lo & ~0x3ff) >>> 0;
      return;
    }
    if (type !== 2) {
      out.kind = DESC_INVALID;
      return;
    }
    out.kind = DESC_LEAF;
    const large = (lo & 8) !== 0;
    out.pageShift = level === 0 ? (large ? 24 : 20) : large ? 16 : 12;
    out.paPfn = Math.floor((lo >>> 0) / 2 ** out.pageShift) * 2 ** (out.pageShift - 12);
    out.prot = PROT_READ | ((lo & 4) !== 0 ? PROT_WRITE : 0);
    out.attrs = 0;
  },
  describeDescriptor: (_level, lo) => `toy ${lo.toString(16)}`,
};

export const toy = defineRadixPlugin({
  name: "toy",
  version: "0",
  description: "test format",
  params: {},
  capabilities: () => ({
    pageSizes: [4096n, 65536n, 1n << 20n, 1n << 24n],
    inputBits: 32,
    outputBits: 32,
    levels: 2,
    granule: 4096n,
    perms: { read: true, write: true, exec: false, priv: false },
    blocks: true,
    partialUnmap: true,
    windows: false,
    entryBytes: 4,
    bigEndian: true,
  }),
  format: () => toyFormat,
  registers: (t) => ({ TTBR: BigInt(t.rootPa) }),
});
