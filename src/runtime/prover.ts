/**
 * Proves endpoints of one compiled state: each table's leaves are enumerated once from bytes
 * (cached per table and root), compared with the table's intended runs by an interval sweep,
 * and every disagreement becomes a failure naming the endpoint, the address range, what was
 * intended and what the bytes give, with the walk trace of the first address.
 */
import { D } from "../diagnostics/catalogue.js";
import { hex } from "../diagnostics/format.js";
import type { IrChunk } from "../ir/types.js";
import type { LeafCounts } from "../lowering/compiled.js";
import type { PlacedMapping, SystemState } from "../model/system-state.js";
import { protText } from "../lowering/protection.js";
import type { PhysicalMemory } from "../plugin-api/physical-memory.js";
import { ATTR_CACHEABLE, PROT_EXEC, PROT_WRITE, type WalkStep } from "../plugin-api/types.js";
import { attrsMatcher, foundAttrs, foundAttrsLabel, provedAttrsMask } from "./attributes.js";
import { compareRuns, type CompareResult } from "./compare-runs.js";
import {
  resolvePaths,
  withWriteExecNever,
  type EndpointPath,
  type TablePath,
} from "./endpoint-paths.js";
import type { FailureSink } from "./failure-sink.js";
import { tokenText } from "./frame-token.js";
import { MemoryNames } from "./memory-names.js";
import { grantedTable } from "../plugin-api/rights.js";
import { protMatcher } from "./permissions.js";
import type { EndpointReport } from "./report.js";
import { tableInput } from "../lowering/address-halves.js";
import { intentInHalf, reachInHalf } from "./half-runs.js";
import { ProofFailures } from "./proof-failures.js";
import { RunList } from "./run-list.js";
import { Stage2Reach, type Stage2Path } from "./stage2.js";
import { TablePageCheck, tablePagesOf, type TablePages, type TableRef } from "./table-pages.js";

export interface TableProof {
  intent: RunList;
  reach: RunList;
  leaves: LeafCounts;
  compare: CompareResult;
  /** Table entries `leaves` did not follow: their table was already read (a loop). */
  loops?: TableLoop[];
  /** Set when the plugin threw while reading the table. */
  error?: string;
  /** A nested table: the IPA pages of its table walk that stage 2 does not map for reading. */
  stage2Faults?: number[];
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

export type { TablePages, TableRef } from "./table-pages.js";

/** Identifies one table proof: the same table walked from the same root gives the same proof. */
export const proofKey = (tp: TablePath): string =>
  `${tp.table.name}@${tp.context.root}:${tp.reachable}` + (tp.half ? `:${tp.half.half}` : "");

/** The table input address a path's plugin walks for the endpoint's address. */
export const inputAddress = (tp: TablePath, address: bigint): bigint =>
  tp.half ? tableInput({ halves: [tp.half] }, address) : address;

export { hex as hexOf };

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
  private readonly stage2Reaches = new Map<string, Stage2Reach>();
  private readonly reaches = new Map<string, RunList>();
  /** Ids of the mappings whose memory is an MMIO region (built on first use). */
  private mmioMappingIds?: Set<number>;
  /** Built on first use: an expect each searching every path was expects x endpoints. */
  private pathByEndpoint?: Map<string, EndpointPath>;
  private mappingsByTable?: Map<string, PlacedMapping[]>;
  private readonly tablePages: TablePageCheck;
  private readonly failures: ProofFailures;

  constructor(
    readonly view: SystemState,
    readonly sink: FailureSink,
    readonly options: ProverOptions,
  ) {
    this.paths = resolvePaths(view);
    this.names = new MemoryNames(view.ir, options.bufferChunks);
    this.tablePages = new TablePageCheck(view, sink);
    this.failures = new ProofFailures(this);
  }

  path(endpoint: string): EndpointPath | undefined {
    if (!this.pathByEndpoint) {
      this.pathByEndpoint = new Map();
      for (const p of this.paths)
        if (!this.pathByEndpoint.has(p.endpoint)) this.pathByEndpoint.set(p.endpoint, p);
    }
    return this.pathByEndpoint.get(endpoint);
  }

