/**
 * How each endpoint reaches memory, resolved from the compiled topology: the table(s) it walks
 * (for a device, found through the IOMMU's own structures with lookupDevice when the plugin has
 * it, so a corrupted context entry is followed as hardware would follow it), plus what it reaches
 * by design without a table (identity domains, a DMA engine's bus window, a GART's passthrough
 * outside its aperture), all bounded by the endpoint's DMA mask.
 */
import { hex } from "../diagnostics/format.js";
import type { IrEndpoint } from "../ir/types.js";
import type { CompiledHalf, EndpointRoute } from "../lowering/compiled.js";
import type { ProgrammedMapper, ProgrammedTable, SystemState } from "../model/system-state.js";
import {
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  type BindingStep,
  type Capabilities,
  type DeviceLookup,
  type TableContext,
  type VcmPlugin,
  type WalkResult,
} from "../plugin-api/types.js";
import { RunList } from "./run-list.js";
import type { Stage2Path } from "./stage2.js";

/** Pages in the whole 64-bit space. */
export const ALL_PFNS = 2 ** 52;
const RWX = PROT_READ | PROT_WRITE | PROT_EXEC;

export interface TablePath {
  /** The table whose mappings the endpoint is meant to see. */
  table: ProgrammedTable;
  /** The context actually walked (its root may come from the device's context entry). */
  context: TableContext;
  plugin: VcmPlugin;
  caps: Capabilities;
  /** false when the binding faults: the endpoint reaches nothing through this table. */
  reachable: boolean;
  /**
   * One half of a cpu address space (one path per half): the endpoint sees this table's input
   * addresses [half.input, + half.size) at virtual addresses [half.base, + half.size).
   */
  half?: CompiledHalf;
  /**
   * The cpu's control register makes writable memory execute-never (Arm SCTLR_ELx.WXN): the
   * proof reads every writable page as not executable, as the MMU does.
   */
  writeExecNever?: boolean;
  /**
   * A nested domain's stage 1: the stage 2 its table addresses and outputs go through. The
   * path's context then holds IPAs, and what it reaches is read through `stage2.ts`.
   */
  stage2?: Stage2Path;
}

export interface BindingProblem {
  expected: string;
  found: string;
  /** The device is meant to be bound without a table (identity, blocked, no domain). */
  untranslated?: true;
}

export interface EndpointPath {
  endpoint: string;
  ir?: IrEndpoint;
  route: EndpointRoute;
  description: string;
  tables: TablePath[];
  /** Reached by design, without a table (sorted by IOVA). */
  byDesign: RunList;
  /** First IOVA page the endpoint cannot drive. */
  maskEndPfn: number;
  binding?: BindingProblem;
  /** The IOMMU structures read to find the device's translation (L1 descriptor, STE, CD...). */
  bindingSteps?: BindingStep[];
  /** Where a cpu's registers (TTBRn/TCR, CR3/CR4) disagree with its tables. */
  registers?: BindingProblem[];
  /** What the cpu's control register says (SCTLR_ELx), when its registers include one. */
  control?: { register: string; translation: boolean; writeExecNever: boolean };
  /** Register bits that break the architecture's rules (a RES1 bit clear...). */
  reservedBits?: string[];
}

/** A walk's rights as the MMU applies them: under SCTLR_ELx.WXN a writable page does not execute. */
export function withWriteExecNever(tp: TablePath, walk: WalkResult): WalkResult {
  if (!walk.ok || !tp.writeExecNever || !(walk.prot & PROT_WRITE)) return walk;
  return { ...walk, prot: walk.prot & ~PROT_EXEC };
}

function maskEnd(bits: number): number {
  return bits >= 64 ? ALL_PFNS : 2 ** Math.max(0, bits - 12);
}

const capsCache = new WeakMap<object, Capabilities>();
export function capabilitiesOf(plugin: VcmPlugin, params: TableContext["params"]): Capabilities {
  let c = capsCache.get(params);
  if (c === undefined) {
    c = plugin.capabilities(params);
    capsCache.set(params, c);
  }
  return c;
}

export function resolvePaths(view: SystemState): EndpointPath[] {
  const tables = new Map(view.tables.map((t) => [t.name, t]));
  const mappers = new Map(view.mappers.map((m) => [m.name, m]));
  const irEndpoints = new Map(view.ir.endpoints.map((e) => [e.name, e]));
  const out: EndpointPath[] = [];
  for (const route of view.endpoints) {
    const ir = irEndpoints.get(route.endpoint);
    const path: EndpointPath = {
      endpoint: route.endpoint,
      route,
      description: "",
      tables: [],
      byDesign: new RunList(),
      maskEndPfn: maskEnd(ir?.dmaMaskBits ?? 64),
    };
    if (ir) path.ir = ir;
    followRoute(view, path, tables, mappers);
    out.push(path);
  }
  return out;
}

