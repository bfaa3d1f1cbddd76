/**
 * Throughput measurement (not a unit test). Per round: maps 64 GiB as 16,777,216 4K pages in one
 * arm-lpae map call, enumerates the leaves, unmaps everything; then the same on a big-endian
 * format (sPAPR TCE, 1 GiB window of 4K TCEs, 2 levels) and leaves() of a 2G default TCE window
 * holding one page (a flat 4 MB table, almost all of it never written). Prints every round and
 * the medians, with the load average (the machine may be shared: compare medians).
 * Targets: map >= 50 M entries/s, leaves >= 100 M pages/s.
 * Run: npx tsc --outDir /tmp/vcm-measure --module nodenext --moduleResolution nodenext \
 *        --target es2022 --skipLibCheck test/plugin-api/measure-radix-throughput.ts &&
 *      ROUNDS=5 node /tmp/vcm-measure/test/plugin-api/measure-radix-throughput.js
 */
import { readFileSync } from "node:fs";
import armLpae from "../../plugins/arm-lpae/index.js";
import spaprTce from "../../plugins/spapr-tce/index.js";
import {
  PhysicalMemory,
  PoolAllocator,
  PROT_READ,
  PROT_WRITE,
  type CreateOptions,
  type TableContext,
  type VcmPlugin,
} from "../../src/plugin-api/index.js";

const ROUNDS = Number(process.env["ROUNDS"] ?? 5);
const results = new Map<string, number[]>();

function record(name: string, value: number): void {
  const list = results.get(name) ?? [];
  list.push(value);
  results.set(name, list);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function seconds(fn: () => void): number {
  const t = performance.now();
  fn();
  return (performance.now() - t) / 1000;
}

/** Map `pages` 4K pages at once, enumerate them, unmap them; records M entries/s and M pages/s. */
function mapLeavesUnmap(
  label: string,
  plugin: VcmPlugin,
  options: CreateOptions,
  iova: bigint,
  pa: bigint,
  pages: number,
): void {
  const memory = new PhysicalMemory();
  const pool = new PoolAllocator("tables", 0x1_0000_0000n, 256n << 20n);
  const handle = plugin.create(memory, pool, options);
  const s = seconds(() => plugin.map(handle, iova, pa, 4096n, pages, PROT_READ | PROT_WRITE, 0));
  record(`${label} map M entries/s`, pages / s / 1e6);
  const context: TableContext = {
    params: options.params,
    root: handle.root,
    registers: plugin.registers(handle),
    aperture: options.aperture,
    ...(options.window ? { window: options.window } : {}),
  };
  let seen = 0;
  const l = seconds(() =>
    plugin.leaves(memory, context, (_i, _p, count) => {
      seen += count;
    }),
  );
  if (seen !== pages) throw new Error(`${label}: leaves saw ${seen} pages, mapped ${pages}`);
  record(`${label} leaves M pages/s`, pages / l / 1e6);
  const u = seconds(() => plugin.unmap(handle, options.aperture.base, options.aperture.size));
  record(`${label} unmap M pages/s`, pages / u / 1e6);
}

function sparseTceLeaves(): void {
  const memory = new PhysicalMemory();
  const pool = new PoolAllocator("tables", 0x1_0000_0000n, 64n << 20n);
  const aperture = { base: 0n, size: 1n << 31n };
  const handle = spaprTce.create(memory, pool, { params: {}, name: "b", domainId: 1, aperture });
  spaprTce.map(handle, 0x1000_0000n, 0x4000_0000n, 4096n, 1, PROT_READ, 0);
  const context: TableContext = {
    params: {},
    root: handle.root,
    registers: spaprTce.registers(handle),
    aperture,
  };
  record(
    "TCE 2G default window (1 page) leaves ms",
    seconds(() => spaprTce.leaves(memory, context, () => {})) * 1000,
  );
}

const lpaeParams = { stage: 1n, granule: 4096n, ias: 48n, oas: 48n };
const window = { base: 1n << 59n, size: 1n << 30n, pageSize: 4096n, levels: 2 };
for (let round = 0; round < ROUNDS; round++) {
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  mapLeavesUnmap(
    "arm-lpae 64G",
    armLpae,
    { params: lpaeParams, name: "bench", domainId: 1, aperture: { base: 0n, size: 1n << 48n } },
    0x40_0000_0000n,
    0x80_0000_0000n,
    16_777_216,
  );
  mapLeavesUnmap(
    "spapr-tce 1G",
    spaprTce,
    { params: {}, name: "bench", domainId: 1, aperture: window, window },
    window.base,
    0x80_0000_0000n,
    262_144,
  );
  sparseTceLeaves();
  const line = [...results].map(([k, v]) => `${k} ${v.at(-1)!.toFixed(1)}`).join(", ");
  console.log(`round ${round + 1} (load ${load}): ${line}`);
}
console.log("medians:");
for (const [k, v] of results) console.log(`  ${k}: ${median(v).toFixed(1)}`);
