/**
 * VT-d legacy-mode root and context tables (VT-d spec 9.1 "Root Entry", 9.3 "Context Entry";
 * Linux drivers/iommu/intel/iommu.c context_set_* / iommu_context_addr).
 *
 * The root table is one 4K page of 256 16-byte root entries, indexed by bus; a present root entry
 * (bit 0 P, bits 63:12 CTP) points to a 4K context table of 256 16-byte context entries indexed by
 * devfn. A context entry's low qword holds P (bit 0), FPD (bit 1), TT (bits 3:2; 00 = untranslated
 * requests through the second-level table) and SLPTPTR (bits 63:12); its high qword holds AW (bits
 * 2:0) and DID (bits 23:8). RTADDR_REG holds the root table address with TTM (bits 11:10) = 00,
 * legacy mode.
 */
import {
  MappingError,
  type DeviceBinding,
  type PhysicalMemory,
  type PoolAllocator,
} from "../../src/plugin-api/index.js";

export const ROOT_PRESENT = 1n;
export const CONTEXT_PRESENT = 1n;
/** TT: 00 untranslated requests only, 01 also device-TLB, 10 pass-through (CONTEXT_TT_*). */
export const CONTEXT_TT_MULTI_LEVEL = 0n;
export const CONTEXT_TT_PASS_THROUGH = 2n;
const PAGE_MASK = ~0xfffn & 0xffff_ffff_ffff_ffffn;

/** AW field for an AGAW: agaw_to_width(aw) = 30 + 9 * aw, so 39 -> 1, 48 -> 2, 57 -> 3. */
export function contextAwFor(agaw: number): bigint {
  return BigInt((agaw - 30) / 9);
}

export function contextEntryLo(slptptr: bigint): bigint {
  return (slptptr & PAGE_MASK) | (CONTEXT_TT_MULTI_LEVEL << 2n) | CONTEXT_PRESENT;
}

export function contextEntryHi(agaw: number, domainId: number): bigint {
  return contextAwFor(agaw) | ((BigInt(domainId) & 0xffffn) << 8n);
}

/** Build the root table and the context tables for `bindings`; returns the root table address. */
export function buildRootTable(
  memory: PhysicalMemory,
  pool: PoolAllocator,
  agaw: number,
  bindings: readonly DeviceBinding[],
): bigint {
  const root = BigInt(pool.alloc(4096, 4096));
  memory.frame(Number(root >> 12n)); // the root table exists even when no device is bound
  const seen = new Map<bigint, string>();
  for (const b of bindings) {
    if (b.stream < 0n || b.stream > 0xffffn) {
      throw new MappingError(
        "out-of-range",
        `device '${b.device}': source id 0x${b.stream.toString(16)} is not a 16-bit bus:devfn`,
      );
    }
    const other = seen.get(b.stream);
    if (other !== undefined) {
      throw new MappingError(
        "exists",
        `devices '${other}' and '${b.device}' share source id 0x${b.stream.toString(16)}`,
      );
    }
    seen.set(b.stream, b.device);
    const bus = b.stream >> 8n;
    const devfn = b.stream & 0xffn;
    const rootEntry = root + bus * 16n;
    let ctp = memory.read64(rootEntry) & PAGE_MASK;
    if ((memory.read64(rootEntry) & ROOT_PRESENT) === 0n) {
      ctp = BigInt(pool.alloc(4096, 4096));
      memory.write64(rootEntry, ctp | ROOT_PRESENT);
    }
    const ce = ctp + devfn * 16n;
    memory.write64(ce, contextEntryLo(b.table.root));
    memory.write64(ce + 8n, contextEntryHi(agaw, b.domainId));
  }
  return root;
}

/** Resolve a source id through the root and context tables in memory. */
export function lookupContext(
  memory: PhysicalMemory,
  agaw: number,
  rtaddr: bigint,
  stream: bigint,
): { root: bigint; domainId: number } | { fault: string } {
  if (stream < 0n || stream > 0xffffn) {
    return { fault: `source id 0x${stream.toString(16)} is not a 16-bit bus:devfn` };
  }
  const bus = stream >> 8n;
  const devfn = stream & 0xffn;
  const rootTable = rtaddr & PAGE_MASK;
  if ((rtaddr >> 10n) & 3n) {
    return { fault: "RTADDR_REG.TTM is not legacy mode (00)" };
  }
  const re = memory.read64(rootTable + bus * 16n);
  if ((re & ROOT_PRESENT) === 0n) return { fault: `root entry for bus ${bus} is not present` };
  const ctp = re & PAGE_MASK;
  const lo = memory.read64(ctp + devfn * 16n);
  const hi = memory.read64(ctp + devfn * 16n + 8n);
  const where = `context entry for ${bus.toString(16).padStart(2, "0")}:${(devfn >> 3n)
    .toString(16)
    .padStart(2, "0")}.${devfn & 7n}`;
  if ((lo & CONTEXT_PRESENT) === 0n) return { fault: `${where} is not present` };
  const tt = (lo >> 2n) & 3n;
  if (tt !== CONTEXT_TT_MULTI_LEVEL && tt !== 1n) {
    return { fault: `${where} has TT=${tt}, not a second-level translation` };
  }
  const aw = hi & 7n;
  if (aw !== contextAwFor(agaw)) {
    return {
      fault: `${where} has AW=${aw}, but the tables use AGAW ${agaw} (AW=${contextAwFor(agaw)})`,
    };
  }
  return { root: lo & PAGE_MASK, domainId: Number((hi >> 8n) & 0xffffn) };
}