/** One table path, walked from `root` (default: the table's own) and for one `half`. */
function tablePathOf(
  view: SystemState,
  t: ProgrammedTable,
  root?: bigint,
  half?: CompiledHalf,
): TablePath | undefined {
  const plugin = view.plugins.get(t.format);
  if (!plugin) return undefined;
  const stage2 = t.stage2 !== undefined ? stage2PathOf(view, t.stage2) : undefined;
  return {
    table: t,
    context: root === undefined ? t.context : { ...t.context, root },
    plugin,
    caps: capabilitiesOf(plugin, t.context.params),
    // A nested table without its stage 2 translates nothing (its addresses are IPAs).
    reachable: t.stage2 === undefined || stage2 !== undefined,
    ...(half ? { half } : {}),
    ...(stage2 ? { stage2 } : {}),
  };
}

/** The stage-2 table a nested table goes through (its own plugin and capabilities). */
function stage2PathOf(view: SystemState, name: string): Stage2Path | undefined {
  const t = view.tables.find((x) => x.name === name);
  const plugin = t && view.plugins.get(t.format);
  if (!t || !plugin) return undefined;
  return { table: t, context: t.context, plugin, caps: capabilitiesOf(plugin, t.context.params) };
}

/** Fill in the tables and by-design reach of `path` after its route. */
function followRoute(
  view: SystemState,
  path: EndpointPath,
  tables: ReadonlyMap<string, ProgrammedTable>,
  mappers: ReadonlyMap<string, ProgrammedMapper>,
): void {
  const route = path.route;
  switch (route.kind) {
    case "table": {
      path.description = `mmu ${route.mapper} -> ${route.table}`;
      for (const name of route.upper ? [route.table, route.upper] : [route.table]) {
        const t = tables.get(name);
        if (!t) continue;
        for (const half of t.halves ?? [undefined]) {
          const p = tablePathOf(view, t, undefined, half);
          if (p) path.tables.push(p);
        }
      }
      const t = tables.get(route.table);
      if (t) checkRegisters(t, path, view);
      if (path.tables.some((tp) => tp.half)) path.description = halvesRoute(route.mapper, path);
      break;
    }
    case "iommu": {
      path.description = `iommu ${route.mapper} -> domain ${route.domain}`;
      const t = tables.get(route.table);
      if (!t) break;
      const p = bindThroughInstance(view, route, t, mappers.get(route.mapper), path);
      const tp = tablePathOf(view, t, p.root);
      if (tp?.stage2) {
        path.description += ` (nested on ${tp.stage2.table.name})`;
        nestedBinding(tp, tp.stage2, p.stage2, path);
      }
      if (tp) {
        tp.reachable &&= p.reachable;
        path.tables.push(tp);
        addOutside(tp, path);
      }
      break;
    }
    case "windows": {
      path.description = `iommu ${route.mapper} -> container ${route.container}`;
      for (const name of route.tables) {
        const t = tables.get(name);
        const p = t && tablePathOf(view, t);
        if (p) path.tables.push(p);
      }
      break;
    }
    case "identity": {
      path.description = `iommu ${route.mapper} -> identity domain ${route.domain}`;
      if (!untranslatedAsBound(view, path, route.mapper, "bypass", tables)) break;
      const first = Number(route.aperture.base >> 12n);
      const end = Math.min(
        ALL_PFNS,
        Number((route.aperture.base + route.aperture.size) >> 12n),
        path.maskEndPfn,
      );
      path.byDesign.push(first, first, end - first, RWX, -1);
      break;
    }
    case "blocked":
      path.description = `iommu ${route.mapper} -> blocked domain ${route.domain}`;
      untranslatedAsBound(view, path, route.mapper, "abort", tables);
      break;
    case "unattached":
      path.description = `iommu ${route.mapper}, in no domain`;
      untranslatedAsBound(view, path, route.mapper, "abort", tables);
      break;
    case "direct": {
      path.description =
        `no MMU: bus = pa - 0x${route.busOffset.toString(16)}, ` + `${route.dmaMaskBits}-bit`;
      const end = maskEnd(route.dmaMaskBits);
      path.maskEndPfn = end;
      path.byDesign.push(0, Number(route.busOffset >> 12n), end, RWX, -1);
      break;
    }
  }
}

/** `mmu m -> x86 (both halves)`, `mmu m -> a72 (lower half), a72.upper (upper half)`. */
function halvesRoute(mapper: string, path: EndpointPath): string {
  const byTable = new Map<string, string[]>();
  for (const tp of path.tables) {
    const list = byTable.get(tp.table.name) ?? [];
    list.push(tp.half?.half ?? "lower");
    byTable.set(tp.table.name, list);
  }
  const parts = [...byTable].map(
    ([name, halves]) => `${name} (${halves.length > 1 ? "both halves" : `${halves[0]} half`})`,
  );
  return `mmu ${mapper} -> ${parts.join(", ")}`;
}

