/**
 * SMMUv3 device binding: build the stream table (linear or 2-level, as Linux chooses), one STE
 * per bound stream and one CD per stage-1 device, and the registers pointing at them; resolve a
 * StreamID back through those bytes. Encodings: ./stream-table.ts.
 */
import {
  MappingError,
  asRadixTable,
  type DeviceBinding,
  type DeviceLookup,
  type PhysicalMemory,
  type PluginParams,
  type PoolAllocator,
  type UntranslatedBinding,
} from "../../src/plugin-api/index.js";
import { armLpaeConfig } from "./config.js";
import { armLpaeRegisters } from "./registers.js";
import {
  CD_BYTES,
  STE_BYTES,
  STE_2_VTCR_MASK,
  STRTAB_SPLIT,
  encodeCd,
  encodeSte,
  l1Descriptor,
  lookupStream,
  smmuV3Registers,
  strtabLayout,
  writeEntry,
  type SteContent,
  type TablesExpectation,
  type Stage2Fields,
  type Stage2Walker,
} from "./stream-table.js";
import { smmuOptions } from "./smmu-params.js";

const ABORT_STE = encodeSte({ config: "abort" });

/** The STE content of each stream, refusing shared or out-of-range StreamIDs. */
function contents(
  params: PluginParams,
  log2size: number,
  bindings: readonly DeviceBinding[],
  untranslated: readonly UntranslatedBinding[],
): Map<bigint, { device: string; make: (cd: () => bigint) => SteContent }> {
  const out = new Map<bigint, { device: string; make: (cd: () => bigint) => SteContent }>();
  const add = (device: string, stream: bigint, make: (cd: () => bigint) => SteContent) => {
    if (stream < 0n || stream >= 1n << BigInt(log2size)) {
      throw new MappingError(
        "out-of-range",
        `device '${device}': StreamID 0x${stream.toString(16)} is beyond the stream table's ${log2size} bits (sid-bits ${smmuOptions(params).sidBits})`,
      );
    }
    const other = out.get(stream);
    if (other) {
      throw new MappingError(
        "exists",
        `devices '${other.device}' and '${device}' share StreamID 0x${stream.toString(16)}`,
      );
    }
    out.set(stream, { device, make });
  };
  for (const b of bindings) {
    const table = asRadixTable(b.table, "arm-lpae");
    const cfg = armLpaeConfig(table.options.params);
    if (b.stage2 && b.stage2.table !== b.table) {
      // Nested: S1ContextPtr is an IPA (the CD sits in guest memory), S2* describe the VM's table.
      if (!b.stage2.memory || !b.stage2.pool) {
        throw new MappingError(
          "invalid",
          `device '${b.device}': a nested binding (STE Config=nested) needs guest memory for its CD (DeviceBinding.stage2.memory and pool)`,
        );
      }
      const s2 = stage2Fields(b.stage2.table, b.stage2.vmid);
      add(b.device, b.stream, (cd) => ({ config: "nested", cdPtr: cd(), s2 }));
      continue;
    }
    if (b.stage2 || cfg.stage === 2) {
      const s2 = stage2Fields(b.table, b.stage2?.vmid ?? b.domainId);
      add(b.device, b.stream, () => ({ config: "s2", s2 }));
      continue;
    }
    add(b.device, b.stream, (cd) => ({ config: "s1", cdPtr: cd() }));
  }
  for (const u of untranslated) add(u.device, u.stream, () => ({ config: u.mode }));
  return out;
}

/** An STE's S2TTB, VTCR fields and VMID for a stage-2 table (arm_smmu_make_s2_domain_ste). */
function stage2Fields(handle: DeviceBinding["table"], vmid: number): Stage2Fields {
  const table = asRadixTable(handle, "arm-lpae");
  const regs = armLpaeRegisters(armLpaeConfig(table.options.params), table.rootPa, vmid);
  return { vmid, vttbr: BigInt(table.rootPa), vtcr: regs["VTCR"]! };
}

