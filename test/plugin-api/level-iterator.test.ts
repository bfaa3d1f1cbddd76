/**
 * The level iterator's guards on hostile bytes: every table page is entered at most once per
 * operation however the entries point, so a root whose entries all point at itself (or two
 * tables pointing at each other) is read once, each entry not followed is reported, and walk,
 * leaves, tables and describe all end after reading each entry about once. Without the cycle guard
 * a self-referencing 4-level x86 root is read as every level below it: 512^3 decodes for leaves().
 */
import { describe, expect, it } from "vitest";
import {
  PhysicalMemory,
  descriptorWords,
  levelEntries,
  radixDescribe,
  radixLeaves,
  radixTables,
  radixWalk,
  writeDescriptor,
  type RadixFormat,
} from "../../src/plugin-api/index.js";
import { amdV1Format } from "../../plugins/amd-v1/format.js";
import { armLpaeConfig } from "../../plugins/arm-lpae/config.js";
import { ArmLpaeFormat } from "../../plugins/arm-lpae/descriptor-format.js";
import { v7sFormat } from "../../plugins/arm-v7s/format.js";
import { vtdFormat } from "../../plugins/intel-vtd/format.js";
import { x86Format } from "../../plugins/x86-64/format.js";

const ROOT = 0x10_0000;
const OTHER = 0x20_0000;

const FORMATS: { name: string; format: () => RadixFormat }[] = [
  { name: "x86-64 (4 levels)", format: () => x86Format(4) },
  { name: "x86-64 (5 levels)", format: () => x86Format(5) },
  { name: "intel-vtd (AGAW 57)", format: () => vtdFormat(57) },
  { name: "amd-v1 (6 levels)", format: () => amdV1Format(6) },
  {
    name: "arm-lpae (stage 1, 4K, 48 bits)",
    format: () => new ArmLpaeFormat(armLpaeConfig({ stage: 1n, granule: 4096n, ias: 48n })),
  },
  {
    name: "arm-lpae (stage 1, 64K, 48 bits)",
    format: () => new ArmLpaeFormat(armLpaeConfig({ stage: 1n, granule: 65536n, ias: 48n })),
  },
  { name: "arm-v7s", format: () => v7sFormat() },
];

/** The format with its decode calls counted. */
function counted(format: RadixFormat): { format: RadixFormat; decodes: () => number } {
  let n = 0;
  const f = Object.create(format) as RadixFormat & { decode: RadixFormat["decode"] };
  f.decode = (level, lo, hi, out) => {
    n++;
    format.decode(level, lo, hi, out);
  };
  return { format: f, decodes: () => n };
}

/** Every entry of the table at `at` (as level index `level`) points to the table at `to`. */
function pointAll(
  memory: PhysicalMemory,
  format: RadixFormat,
  at: number,
  level: number,
  to: number,
) {
  const g = format.geometry;
  const w = descriptorWords();
  format.tableDescriptor(level, to, w);
  for (let i = 0; i < levelEntries(g.levels[level]!); i++) {
    writeDescriptor(memory, at + i * g.entryBytes, g.entryBytes, g.bigEndian, w.lo, w.hi);
  }
}

describe.each(FORMATS)("$name: hostile table entries", ({ format: make }) => {
  it("a root whose entries all point at itself is read once by every operation", () => {
    const { format, decodes } = counted(make());
    const entries = levelEntries(format.geometry.levels[0]!);
    const memory = new PhysicalMemory();
    pointAll(memory, format, ROOT, 0, ROOT);

    const runs: number[] = [];
    const loops: number[] = [];
    radixLeaves(
      memory,
      format,
      ROOT,
      (iova) => runs.push(iova),
      (_iova, _count, entryPa, _level, tablePa) => {
        expect(tablePa).toBe(ROOT);
        loops.push(entryPa);
      },
    );
    expect(runs).toEqual([]);
    expect(loops).toHaveLength(entries);
    expect(decodes()).toBe(entries);

    const tables: bigint[] = [];
    radixTables(memory, format, ROOT, (pa) => tables.push(pa));
    expect(tables).toEqual([BigInt(ROOT)]);

    const w = radixWalk(memory, format, ROOT, 0n);
    expect(w.ok).toBe(false);
    expect(w.steps).toHaveLength(1);
    if (!w.ok) expect(w.reason).toContain("a loop");

    const dump = radixDescribe(memory, format, ROOT);
    expect(dump).toContain("not followed again");
    // leaves + tables + one walk + describe (and its describeDescriptor calls decode no more).
    expect(decodes()).toBeLessThanOrEqual(3 * entries + 1 + entries * 2);
  });

  it("two tables pointing at each other: each is entered once, the rest reported", () => {
    const base = make();
    if (base.geometry.levels.length < 3) return; // a second level of tables is needed
    const { format, decodes } = counted(base);
    const g = format.geometry;
    const memory = new PhysicalMemory();
    pointAll(memory, format, ROOT, 0, OTHER);
    pointAll(memory, format, OTHER, 1, ROOT);
    const loops: number[] = [];
    radixLeaves(
      memory,
      format,
      ROOT,
      () => {},
      (_i, _n, _e, _l, tablePa) => loops.push(tablePa),
    );
    const e0 = levelEntries(g.levels[0]!);
    const e1 = levelEntries(g.levels[1]!);
    // Root entry 0 enters OTHER; OTHER's entries all lead back to ROOT; root entries 1.. to OTHER.
    expect(loops.filter((t) => t === ROOT)).toHaveLength(e1);
    expect(loops.filter((t) => t === OTHER)).toHaveLength(e0 - 1);
    expect(decodes()).toBe(e0 + e1);
  });
});