/**
 * A cpu walks what its registers say, not what VCM meant: each half's root comes from the
 * registers (TTBRn, CR3), a half they disable (EPDn) is walked by nothing, and a size or granule
 * other than the table's is reported (the table's indexes would not be the hardware's).
 */
function checkRegisters(t: ProgrammedTable, path: EndpointPath, view: SystemState): void {
  const plugin = view.plugins.get(t.format);
  const decoded = plugin?.decodeRegisters?.(t.context.params, t.context.registers);
  if (!plugin || !decoded) return;
  if (decoded.control) {
    path.control = decoded.control;
    if (decoded.control.writeExecNever) for (const tp of path.tables) tp.writeExecNever = true;
  }
  if (decoded.reserved && decoded.reserved.length > 0) path.reservedBits = decoded.reserved;
  const problems: BindingProblem[] = [];
  const seen = new Set<string>();
  for (const tp of path.tables) {
    const side = tp.half?.half ?? "lower";
    const regs = decoded[side];
    const what = `${side} half (table ${tp.table.name})`;
    if (!regs) {
      // A half with nothing declared may be switched off (Linux parks TTBR0 with EPD0 = 1).
      if (declaresIn(view, tp))
        problems.push({
          expected: `${what} walked from root ${hex(tp.context.root)}`,
          found: `the registers disable ${side}-half walks`,
        });
      tp.reachable = false;
      continue;
    }
    if (regs.root !== tp.context.root) {
      problems.push({
        expected: `${what} root ${hex(tp.context.root)}`,
        found: `root ${hex(regs.root)}`,
      });
      tp.context = { ...tp.context, root: regs.root };
    }
    if (seen.has(tp.table.name)) continue; // x86-64: one table, both halves
    seen.add(tp.table.name);
    if (regs.bits !== tp.caps.inputBits || regs.granule !== tp.caps.granule) {
      problems.push({
        expected: `${what}: ${tp.caps.inputBits}-bit input, ${tp.caps.granule / 1024n}K granule`,
        found: `${regs.bits}-bit input, ${regs.granule === 0n ? "a reserved" : `${regs.granule / 1024n}K`} granule`,
      });
    }
  }
  for (const side of ["lower", "upper"] as const) {
    const regs = decoded[side];
    if (!regs || path.tables.some((tp) => (tp.half?.half ?? "lower") === side)) continue;
    problems.push({
      expected: `no ${side} half (none is declared)`,
      found: `the registers enable ${side}-half walks from root ${hex(regs.root)}`,
    });
  }
  if (problems.length > 0) path.registers = problems;
}

/** Whether any mapping record lies in the table path's table (and half). */
function declaresIn(view: SystemState, tp: TablePath): boolean {
  const h = tp.half;
  return view.mappings.some(
    (m) => m.table === tp.table.name && (!h || (m.iova >= h.base && m.iova < h.base + h.size)),
  );
}

/** The table root the device's stream id selects in the IOMMU's own structures, from bytes. */
function bindThroughInstance(
  view: SystemState,
  route: Extract<EndpointRoute, { kind: "iommu" }>,
  table: ProgrammedTable,
  mapper: ProgrammedMapper | undefined,
  path: EndpointPath,
): { root?: bigint; reachable: boolean; stage2?: { root: bigint; vmid: number } | null } {
  const plugin = view.plugins.get(table.format);
  if (!plugin?.lookupDevice || !mapper?.instance || route.stream === undefined) {
    return { reachable: true };
  }
  const found = plugin.lookupDevice(
    view.memory,
    table.context.params,
    mapper.instance.registers,
    route.stream,
  );
  if (found.steps) path.bindingSteps = found.steps;
  const expected = `stream ${hex(route.stream)} -> table ${table.name} (root ${hex(table.context.root)}, id ${table.domainId})`;
  if ("fault" in found) {
    path.binding = { expected, found: `fault: ${found.fault}` };
    return { reachable: false };
  }
  if ("abort" in found) {
    path.binding = { expected, found: `abort: ${found.abort}` };
    return { reachable: false };
  }
  if ("bypass" in found) {
    // Not translated at all: the device reaches every address it can drive, untranslated.
    path.binding = { expected, found: `bypass: ${found.bypass}` };
    path.byDesign.push(0, 0, path.maskEndPfn, RWX, -1);
    return { reachable: false };
  }
  if (found.root !== table.context.root || found.domainId !== table.domainId) {
    const other = view.tables.find(
      (t) => t.mapper === table.mapper && t.context.root === found.root,
    );
    path.binding = {
      expected,
      found:
        `root ${hex(found.root)} id ${found.domainId}` + (other ? ` (table ${other.name})` : ""),
    };
  }
  return { root: found.root, reachable: true, stage2: found.stage2 ?? null };
}

