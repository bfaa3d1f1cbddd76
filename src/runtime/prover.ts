/**
 * Proves endpoints of one compiled state: each table's leaves are enumerated once from bytes
 * (cached per table and root), compared with the table's intended runs by an interval sweep,
 * and every disagreement becomes a failure naming the endpoint, the address range, what was
 * intended and what the bytes give, with the walk trace of the first address.
 */
import type { IrChunk } from "../ir/types.js";
import type { LeafCounts } from "../lowering/compiled.js";
import type { SystemState } from "../model/system-state.js";
import { protText } from "../lowering/protection.js";
import { ATTR_CACHEABLE, type WalkStep } from "../plugin-api/types.js";
import {
  attrsMatcher,
  expectedAttrsLabel,
  foundAttrs,
  foundAttrsLabel,
  provedAttrsMask,
} from "./attributes.js";
import { removedRights, rightsText } from "../plugin-api/level-rights.js";
import { compareRuns, type CompareResult, type Mismatch } from "./compare-runs.js";
import { resolvePaths, type EndpointPath, type TablePath } from "./endpoint-paths.js";
import type { FailureSink } from "./failure-sink.js";
import { tokenText } from "./frame-token.js";
import { MemoryNames } from "./memory-names.js";
import { expressibleMask, grantedTable } from "../plugin-api/rights.js";
import { protMatcher } from "./permissions.js";
import type { EndpointReport, RunFailure } from "./report.js";
import { tableInput } from "../lowering/address-halves.js";
import { intentInHalf, reachInHalf } from "./half-runs.js";
import { irMappingsById, mappingSource } from "../model/mapping-index.js";
import { RunList } from "./run-list.js";

export interface TableProof {
  intent: RunList;
  reach: RunList;
  leaves: LeafCounts;
  compare: CompareResult;
  /** Table entries `leaves` did not follow: their table was already read (a loop). */
  loops?: TableLoop[];
  /** Set when the plugin threw while reading the table. */
  error?: string;
}

/** A table entry not followed, as the plugin's `leaves` reports it. */
export interface TableLoop {
  iovaPfn: number;
  count: number;
  entryPa: number;
  level: number;
  tablePa: number;
}

export interface ProverOptions {
  /** Current chunks of buffers moved by a scenario (`migrate`). */
  bufferChunks?: ReadonlyMap<string, readonly IrChunk[]>;
  /** Mismatches kept per table (the rest are counted). */
  limit: number;
  /**
   * Hand each table's page list over instead of checking it here: a worker thread cannot see
   * the tables other workers read, so the main thread checks pool ownership across all of them.
   */
  deferTablePages?: (ref: TableRef, pages: TablePages) => void;
}

/** One table as walked from one root. */
export interface TableRef {
  table: string;
  mapper: string;
  root: bigint;
}

/** Every table page reachable from one root, as the plugin's `tables` pass lists them. */
export interface TablePages {
  pa: number[];
  level: number[];
}

/** Identifies one table proof: the same table walked from the same root gives the same proof. */
export const proofKey = (tp: TablePath): string =>
  `${tp.table.name}@${tp.context.root}:${tp.reachable}` + (tp.half ? `:${tp.half.half}` : "");

/** The table input address a path's plugin walks for the endpoint's address. */
export const inputAddress = (tp: TablePath, address: bigint): bigint =>
  tp.half ? tableInput({ halves: [tp.half] }, address) : address;

export const hexOf = (x: bigint | number): string => "0x" + x.toString(16);
const addrOf = (pfn: number): bigint => BigInt(pfn) << 12n;

export class Prover {
  readonly paths: EndpointPath[];
  readonly names: MemoryNames;
  private readonly proofs = new Map<string, TableProof>();
  /** Leaves read from one root, before they are cut into halves (x86-64 walks one root twice). */
  private readonly tableReaches = new Map<
    string,
    { reach: RunList; leaves: LeafCounts; loops: TableLoop[]; error?: string }
  >();
  private readonly intents = new Map<string, RunList>();
  private readonly reaches = new Map<string, RunList>();
  /** Ids of the mappings whose memory is an MMIO region (built on first use). */
  private mmioMappingIds?: Set<number>;
  private readonly checkedTablePages = new Set<string>();
  /** Which table owns each table (by its address: sub-page tables share frames) seen so far. */
  private readonly pageOwners = new Map<number, string>();

