/**
 * `vcm diff`, library side: who gained or lost access to what between two compiled topologies,
 * read from the emitted page-table bytes of both (the runtime's byte walkers: `Prover.reachOf`
 * for what each endpoint reaches, `plugin.leaves` for the page size of every leaf), never from
 * the declarations. Physical pages are compared per right (read, write, execute), so a mapping
 * that moved to another IOVA but reaches the same memory with the same rights is no change.
 */
import type { CompiledTopology } from "../lowering/compiled.js";
import { PROT_EXEC, PROT_READ, PROT_WRITE } from "../plugin-api/types.js";
import { FailureSink } from "../runtime/failure-sink.js";
import { MemoryNames } from "../runtime/memory-names.js";
import { Prover } from "../runtime/prover.js";
import {
  combineRights,
  difference,
  normalize,
  type PageRun,
  type RightsRun,
} from "./interval-set.js";

const RIGHTS = [PROT_READ, PROT_WRITE, PROT_EXEC] as const;

export interface RangeChange {
  /** Physical address of the first byte. */
  base: bigint;
  size: bigint;
  /** `rw`, `r`, `x`... the rights gained (or lost) on this range. */
  rights: string;
  /** What the memory is, in the topology that has the access (buffer, pool, region). */
  memory: string;
}

export interface EndpointDiff {
  endpoint: string;
  /** `added` / `removed`: the endpoint exists in one topology only. */
  status: "changed" | "added" | "removed";
  gained: RangeChange[];
  lost: RangeChange[];
}

export interface PageSizeChange {
  /** `buffer -> target`, as the map line names them. */
  mapping: string;
  target: string;
  /** Leaves by page size read from the old and new tables ("4K": 512). */
  old: Record<string, number>;
  new: Record<string, number>;
}

export interface ReachDiff {
  endpoints: EndpointDiff[];
  pageSizes: PageSizeChange[];
  /** Some endpoint reaches memory, or a right on it, it did not reach before. */
  gained: boolean;
}

export function rightsText(rights: number): string {
  return (
    (rights & PROT_READ ? "r" : "") +
    (rights & PROT_WRITE ? "w" : "") +
    (rights & PROT_EXEC ? "x" : "")
  );
}

/** Per endpoint, per right: the physical pages it reaches with that right (from the bytes). */
export function physicalReach(compiled: CompiledTopology): Map<string, Map<number, PageRun[]>> {
  const prover = new Prover(compiled, new FailureSink(0), { limit: 0 });
  const out = new Map<string, Map<number, PageRun[]>>();
  for (const path of prover.paths) {
    const reach = prover.reachOf(path);
    const perBit = new Map<number, PageRun[]>(RIGHTS.map((b) => [b, []]));
    for (let i = 0; i < reach.length; i++) {
      const first = reach.pa[i]!;
      const run = { first, end: first + reach.count[i]! };
      for (const b of RIGHTS) if (reach.prot[i]! & b) perBit.get(b)!.push(run);
    }
    for (const b of RIGHTS) perBit.set(b, normalize(perBit.get(b)!));
    out.set(path.endpoint, perBit);
  }
  return out;
}

function changes(runs: RightsRun[], names: MemoryNames): RangeChange[] {
  return runs.map((r) => ({
    base: BigInt(r.first) << 12n,
    size: BigInt(r.end - r.first) << 12n,
    rights: rightsText(r.rights),
    memory: names.namesOf(r.first, r.end - r.first),
  }));
}

function minus(
  a: Map<number, PageRun[]> | undefined,
  b: Map<number, PageRun[]> | undefined,
): Map<number, PageRun[]> {
  const out = new Map<number, PageRun[]>();
  for (const bit of RIGHTS) out.set(bit, difference(a?.get(bit) ?? [], b?.get(bit) ?? []));
  return out;
}