  /** The intended runs of a table, from the mapping records (unity ranges included). */
  intentOf(table: string): RunList {
    let list = this.intents.get(table);
    if (list) return list;
    list = new RunList();
    for (const m of this.mappingsOf(table)) {
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

  /** The mappings into `table`, in mapping order (grouped once: a table each scanning all was n^2). */
  private mappingsOf(table: string): readonly PlacedMapping[] {
    if (!this.mappingsByTable) {
      this.mappingsByTable = new Map();
      for (const m of this.view.mappings) {
        if (m.table === undefined) continue;
        const list = this.mappingsByTable.get(m.table);
        if (list) list.push(m);
        else this.mappingsByTable.set(m.table, [m]);
      }
    }
    return this.mappingsByTable.get(table) ?? [];
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
    const { reach, leaves, loops, error, stage2Faults } = this.readTable(tp);
    if (stage2Faults) {
      const proof = this.adoptReach(tp, reach, leaves, error, loops);
      if (stage2Faults.length > 0) proof.stage2Faults = stage2Faults;
      return proof;
    }
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
    stage2Faults?: number[];
  } {
    const key = `${tp.table.name}@${tp.context.root}:${tp.reachable}:${tp.writeExecNever === true}`;
    const cached = this.tableReaches.get(key);
    if (cached) return cached;
    if (tp.stage2) return this.readNested(tp, tp.stage2);
    const reach = new RunList();
    const { leaves, loops, error } = tp.reachable
      ? collectLeaves(tp, this.view.memory, reach)
      : { leaves: {}, loops: [], error: undefined };
    reach.sortByIova();
    const read = { reach, leaves, loops, ...(error !== undefined ? { error } : {}) };
    if (tp.half) this.tableReaches.set(key, read);
    return read;
  }

  /** The stage-2 table `s2`, read once per root. */
  stage2Of(s2: Stage2Path): Stage2Reach {
    const key = `${s2.table.name}@${s2.context.root}`;
    let r = this.stage2Reaches.get(key);
    if (!r) this.stage2Reaches.set(key, (r = new Stage2Reach(this.view.memory, s2)));
    return r;
  }

  /**
   * A nested table: its stage-1 leaves read through stage 2 (table addresses are IPAs), then
   * each run carried through stage 2 to the host pages the device reaches.
   */
  private readNested(
    tp: TablePath,
    s2path: Stage2Path,
  ): {
    reach: RunList;
    leaves: LeafCounts;
    loops: TableLoop[];
    error?: string;
    stage2Faults: number[];
  } {
    const s2 = this.stage2Of(s2path);
    const stage1 = new RunList();
    const missed = new Set<number>();
    const read =
      tp.reachable && s2.error === undefined
        ? collectLeaves(tp, s2.view(this.view.memory, missed), stage1)
        : { leaves: {}, loops: [], error: undefined };
    const { leaves, loops } = read;
    const error = s2.error ?? read.error;
    const reach = s2.compose(stage1.sortByIova());
    const stage2Faults = [...missed].sort((a, b) => a - b);
    return { reach, leaves, loops, ...(error !== undefined ? { error } : {}), stage2Faults };
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
      const input = inputAddress(tp, address);
      const w = withWriteExecNever(
        tp,
        tp.stage2
          ? this.stage2Of(tp.stage2).walk(this.view.memory, tp, input)
          : tp.plugin.walk(this.view.memory, tp.context, input),
      );
      if (w.ok) {
        const attrs = provedAttrsMask(tp.caps) ? ` ${foundAttrsLabel(w.attrs, tp.caps)}` : "";
        return {
          steps: w.steps,
          outcome: `pa ${hex(w.pa)} ${protText(w.prot)}${attrs} (${w.pageSize / 1024n}K page, ${tokenText(Number(w.pa >> 12n))})`,
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

  /**
   * What the cpu's control and translation registers make the MMU do beyond the walk: the MMU
   * off (SCTLR.M), writable code that WXN will not execute, bits that break the regime's rules.
   */
  private reportControl(path: EndpointPath): void {
    const endpoint = path.endpoint;
    const span = path.ir?.span;
    const at = span ? { span } : {};
    const control = path.control;
    if (control && !control.translation) {
      this.sink.report(
        D.mmuOff,
        { endpoint, register: control.register },
        { endpoint, expected: `${control.register}.M = 1`, found: "M = 0", ...at },
      );
    }
    if (control?.writeExecNever) {
      let pages = 0;
      for (const tp of path.tables) {
        const intent = this.intentFor(tp);
        for (let i = 0; i < intent.length; i++)
          if ((intent.prot[i]! & (PROT_WRITE | PROT_EXEC)) === (PROT_WRITE | PROT_EXEC))
            pages += intent.count[i]!;
      }
      if (pages > 0) {
        const found = pages === 1 ? "1 page" : `${pages} pages`;
        this.sink.report(
          D.wxnBlocksExec,
          { endpoint, register: control.register, pages: found },
          { endpoint, expected: "no writable executable mapping", found, ...at },
        );
      }
    }
    for (const problem of path.reservedBits ?? []) {
      this.sink.report(
        D.registerReservedBits,
        { endpoint, problem },
        { endpoint, expected: "the register's RES1 bits set", found: problem, ...at },
      );
    }
  }

  proveEndpoint(path: EndpointPath): EndpointReport {
    const before = this.sink.count;
    const name = path.endpoint;
    const span = path.ir?.span;
    if (path.binding) {
      const { expected, found } = path.binding;
      this.sink.report(
        path.binding.untranslated ? D.untranslatedBindingWrong : D.deviceBindingWrong,
        { endpoint: name, found, expected },
        {
          endpoint: name,
          expected: path.binding.expected,
          found: path.binding.found,
          ...(span ? { span } : {}),
        },
      );
    }
    for (const r of path.registers ?? []) {
      this.sink.report(
        D.cpuRegistersWrong,
        { endpoint: name, found: r.found, expected: r.expected },
        {
          endpoint: name,
          expected: r.expected,
          found: r.found,
          ...(span ? { span } : {}),
        },
      );
    }
    this.reportControl(path);
    let pagesChecked = 0;
    let pagesReachable = 0;
    const leaves: LeafCounts = {};
    const attributes: Record<string, number> = {};
    for (const tp of path.tables) {
      const proof = this.proofOf(tp);
      this.checkTablePages(tp);
      if (proof.error !== undefined) {
        const problem = proof.error;
        const args = { endpoint: name, plugin: tp.plugin.name, table: tp.table.name, problem };
        this.sink.report(D.runInternalError, args, {
          endpoint: name,
          table: tp.table.name,
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
      if (tp.stage2) this.proveStage2(path, tp, tp.stage2, proof);
      for (const loop of proof.loops ?? []) this.failures.loop(path, tp, loop);
      for (const m of proof.compare.mismatches) this.failures.mismatch(path, tp, m);
      if (proof.compare.truncated) this.sink.addUncounted(1);
      this.failures.mask(path, tp, proof.intent);
    }
    this.failures.directMappings(path);
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

  /**
   * What a nested path adds: its walk's stage-2 faults, and the stage-2 table itself proved
   * against its guest memory (exactly the guest regions, at their IPAs, nothing else).
   */
  private proveStage2(path: EndpointPath, tp: TablePath, s2: Stage2Path, proof: TableProof): void {
    const stage2 = s2.table.name;
    const endpoint = path.endpoint;
    const error = this.stage2Of(s2).error;
    if (error !== undefined)
      this.sink.report(
        D.stage2Unreadable,
        { endpoint, table: tp.table.name, stage2, problem: error },
        { endpoint, table: stage2, expected: "a readable stage-2 table", found: error },
      );
    for (const pfn of (proof.stage2Faults ?? []).slice(0, 4)) {
      const ipa = BigInt(pfn) << 12n;
      this.sink.report(
        D.stage2TableFault,
        { endpoint, table: tp.table.name, ipa: hex(ipa), stage2 },
        {
          endpoint,
          table: tp.table.name,
          address: ipa,
          expected: `a stage-1 table page of ${tp.table.name} mapped readable by ${stage2}`,
          found: `IPA ${hex(ipa)} unmapped or not readable at stage 2`,
        },
      );
    }
    const s2tp: TablePath = {
      table: s2.table,
      context: s2.context,
      plugin: s2.plugin,
      caps: s2.caps,
      reachable: true,
    };
    const s2proof = this.proofOf(s2tp);
    if (s2proof.error === undefined)
      for (const m of s2proof.compare.mismatches) this.failures.mismatch(path, s2tp, m);
  }

  /** Every table page reachable from a root lies in the mapper's pool and belongs to one table. */
  private checkTablePages(tp: TablePath): void {
    if (!tp.reachable) return;
    if (tp.stage2) return this.checkNestedTablePages(tp, tp.stage2);
    const ref = { table: tp.table.name, mapper: tp.table.mapper, root: tp.context.root };
    if (this.options.deferTablePages) {
      // The main thread keeps the only record of what was checked.
      if (this.tablePages.firstTime(ref))
        this.options.deferTablePages(ref, tablePagesOf(this.view.memory, tp));
      return;
    }
    this.tablePages.check(ref, () => tablePagesOf(this.view.memory, tp));
  }

  /**
   * A nested table's pages, read through stage 2 and checked at the host frames they sit in,
   * against the pool its domain names (`tables`, in guest memory).
   */
  private checkNestedTablePages(tp: TablePath, s2path: Stage2Path): void {
    const s2 = this.stage2Of(s2path);
    const pool = this.view.ir.domains.find((d) => d.name === tp.table.name)?.nested?.pool;
    const ref = {
      table: tp.table.name,
      mapper: tp.table.mapper,
      root: tp.context.root,
      ...(pool ? { pool } : {}),
    };
    this.tablePages.check(ref, () => {
      const ipaPages = tablePagesOf(s2.view(this.view.memory, new Set()), tp);
      const pages: TablePages = { pa: [], level: [] };
      for (let i = 0; i < ipaPages.pa.length; i++) {
        const ipa = ipaPages.pa[i]!;
        const pfn = Math.floor(ipa / 4096);
        const host = s2.tableFrame(pfn);
        // Unmapped table pages are stage-2 faults, reported with the walk.
        if (host === undefined) continue;
        pages.pa.push(host * 4096 + (ipa - pfn * 4096));
        pages.level.push(ipaPages.level[i]!);
      }
      return pages;
    });
  }

  /** Check a table's page list read elsewhere (by a worker thread), once per table and root. */
  checkTablePageList(ref: TableRef, pages: () => TablePages): void {
    this.tablePages.check(ref, pages);
  }
}

/**
 * Every leaf the plugin reads from `tp`'s root in `memory`, pushed into `runs` (input page order
 * is the plugin's), with the leaves counted by size and the table loops it met. SCTLR_ELx.WXN:
 * the MMU treats every writable page as execute-never.
 */
function collectLeaves(
  tp: TablePath,
  memory: PhysicalMemory,
  runs: RunList,
): { leaves: LeafCounts; loops: TableLoop[]; error: string | undefined } {
  const leaves: LeafCounts = {};
  const loops: TableLoop[] = [];
  const wxn = tp.writeExecNever === true;
  try {
    tp.plugin.leaves(
      memory,
      tp.context,
      (iovaPfn, paPfn, count, prot, attrs, shift) => {
        const p = wxn && prot & PROT_WRITE ? prot & ~PROT_EXEC : prot;
        runs.push(iovaPfn, paPfn, count, p, 0, attrs);
        const key = (2 ** shift).toString();
        leaves[key] = (leaves[key] ?? 0) + (shift > 12 ? count / 2 ** (shift - 12) : count);
      },
      (iovaPfn, count, entryPa, level, tablePa) => {
        loops.push({ iovaPfn, count, entryPa, level, tablePa });
      },
    );
  } catch (e) {
    return { leaves, loops, error: e instanceof Error ? e.message : String(e) };
  }
  return { leaves, loops, error: undefined };
}