/**
 * A nested binding walks the stage-2 root its structures name (an STE's S2TTB), not the one VCM
 * meant: a binding that names another, or none (stage 1 only: IPAs would be taken for host
 * addresses), is reported. `found` is undefined when the IOMMU has no structures to read.
 */
function nestedBinding(
  tp: TablePath,
  s2: Stage2Path,
  found: { root: bigint; vmid: number } | null | undefined,
  path: EndpointPath,
): void {
  if (found === undefined) return;
  const expected = `nested on ${s2.table.name} (stage-2 root ${hex(s2.context.root)}, vmid ${s2.table.domainId})`;
  if (found === null) {
    path.binding ??= {
      expected,
      found: "stage 1 only: its IPAs would be taken for host addresses",
    };
    tp.reachable = false;
    return;
  }
  if (found.root !== s2.context.root || found.vmid !== s2.table.domainId)
    path.binding ??= { expected, found: `stage-2 root ${hex(found.root)}, vmid ${found.vmid}` };
  s2.context = { ...s2.context, root: found.root };
}

/** The stream of a device behind `mapper`, read back when the plugin binds untranslated devices. */
function lookupUntranslated(
  view: SystemState,
  path: EndpointPath,
  mapperName: string,
): { found: DeviceLookup; stream: bigint; params: TableContext["params"] } | undefined {
  const irMapper = view.ir.mappers.find((m) => m.name === mapperName);
  const mapper = view.mappers.find((m) => m.name === mapperName);
  const plugin = irMapper && view.plugins.get(irMapper.format);
  const stream = path.ir?.stream;
  if (!irMapper || !plugin?.lookupDevice || !mapper?.instance || stream === undefined) return;
  if (plugin.bindsUntranslated?.(irMapper.params) !== true) return;
  const found = plugin.lookupDevice(
    view.memory,
    irMapper.params,
    mapper.instance.registers,
    stream,
  );
  if (found.steps) path.bindingSteps = found.steps;
  return { found, stream, params: irMapper.params };
}

/**
 * An identity (bypass), blocked or detached (abort) device: its STE, SMR/S2CR... must say so.
 * A fault is an abort too (no valid entry: the SMMU terminates the transaction). Otherwise the
 * device reaches what the bytes say: all of memory for a bypass, a table's mappings for a root.
 * Returns whether the device behaves as its route says (false: `path.binding` tells why).
 */
function untranslatedAsBound(
  view: SystemState,
  path: EndpointPath,
  mapperName: string,
  want: "bypass" | "abort",
  tables: ReadonlyMap<string, ProgrammedTable>,
): boolean {
  const r = lookupUntranslated(view, path, mapperName);
  if (!r) return true;
  const { found, stream } = r;
  const expected = `stream ${hex(stream)} -> ${want === "bypass" ? "bypass (identity domain)" : "abort (no translation)"}`;
  if ("bypass" in found) {
    if (want === "bypass") return true;
    path.binding = { expected, found: `bypass: ${found.bypass}`, untranslated: true };
    path.byDesign.push(0, 0, path.maskEndPfn, RWX, -1);
    return false;
  }
  if ("abort" in found || "fault" in found) {
    if (want === "abort") return true;
    path.binding = {
      expected,
      found: "abort" in found ? `abort: ${found.abort}` : `fault: ${found.fault}`,
      untranslated: true,
    };
    return false;
  }
  // A table root: the device translates through whatever table the bytes name.
  const other = [...tables.values()].find(
    (t) => t.mapper === mapperName && t.context.root === found.root,
  );
  path.binding = {
    expected,
    found: `root ${hex(found.root)} id ${found.domainId}` + (other ? ` (table ${other.name})` : ""),
    untranslated: true,
  };
  const tp = other && tablePathOf(view, other, found.root);
  if (tp) path.tables.push(tp);
  return false;
}

/** A GART-style `outside passthrough`: everything outside the aperture reaches pa == iova. */
function addOutside(tp: TablePath, path: EndpointPath): void {
  if (tp.caps.outside !== "passthrough") return;
  const a = tp.context.aperture;
  const first = Number(a.base >> 12n);
  const end = Number((a.base + a.size) >> 12n);
  const limit = Math.min(path.maskEndPfn, ALL_PFNS);
  if (first > 0) path.byDesign.push(0, 0, Math.min(first, limit), RWX, -1);
  if (end < limit) path.byDesign.push(end, end, limit - end, RWX, -1);
}