/** Leaves by page size ("4K": n) inside each mapping's IOVA chunks, read from its table. */
export function mappingPageSizes(
  compiled: CompiledTopology,
): Map<string, { target: string; sizes: Record<string, number> }> {
  const leavesByTable = new Map<string, { iova: number[]; count: number[]; shift: number[] }>();
  for (const t of compiled.tables) {
    const plugin = compiled.plugins.get(t.format);
    const acc = { iova: [] as number[], count: [] as number[], shift: [] as number[] };
    if (plugin) {
      try {
        plugin.leaves(compiled.memory, t.context, (iovaPfn, _pa, count, _prot, _attrs, shift) => {
          acc.iova.push(iovaPfn);
          acc.count.push(count);
          acc.shift.push(shift);
        });
      } catch {
        // A table that cannot be read has no leaves to compare; `vcm run` reports why.
      }
    }
    if (!acc.iova.every((v, i) => i === 0 || acc.iova[i - 1]! <= v)) {
      const order = acc.iova.map((_, i) => i).sort((a, b) => acc.iova[a]! - acc.iova[b]!);
      for (const k of ["iova", "count", "shift"] as const) acc[k] = order.map((i) => acc[k][i]!);
    }
    leavesByTable.set(t.name, acc);
  }
  const out = new Map<string, { target: string; sizes: Record<string, number> }>();
  const seen = new Map<string, number>();
  for (const m of compiled.mappings) {
    if (!m.table || m.unity) continue;
    const leaves = leavesByTable.get(m.table);
    if (!leaves) continue;
    const sizes: Record<string, number> = {};
    for (const c of m.chunks) {
      const first = Number(c.iova >> 12n);
      const end = first + Number((c.size + 4095n) >> 12n);
      // Leaves come in IOVA order: start at the first one ending after `first`.
      let i = firstEndingAfter(leaves.iova, leaves.count, first);
      for (; i < leaves.iova.length && leaves.iova[i]! < end; i++) {
        const lo = Math.max(first, leaves.iova[i]!);
        const hi = Math.min(end, leaves.iova[i]! + leaves.count[i]!);
        if (hi <= lo) continue;
        const pages = 2 ** (leaves.shift[i]! - 12);
        const key = sizeText(2 ** leaves.shift[i]!);
        sizes[key] = (sizes[key] ?? 0) + Math.ceil((hi - lo) / pages);
      }
    }
    const what = m.buffer ?? `${m.memory}@0x${m.chunks[0]?.pa.toString(16) ?? "?"}`;
    const base = `${what} -> ${m.target.name}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    out.set(n === 1 ? base : `${base} #${n}`, { target: m.target.name, sizes });
  }
  return out;
}

function firstEndingAfter(iova: number[], count: number[], pfn: number): number {
  let lo = 0;
  let hi = iova.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (iova[mid]! + count[mid]! <= pfn) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sizeText(bytes: number): string {
  const units: [number, string][] = [
    [2 ** 40, "T"],
    [2 ** 30, "G"],
    [2 ** 20, "M"],
    [2 ** 10, "K"],
  ];
  for (const [u, s] of units) if (bytes >= u && bytes % u === 0) return `${bytes / u}${s}`;
  return String(bytes);
}

function sameSizes(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if ((a[k] ?? 0) !== (b[k] ?? 0)) return false;
  return true;
}

export function diffCompiled(older: CompiledTopology, newer: CompiledTopology): ReachDiff {
  const oldReach = physicalReach(older);
  const newReach = physicalReach(newer);
  const oldNames = new MemoryNames(older.ir);
  const newNames = new MemoryNames(newer.ir);
  const endpoints: EndpointDiff[] = [];
  const names = [...new Set([...newReach.keys(), ...oldReach.keys()])];
  for (const name of names) {
    const o = oldReach.get(name);
    const n = newReach.get(name);
    const gained = changes(combineRights(minus(n, o)), newNames);
    const lost = changes(combineRights(minus(o, n)), oldNames);
    const status = !o ? "added" : !n ? "removed" : "changed";
    if (gained.length === 0 && lost.length === 0 && status === "changed") continue;
    endpoints.push({ endpoint: name, status, gained, lost });
  }
  const oldSizes = mappingPageSizes(older);
  const pageSizes: PageSizeChange[] = [];
  for (const [mapping, now] of mappingPageSizes(newer)) {
    const before = oldSizes.get(mapping);
    if (!before || sameSizes(before.sizes, now.sizes)) continue;
    pageSizes.push({ mapping, target: now.target, old: before.sizes, new: now.sizes });
  }
  return { endpoints, pageSizes, gained: endpoints.some((e) => e.gained.length > 0) };
}