  constructor(
    readonly view: SystemState,
    readonly sink: FailureSink,
    readonly options: ProverOptions,
  ) {
    this.paths = resolvePaths(view);
    this.names = new MemoryNames(view.ir, options.bufferChunks);
  }

  path(endpoint: string): EndpointPath | undefined {
    return this.paths.find((p) => p.endpoint === endpoint);
  }

  /** The intended runs of a table, from the mapping records (unity ranges included). */
  intentOf(table: string): RunList {
    let list = this.intents.get(table);
    if (list) return list;
    list = new RunList();
    for (const m of this.view.mappings) {
      if (m.table !== table) continue;
      for (const c of m.chunks) {
        list.push(
          Number(c.iova >> 12n),
          Number(c.pa >> 12n),
          Number((c.size + 4095n) >> 12n),
          m.prot,
          m.id,
          m.attrs,
        );
      }
    }
    list.sortByIova();
    this.intents.set(table, list);
    return list;
  }

  /** The 4K pages a path's table is meant to translate (a measure of the work of proving it). */
  intendedPages(tp: TablePath): number {
    const intent = this.intentOf(tp.table.name);
    let pages = 0;
    for (let i = 0; i < intent.length; i++) pages += intent.count[i]!;
    return pages;
  }

  private mmioIds(): Set<number> {
    if (this.mmioMappingIds) return this.mmioMappingIds;
    const mmio = new Set(this.view.ir.memories.filter((m) => m.kind === "mmio").map((m) => m.name));
    this.mmioMappingIds = new Set(
      this.view.mappings.filter((m) => mmio.has(m.memory)).map((m) => m.id),
    );
    return this.mmioMappingIds;
  }

  /** The intended runs a table path answers for: the table's, or those in its half. */
  intentFor(tp: TablePath): RunList {
    if (!tp.half) return this.intentOf(tp.table.name);
    const key = `${tp.table.name}:${tp.half.half}`;
    let list = this.intents.get(key);
    if (!list) {
      list = intentInHalf(this.intentOf(tp.table.name), tp.half);
      this.intents.set(key, list);
    }
    return list;
  }

  proofOf(tp: TablePath): TableProof {
    const key = proofKey(tp);
    let proof = this.proofs.get(key);
    if (proof) return proof;
    const { reach, leaves, loops, error } = this.readTable(tp);
    if (!tp.half) return this.adoptReach(tp, reach, leaves, error, loops);
    // Leaf counts stay with the lower half: both halves of one root share one footprint.
    // Table loops are reported with the lower half, at table input addresses.
    const shared = tp.half.half === "upper" && tp.half.input !== 0n;
    const halfLoops = tp.half.half === "lower" ? loops : [];
    return this.adoptReach(tp, reachInHalf(reach, tp.half), shared ? {} : leaves, error, halfLoops);
  }

