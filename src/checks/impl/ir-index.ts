/**
 * Lookups over the IR shared by several checks: built once per check run (cached on the IR
 * until the run forgets it, so later phases do not carry it), O(n), so that the
 * checks do not each walk and key every mapping again (on 100,000 statements that repetition
 * was most of the checks' time).
 */
import type {
  IrContainer,
  IrDomain,
  IrEndpoint,
  IrMapping,
  IrTopology,
  IrWindow,
} from "../../ir/types.js";

export interface IrIndex {
  domains: Map<string, IrDomain>;
  endpoints: Map<string, IrEndpoint>;
  /** `c0.ddw` -> the window and its container. */
  windows: Map<string, { window: IrWindow; container: IrContainer }>;
  /** Top-level mappings (not scenario steps) by target name. */
  mappingsByTarget: Map<string, IrMapping[]>;
  /** Device name -> the domains it is attached to. */
  domainsOfDevice: Map<string, IrDomain[]>;
  /** Every mapping: the top-level ones (first, in order), then those of scenario `map` steps. */
  all: readonly IrMapping[];
  /** The mapper translating `all[i]`'s target, if it has one. */
  mapperOf: readonly (string | undefined)[];
  /**
   * `all[i]`'s `map` line, numbered from 0: the elements of `buf[*]` share one, so a check
   * reporting once per line keeps a flag per line instead of keying each span.
   */
  lineOf: Int32Array;
  lineCount: number;
}

const cache = new WeakMap<IrTopology, IrIndex>();

/** Drops `ir`'s index (the runner, when its checks are done: tens of MB on 10^6 statements). */
export function forgetIndex(ir: IrTopology): void {
  cache.delete(ir);
}

export function indexIr(ir: IrTopology): IrIndex {
  const hit = cache.get(ir);
  if (hit) return hit;
  // Filled in loops: `new Map(list.map(...))` makes a [key, value] array per item.
  const domains = new Map<string, IrDomain>();
  for (let i = 0; i < ir.domains.length; i++) domains.set(ir.domains[i]!.name, ir.domains[i]!);
  const endpoints = new Map<string, IrEndpoint>();
  for (let i = 0; i < ir.endpoints.length; i++)
    endpoints.set(ir.endpoints[i]!.name, ir.endpoints[i]!);
  const windows = new Map<string, { window: IrWindow; container: IrContainer }>();
  for (const c of ir.containers)
    for (const w of c.windows) windows.set(w.qualifiedName, { window: w, container: c });
  const domainsOfDevice = new Map<string, IrDomain[]>();
  for (const d of ir.domains)
    for (const device of d.attached) {
      let list = domainsOfDevice.get(device);
      if (!list) domainsOfDevice.set(device, (list = []));
      list.push(d);
    }
  const all = allMappings(ir);
  const { mappingsByTarget, mapperOf } = byTarget(all, domains, windows);
  const { lineOf, lineCount } = linesOf(all);
  const index: IrIndex = {
    ...{ domains, endpoints, windows, mappingsByTarget, domainsOfDevice },
    ...{ all, mapperOf, lineOf, lineCount },
  };
  cache.set(ir, index);
  return index;
}

/**
 * The top-level mappings by target, and each mapping's mapper. A target is looked up once per
 * run of mappings into it (a line's, a domain's in a row), not once per mapping: name lookups
 * were the index's whole cost.
 */
function byTarget(
  all: readonly IrMapping[],
  domains: IrIndex["domains"],
  windows: IrIndex["windows"],
): { mappingsByTarget: Map<string, IrMapping[]>; mapperOf: (string | undefined)[] } {
  const mappingsByTarget = new Map<string, IrMapping[]>();
  const mapperOf = new Array<string | undefined>(all.length);
  let name: string | undefined;
  let kind: string | undefined;
  let list: IrMapping[] | undefined;
  let mapper: string | undefined;
  for (let i = 0; i < all.length; i++) {
    const m = all[i]!;
    if (m.target.name !== name || m.target.kind !== kind) {
      name = m.target.name;
      kind = m.target.kind;
      list = undefined;
      mapper = mapperOfTarget({ domains, windows }, m);
    }
    mapperOf[i] = mapper;
    if (m.scenario !== undefined) continue;
    if (!list) {
      list = mappingsByTarget.get(name);
      if (!list) mappingsByTarget.set(name, (list = []));
    }
    list.push(m);
  }
  return { mappingsByTarget, mapperOf };
}

/**
 * Each mapping's line number. Resolution emits the mappings of one `map` line together (in
 * order, `buf[*]`'s elements one after another), so a new line starts wherever the file or the
 * start offset differs from the mapping before: no set of every line (on 10^6 statements that
 * set was tens of MB at the checks' peak).
 */
function linesOf(all: readonly IrMapping[]): { lineOf: Int32Array; lineCount: number } {
  const lineOf = new Int32Array(all.length);
  let lineCount = 0;
  let file: string | undefined;
  let offset = -1;
  for (let i = 0; i < all.length; i++) {
    const span = all[i]!.span;
    if (span.offset !== offset || span.file !== file) {
      file = span.file;
      offset = span.offset;
      lineCount++;
    }
    lineOf[i] = lineCount - 1;
  }
  return { lineOf, lineCount };
}

/** The mapper translating a mapping's target, if it has one. */
export function mapperOfTarget(
  index: Pick<IrIndex, "domains" | "windows">,
  m: IrMapping,
): string | undefined {
  if (m.target.kind === "domain") return index.domains.get(m.target.name)?.mapper || undefined;
  if (m.target.kind === "window")
    return index.windows.get(m.target.name)?.container.mapper || undefined;
  return undefined;
}

/** Items sorted by start, each reported with an earlier item it overlaps (one sweep). */
export function sweepOverlaps<T>(
  items: readonly T[],
  start: (t: T) => bigint,
  size: (t: T) => bigint,
  onOverlap: (later: T, earlier: T) => void,
): void {
  const sorted = [...items].sort((a, b) => {
    const x = start(a);
    const y = start(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  let reach: T | undefined;
  let reachEnd = 0n;
  for (const t of sorted) {
    if (reach !== undefined && start(t) < reachEnd) onOverlap(t, reach);
    const end = start(t) + size(t);
    if (reach === undefined || end > reachEnd) {
      reach = t;
      reachEnd = end;
    }
  }
}

export function rangesOverlap(a: bigint, asz: bigint, b: bigint, bsz: bigint): boolean {
  return a < b + bsz && b < a + asz;
}

/** Every mapping: the top-level ones, then those of scenario `map` steps (with their spans). */
export function allMappings(ir: IrTopology): readonly IrMapping[] {
  if (!ir.scenarios.some((s) => s.steps.some((step) => step.kind === "map"))) return ir.mappings;
  const out = [...ir.mappings];
  for (const s of ir.scenarios)
    for (const step of s.steps) if (step.kind === "map") out.push(step.mapping);
  return out;
}