/** Build the stream table in `pool`; returns its base and the register values. */
export function buildSmmuV3(
  memory: PhysicalMemory,
  pool: PoolAllocator,
  params: PluginParams,
  bindings: readonly DeviceBinding[],
  untranslated: readonly UntranslatedBinding[],
): { base: bigint; registers: Record<string, bigint> } {
  const opts = smmuOptions(params);
  const layout = strtabLayout(opts.sidBits, opts.twoLevel);
  const streams = contents(params, layout.log2size, bindings, untranslated);
  const entryBytes = layout.twoLevel ? 8 : Number(STE_BYTES);
  const bytes = layout.entries * entryBytes;
  // The SMMU aligns the table base to the table's size (at least 64 bytes).
  const base = BigInt(pool.alloc(bytes, Math.max(64, bytes)));
  const steAt = new Map<bigint, bigint>();
  if (!layout.twoLevel) {
    // arm_smmu_init_initial_stes: every STE aborts until a device is attached.
    for (let i = 0n; i < BigInt(layout.entries); i++)
      writeEntry(memory, base + i * STE_BYTES, ABORT_STE);
    for (const stream of streams.keys()) steAt.set(stream, base + stream * STE_BYTES);
  } else {
    for (let i = 0n; i < BigInt(layout.entries); i++) memory.write64(base + i * 8n, 0n);
    const l2Bytes = 2 ** STRTAB_SPLIT * Number(STE_BYTES);
    const l2Of = new Map<bigint, bigint>();
    for (const stream of [...streams.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      const l1 = stream >> BigInt(STRTAB_SPLIT);
      let l2 = l2Of.get(l1);
      if (l2 === undefined) {
        // arm_smmu_init_l2_strtab: one level-2 table per 256 StreamIDs, filled with aborts.
        l2 = BigInt(pool.alloc(l2Bytes, l2Bytes));
        for (let i = 0n; i < 1n << BigInt(STRTAB_SPLIT); i++)
          writeEntry(memory, l2 + i * STE_BYTES, ABORT_STE);
        memory.write64(base + l1 * 8n, l1Descriptor(l2));
        l2Of.set(l1, l2);
      }
      steAt.set(stream, l2 + (stream & ((1n << BigInt(STRTAB_SPLIT)) - 1n)) * STE_BYTES);
    }
  }
  const byDevice = new Map(bindings.map((b) => [b.device, b]));
  for (const [stream, { device, make }] of streams) {
    const content = make(() => {
      // arm_smmu_alloc_cd_tables with no SubstreamIDs: one CD; arm_smmu_make_s1_cd fills it.
      const b = byDevice.get(device)!;
      const table = asRadixTable(b.table, "arm-lpae");
      const regs = armLpaeRegisters(armLpaeConfig(table.options.params), table.rootPa, 0);
      // Nested: the CD is the guest's, at an IPA of its memory, as are TTB0 and the tables.
      const nested = b.stage2 && b.stage2.table !== b.table ? b.stage2 : undefined;
      const cdPool = nested?.pool ?? pool;
      const cdMemory = nested?.memory ?? memory;
      const cd = BigInt(cdPool.alloc(Number(CD_BYTES), Number(CD_BYTES)));
      const fields = encodeCd({
        tcr: regs["TCR"]!,
        ttb0: BigInt(table.rootPa),
        mair: regs["MAIR"]!,
        asid: b.domainId,
      });
      writeEntry(cdMemory, cd, fields);
      return cd;
    });
    writeEntry(memory, steAt.get(stream)!, encodeSte(content));
  }
  return { base, registers: smmuV3Registers(layout, base) };
}

/** The CD fields the mapper's tables need (T0SZ, TG0, IPS, MAIR), from its parameters. */
export function tablesExpectation(params: PluginParams): TablesExpectation {
  const regs = armLpaeRegisters(armLpaeConfig(params), 0, 0);
  const tcr = regs["TCR"] ?? 0n;
  // Stage 2 shares the mapper's parameters (the table factory adds `stage 2`).
  const stage2Params = { ...params, stage: 2n };
  const s2 = armLpaeRegisters(armLpaeConfig(stage2Params), 0, 0);
  return {
    t0sz: Number(tcr & 63n),
    tg0: Number((tcr >> 14n) & 3n),
    ips: Number((tcr >> 32n) & 7n),
    mair: regs["MAIR"] ?? 0n,
    vtcr: s2["VTCR"]! & STE_2_VTCR_MASK,
    stage2Params,
  };
}

export function lookupSmmuV3(
  memory: PhysicalMemory,
  params: PluginParams,
  registers: Readonly<Record<string, bigint>>,
  stream: bigint,
  walkStage2: Stage2Walker,
): DeviceLookup {
  return lookupStream(memory, registers, stream, tablesExpectation(params), walkStage2);
}