  /** Every leaf reachable from the path's root, by table input page (read once per root). */
  private readTable(tp: TablePath): {
    reach: RunList;
    leaves: LeafCounts;
    loops: TableLoop[];
    error?: string;
  } {
    const key = `${tp.table.name}@${tp.context.root}:${tp.reachable}`;
    const cached = this.tableReaches.get(key);
    if (cached) return cached;
    const reach = new RunList();
    const leaves: LeafCounts = {};
    const loops: TableLoop[] = [];
    let error: string | undefined;
    if (tp.reachable) {
      try {
        tp.plugin.leaves(
          this.view.memory,
          tp.context,
          (iovaPfn, paPfn, count, prot, attrs, shift) => {
            reach.push(iovaPfn, paPfn, count, prot, 0, attrs);
            const key = (2 ** shift).toString();
            leaves[key] = (leaves[key] ?? 0) + (shift > 12 ? count / 2 ** (shift - 12) : count);
          },
          (iovaPfn, count, entryPa, level, tablePa) => {
            loops.push({ iovaPfn, count, entryPa, level, tablePa });
          },
        );
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
    }
    reach.sortByIova();
    const read = { reach, leaves, loops, ...(error !== undefined ? { error } : {}) };
    if (tp.half) this.tableReaches.set(key, read);
    return read;
  }

  /**
   * Complete and cache the proof of a table from its reach as read from bytes (here, or by a
   * worker thread: the comparison with the intent is cheap, the reading is not).
   */
  adoptReach(
    tp: TablePath,
    reach: RunList,
    leaves: LeafCounts,
    error?: string,
    loops?: TableLoop[],
  ): TableProof {
    const intent = this.intentFor(tp);
    const attrsOk = attrsMatcher(tp.caps);
    const mmio = provedAttrsMask(tp.caps) & ATTR_CACHEABLE ? this.mmioIds() : undefined;
    const compare = compareRuns(intent, reach, {
      protOk: protMatcher(tp.caps),
      ...(attrsOk ? { attrsOk } : {}),
      // The bytes are held to `vcm check`'s rule: MMIO is never mapped cacheable.
      ...(mmio && mmio.size > 0
        ? {
            attrsForbidden: (tag: number, found: number) =>
              (foundAttrs(found, tp.caps) & ATTR_CACHEABLE) !== 0 && mmio.has(tag),
          }
        : {}),
      // A format with no tables (a fixed bus window) reaches what it reaches by design.
      undeclared: tp.caps.levels > 0,
      limit: this.options.limit,
    });
    const proof: TableProof = {
      intent,
      reach,
      leaves,
      compare,
      ...(loops !== undefined && loops.length > 0 ? { loops } : {}),
      ...(error !== undefined ? { error } : {}),
    };
    this.proofs.set(proofKey(tp), proof);
    return proof;
  }

  /**
   * Everything the endpoint reaches (tables within its mask, plus by-design ranges), by IOVA,
   * with the permissions in effect on each format. Tags: index into `path.tables`, -1 by design.
   */
  reachOf(path: EndpointPath): RunList {
    const cached = this.reaches.get(path.endpoint);
    if (cached) return cached;
    const out = new RunList();
    const add = (list: RunList, tag: number, caps?: TablePath["caps"]) => {
      const granted = caps ? grantedTable(caps) : undefined;
      for (let i = 0; i < list.length; i++) {
        const start = list.iova[i]!;
        if (start >= path.maskEndPfn) continue;
        const n = Math.min(list.count[i]!, path.maskEndPfn - start);
        const prot = granted ? granted[list.prot[i]! & 15]! : list.prot[i]!;
        out.push(start, list.pa[i]!, n, prot, tag, list.attrs[i]!);
      }
    };
    path.tables.forEach((tp, i) => add(this.proofOf(tp).reach, i, tp.caps));
    add(path.byDesign, -1);
    out.sortByIova();
    this.reaches.set(path.endpoint, out);
    return out;
  }

  /** The walk of one address through a table, from bytes, for failure listings. */
  walkTrace(tp: TablePath, address: bigint): { steps: WalkStep[]; outcome: string } {
    try {
      const w = tp.plugin.walk(this.view.memory, tp.context, inputAddress(tp, address));
      if (w.ok) {
        const attrs = provedAttrsMask(tp.caps) ? ` ${foundAttrsLabel(w.attrs, tp.caps)}` : "";
        return {
          steps: w.steps,
          outcome: `pa ${hexOf(w.pa)} ${protText(w.prot)}${attrs} (${w.pageSize / 1024n}K page, ${tokenText(Number(w.pa >> 12n))})`,
        };
      }
      return { steps: w.steps, outcome: `fault at level ${w.level}: ${w.reason}` };
    } catch (e) {
      return { steps: [], outcome: `walk failed: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  proveEndpoints(
    filter?: ReadonlySet<string>,
    progress?: (done: number, total: number, label: string) => void,
  ): EndpointReport[] {
    const reports: EndpointReport[] = [];
    const paths = this.paths.filter((p) => !filter || filter.has(p.endpoint));
    for (const path of paths) {
      progress?.(reports.length, paths.length, `proving ${path.endpoint}`);
      reports.push(this.proveEndpoint(path));
    }
    return reports;
  }

  proveEndpoint(path: EndpointPath): EndpointReport {
    const before = this.sink.count;
    const name = path.endpoint;
    const span = path.ir?.span;
    if (path.binding) {
      this.sink.add("device-binding-wrong", {
        endpoint: name,
        message: `${name}: its context entry selects ${path.binding.found}, expected ${path.binding.expected}`,
        expected: path.binding.expected,
        found: path.binding.found,
        ...(span ? { span } : {}),
      });
    }
    for (const r of path.registers ?? []) {
      this.sink.add("cpu-registers-wrong", {
        endpoint: name,
        message: `${name}: its registers give ${r.found}, expected ${r.expected}`,
        expected: r.expected,
        found: r.found,
        ...(span ? { span } : {}),
      });
    }
    let pagesChecked = 0;
    let pagesReachable = 0;
    const leaves: LeafCounts = {};
    const attributes: Record<string, number> = {};
    for (const tp of path.tables) {
      const proof = this.proofOf(tp);
      this.checkTablePages(tp);
      if (proof.error !== undefined) {
        this.sink.add("run-internal-error", {
          endpoint: name,
          table: tp.table.name,
          message: `${name}: plugin '${tp.plugin.name}' failed reading table ${tp.table.name}: ${proof.error}`,
          expected: "a readable table",
          found: proof.error,
        });
      }
      pagesChecked += proof.compare.pagesChecked;
      const withAttrs = provedAttrsMask(tp.caps) !== 0;
      for (let i = 0; i < proof.reach.length; i++) {
        const start = proof.reach.iova[i]!;
        if (start >= path.maskEndPfn) continue;
        const n = Math.min(proof.reach.count[i]!, path.maskEndPfn - start);
        pagesReachable += n;
        if (withAttrs) {
          const label = foundAttrsLabel(proof.reach.attrs[i]!, tp.caps);
          attributes[label] = (attributes[label] ?? 0) + n;
        }
      }
      for (const [k, v] of Object.entries(proof.leaves)) leaves[k] = (leaves[k] ?? 0) + v;
      for (const loop of proof.loops ?? []) this.reportLoop(path, tp, loop);
      for (const m of proof.compare.mismatches) this.reportMismatch(path, tp, m);
      if (proof.compare.truncated) this.sink.addUncounted(1);
      this.checkMask(path, tp, proof.intent);
    }
    this.checkDirectMappings(path);
    const failures = this.sink.count - before;
    return {
      endpoint: name,
      route: path.description,
      tables: [...new Set(path.tables.map((t) => t.table.name))],
      pagesChecked,
      pagesReachable,
      leaves,
      attributes,
      failures,
      ok: failures === 0,
    };
  }

  private spanOf(id: number | undefined) {
    if (id === undefined) return undefined;
    return irMappingsById(this.view.ir).get(id)?.span;
  }

  /** The reservation of the table's domain that holds `address`, if any (for messages). */
  private unbackedReservationAt(table: string, address: bigint): string | undefined {
    return this.view.ir.reservations?.find(
      (r) => r.domain === table && address >= r.range.base && address - r.range.base < r.range.size,
    )?.name;
  }

  /** `mapping of frame[0]`: what messages call the mapping with this id. */
  private mappingName(id: number): string {
    const m = irMappingsById(this.view.ir).get(id);
    return m ? `mapping of ${mappingSource(m)}` : `mapping #${id}`;
  }

  private reportMismatch(path: EndpointPath, tp: TablePath, m: Mismatch): void {
    if (m.iovaPfn >= path.maskEndPfn) return; // the endpoint cannot drive these addresses
    const count = Math.min(m.count, path.maskEndPfn - m.iovaPfn);
    const address = addrOf(m.iovaPfn);
    const size = addrOf(count);
    const range = `${hexOf(address)}..${hexOf(address + size)}`;
    const trace = this.walkTrace(tp, address);
    const ep = path.endpoint;
    const span = this.spanOf(m.tag !== undefined && m.tag >= 0 ? m.tag : undefined);
    const mapping =
      m.tag === undefined ? "" : m.tag < 0 ? " (unity range)" : ` (${this.mappingName(m.tag)})`;
    const expectedText =
      m.expectedPa === undefined
        ? "no translation"
        : `pa ${hexOf(addrOf(m.expectedPa))} ${protText(m.expectedProt ?? 0)} in ${this.names.nameOf(m.expectedPa)}`;
    const foundText =
      m.foundPa === undefined
        ? trace.outcome
        : `pa ${hexOf(addrOf(m.foundPa))} ${protText(m.foundProt ?? 0)} in ${this.names.namesOf(m.foundPa, count)}`;
    const common = {
      endpoint: ep,
      table: tp.table.name,
      address,
      size,
      expected: expectedText,
      found: foundText,
      trace: trace.steps,
      ...(span ? { span } : {}),
    };
    switch (m.kind) {
      case "missing":
        this.sink.add("translation-missing", {
          ...common,
          message: `${ep}: ${range}${mapping} should reach ${expectedText} but faults (${trace.outcome})`,
        });
        break;
      case "wrong-frame":
        this.sink.add("translation-wrong-frame", {
          ...common,
          message: `${ep}: ${range}${mapping} reaches ${foundText}, expected ${expectedText}`,
        });
        break;
      case "wrong-prot": {
        // Narrowed by table entries above the leaves: each such entry is named for its range.
        const rest = this.reportTableRights(path, tp, m, count, common);
        if (rest === null) break;
        const restRange = `${hexOf(rest.address)}..${hexOf(address + size)}`;
        this.sink.add("permission-mismatch", {
          ...common,
          address: rest.address,
          size: address + size - rest.address,
          trace: rest.trace.steps,
          message: `${ep}: ${restRange}${mapping} grants ${protText(m.foundProt ?? 0)}, declared ${protText(m.expectedProt ?? 0)}`,
        });
        break;
      }
      case "wrong-attrs": {
        const want = expectedAttrsLabel(m.expectedAttrs ?? 0, tp.caps);
        const got = foundAttrsLabel(m.foundAttrs ?? 0, tp.caps);
        this.sink.add("attribute-mismatch", {
          ...common,
          expected: `${want} (${expectedText})`,
          found: `${got}: ${trace.outcome}`,
          message: `${ep}: ${range}${mapping} has memory attributes '${got}', declared '${want}'${this.defaultNote(m.tag)}`,
        });
        break;
      }
      case "forbidden-attrs": {
        const got = foundAttrsLabel(m.foundAttrs ?? 0, tp.caps);
        this.sink.add("mmio-mapped-cacheable", {
          ...common,
          expected: `device or noncacheable (${expectedText})`,
          found: `${got}: ${trace.outcome}`,
          message: `${ep}: ${range}${mapping} maps ${this.names.nameOf(m.expectedPa!)} '${got}'; MMIO must be device or noncacheable`,
        });
        break;
      }
      case "undeclared":
        {
          const reservation = this.unbackedReservationAt(tp.table.name, address);
          this.sink.add("undeclared-reach", {
            ...common,
            memory: this.names.namesOf(m.foundPa!, count),
            message:
              `${ep}: ${range} reaches ${foundText}, which no mapping declares` +
              (reservation
                ? ` (inside reservation '${reservation}', which must fault while unbacked)`
                : ""),
          });
          break;
        }
        break;
    }
  }

  /** The mapped region's type, which gives the attributes when the `map` line names none. */
  private defaultNote(tag: number | undefined): string {
    if (tag === undefined || tag < 0) return "";
    const m = this.view.ir.mappings.find((x) => x.id === tag);
    const kind = m ? this.view.ir.memories.find((r) => r.name === m.source.memory)?.kind : "";
    return kind ? ` (${kind} region)` : "";
  }

  /**
   * A stretch whose rights differ from the declared ones: from its start, while the walk shows a
   * table entry removing a declared right, one `table-rights-narrowed` failure per such entry over
   * the part of the stretch it covers. Returns where the rest (narrowed by the leaf itself, or
   * wider) begins, with its walk, or null when table entries explain the whole stretch.
   */
  private reportTableRights(
    path: EndpointPath,
    tp: TablePath,
    m: Mismatch,
    count: number,
    common: {
      endpoint: string;
      table: string;
      expected: string;
      found: string;
      span?: RunFailure["span"];
    },
  ): { address: bigint; trace: { steps: WalkStep[]; outcome: string } } | null {
    const declared = (m.expectedProt ?? 0) & expressibleMask(tp.caps);
    const end = addrOf(m.iovaPfn + count);
    let at = addrOf(m.iovaPfn);
    const mapping =
      m.tag === undefined ? "" : m.tag < 0 ? " (unity range)" : ` (mapping #${m.tag})`;
    for (let pieces = 0; at < end; pieces++) {
      const trace = this.walkTrace(tp, at);
      const steps = trace.steps;
      // The highest table entry on the walk that takes a declared right away.
      const culprit =
        pieces < this.options.limit
          ? steps
              .slice(0, -1)
              .find((s) => s.allows !== undefined && removedRights(declared, s.allows) !== 0)
          : undefined;
      if (culprit === undefined || culprit.covers === undefined) return { address: at, trace };
      const from = culprit.coversFrom ?? at;
      const stop = from + culprit.covers < end ? from + culprit.covers : end;
      const removed = removedRights(declared, culprit.allows!);
      this.sink.add("table-rights-narrowed", {
        ...common,
        address: at,
        size: stop - at,
        trace: steps,
        message:
          `table entry at pa ${hexOf(culprit.descriptorAddress)} (level ${culprit.level}) removes ` +
          `${rightsText(removed)} for ${path.endpoint}: ${hexOf(at)}..${hexOf(stop)}${mapping} ` +
          `grants ${protText(m.foundProt ?? 0)}, declared ${protText(m.expectedProt ?? 0)}`,
      });
      at = stop;
    }
    return null;
  }

  /** A table entry `leaves` did not follow: what it covers is not proved. */
  private reportLoop(path: EndpointPath, tp: TablePath, loop: TableLoop): void {
    if (loop.iovaPfn >= path.maskEndPfn) return;
    const count = Math.min(loop.count, path.maskEndPfn - loop.iovaPfn);
    const address = addrOf(loop.iovaPfn);
    const size = addrOf(count);
    this.sink.add("table-loop", {
      endpoint: path.endpoint,
      table: tp.table.name,
      address,
      size,
      expected: "each table page entered once per walk",
      found: `entry at pa ${hexOf(loop.entryPa)} (level ${loop.level}) -> table ${hexOf(loop.tablePa)}, already read`,
      trace: this.walkTrace(tp, address).steps,
      message:
        `${path.endpoint}: table entry at pa ${hexOf(loop.entryPa)} (level ${loop.level}) points to ` +
        `table ${hexOf(loop.tablePa)}, already read in this walk (a loop or a shared table): ` +
        `${hexOf(address)}..${hexOf(address + size)} is not proved`,
    });
  }

  /** Intended runs the endpoint's DMA mask cannot address. */
  private checkMask(path: EndpointPath, tp: TablePath, intent: RunList): void {
    if (path.maskEndPfn >= 2 ** 52) return;
    for (let i = 0; i < intent.length; i++) {
      const start = intent.iova[i]!;
      const end = start + intent.count[i]!;
      if (end <= path.maskEndPfn) continue;
      const first = Math.max(start, path.maskEndPfn);
      const tag = intent.tag[i]!;
      const span = this.spanOf(tag >= 0 ? tag : undefined);
      this.sink.add("beyond-dma-mask", {
        endpoint: path.endpoint,
        table: tp.table.name,
        address: addrOf(first),
        size: addrOf(end - first),
        expected: `addresses below ${hexOf(addrOf(path.maskEndPfn))}`,
        found: `${this.mappingName(tag)} up to ${hexOf(addrOf(end))}`,
        message: `${path.endpoint}: ${this.mappingName(tag)} at ${hexOf(addrOf(first))} lies above its ${Math.log2(path.maskEndPfn) + 12}-bit DMA mask`,
        ...(span ? { span } : {}),
      });
    }
  }

  /** A no-MMU endpoint's mappings must lie inside its bus window. */
  private checkDirectMappings(path: EndpointPath): void {
    if (path.route.kind !== "direct") return;
    for (const m of this.view.mappings) {
      if (m.target.kind !== "direct" || m.target.name !== path.endpoint) continue;
      for (const c of m.chunks) {
        const end = Number((c.iova + c.size + 4095n) >> 12n);
        if (end <= path.maskEndPfn) continue;
        this.sink.add("beyond-dma-mask", {
          endpoint: path.endpoint,
          address: c.iova,
          size: c.size,
          expected: `bus addresses below ${hexOf(addrOf(path.maskEndPfn))}`,
          found: `bus ${hexOf(c.iova)}..${hexOf(c.iova + c.size)}`,
          message: `${path.endpoint}: ${this.mappingName(m.id)} needs bus addresses up to ${hexOf(c.iova + c.size)}, above its DMA mask`,
          ...(this.spanOf(m.id) ? { span: this.spanOf(m.id)! } : {}),
        });
      }
    }
  }

  /** Every table page reachable from a root lies in the mapper's pool and belongs to one table. */
  private checkTablePages(tp: TablePath): void {
    if (!tp.reachable) return;
    const ref = { table: tp.table.name, mapper: tp.table.mapper, root: tp.context.root };
    if (this.options.deferTablePages) {
      const key = `${ref.table}@${ref.root}`;
      // The main thread keeps the only record of what was checked.
      if (this.checkedTablePages.has(key)) return;
      this.checkedTablePages.add(key);
      this.options.deferTablePages(ref, this.tablePagesOf(tp));
      return;
    }
    this.checkTablePageList(ref, () => this.tablePagesOf(tp));
  }

  /** The table pages the plugin lists from bytes (up to where it fails, if it does). */
  private tablePagesOf(tp: TablePath): TablePages {
    const pages: TablePages = { pa: [], level: [] };
    try {
      tp.plugin.tables(this.view.memory, tp.context, (pa, _bytes, level) => {
        // Plain numbers: this runs once per table page (32K pages for a 64 GiB domain).
        pages.pa.push(Number(pa));
        pages.level.push(level);
      });
    } catch {
      // Reported by the leaves pass of the same table.
    }
    return pages;
  }

  /**
   * Check one table's page list (once per table and root): every page in the mapper's pool, none
   * already a page of another table. `pages` is read only when the table was not checked yet.
   */
  checkTablePageList(ref: TableRef, pages: () => TablePages): void {
    const table = ref.table;
    const key = `${table}@${ref.root}`;
    if (this.checkedTablePages.has(key)) return;
    this.checkedTablePages.add(key);
    const list = pages();
    const mapper = this.view.mappers.find((m) => m.name === ref.mapper);
    const pool = this.view.pools.find((p) => p.name === mapper?.pool);
    const first = pool ? Number(pool.base >> 12n) : -Infinity;
    const end = pool ? Number((pool.base + pool.size) >> 12n) : Infinity;
    let reported = 0;
    for (let i = 0; i < list.pa.length; i++) {
      const at = list.pa[i]!;
      const level = list.level[i]!;
      const pfn = Math.floor(at / 4096);
      const outside = pfn < first || pfn >= end;
      const owner = this.pageOwners.get(at);
      if (owner === undefined) this.pageOwners.set(at, table);
      const shared = owner !== undefined && owner !== table;
      if ((!outside && !shared) || reported++ >= 4) continue;
      const pa = BigInt(at);
      this.sink.add("table-outside-pool", {
        table,
        address: pa,
        expected: `a level-${level} table page of ${table} in pool ${pool?.name ?? "?"}`,
        found: outside
          ? `page ${hexOf(pa)} outside the pool`
          : `page ${hexOf(pa)}, also a table of ${owner}`,
        message: outside
          ? `table ${table}: level-${level} table at ${hexOf(pa)} lies outside pool ${pool?.name ?? "?"}`
          : `table ${table}: level-${level} table at ${hexOf(pa)} is also reachable from table ${owner}`,
      });
    }
  }
}
