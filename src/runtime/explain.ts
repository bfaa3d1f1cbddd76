/**
 * `vcm explain ENDPOINT ADDRESS...`: the path an address takes for one endpoint, read from bytes:
 * the binding, each table level's descriptor and decoded fields, and the frame reached. An
 * `Explainer` resolves the endpoints once, so many addresses cost one walk each.
 */
import { hex } from "../diagnostics/format.js";
import type { SystemState } from "../model/system-state.js";
import { protText } from "../lowering/protection.js";
import { foundAttrsLabel, provedAttrsMask } from "./attributes.js";
import { Stage2Reach, type Stage2Path } from "./stage2.js";
import type { BindingStep, WalkResult, WalkStep } from "../plugin-api/types.js";
import { halfAt, halvesText } from "../lowering/address-halves.js";
import {
  resolvePaths,
  withWriteExecNever,
  type EndpointPath,
  type TablePath,
} from "./endpoint-paths.js";
import { inputAddress } from "./prover.js";
import { frameToken } from "./frame-token.js";
import { MemoryNames } from "./memory-names.js";

export interface ExplainTableWalk {
  table: string;
  format: string;
  /** The translation regime the table is written for, when the format says (`EL3`). */
  regime?: string;
  /** The cpu's control register makes writable pages execute-never (SCTLR_ELx.WXN). */
  writeExecNever?: boolean;
  root: bigint;
  /** The half of a cpu address space walked, and the table input address of the address. */
  half?: "lower" | "upper";
  input?: bigint;
  steps: WalkStep[];
  result:
    | {
        ok: true;
        pa: bigint;
        prot: string;
        /** The memory attributes decoded from the leaf; absent for formats without any. */
        attributes?: string;
        pageSize: bigint;
      }
    | { ok: false; level: number; reason: string };
}

export interface ExplainResult {
  endpoint: string;
  address: bigint;
  route: string;
  /** The IOMMU's device structures read to find the translation (STE, CD...), in order. */
  bindingSteps?: BindingStep[];
  /** Binding problem found through the IOMMU's device structures, if any. */
  binding?: string;
  /** Where a cpu's registers disagree with its tables (the walks follow the registers). */
  registers?: string[];
  walks: ExplainTableWalk[];
  /** Where the access lands, or why it faults. */
  outcome:
    | {
        ok: true;
        pa: bigint;
        token: number;
        memory: string;
        prot: string;
        attributes?: string;
        via: string;
      }
    | { ok: false; reason: string };
}

export function explain(compiled: SystemState, endpoint: string, address: bigint): ExplainResult {
  return new Explainer(compiled).explain(endpoint, address);
}

/** Explains any number of addresses against one compiled topology. */
export class Explainer {
  private readonly paths: Map<string, EndpointPath>;
  private readonly names: MemoryNames;

  constructor(private readonly compiled: SystemState) {
    this.paths = new Map(resolvePaths(compiled).map((p) => [p.endpoint, p]));
    this.names = new MemoryNames(compiled.ir);
  }

  explain(endpoint: string, address: bigint): ExplainResult {
    return explainOne(this.compiled, this.paths.get(endpoint), this.names, endpoint, address);
  }
}

function explainOne(
  compiled: SystemState,
  path: EndpointPath | undefined,
  names: MemoryNames,
  endpoint: string,
  address: bigint,
): ExplainResult {
  if (!path) {
    return {
      endpoint,
      address,
      route: "unknown endpoint",
      walks: [],
      outcome: { ok: false, reason: `no endpoint named ${endpoint}` },
    };
  }
  const result = pathFindings(path, endpoint, address);
  const refused = refusal(path, endpoint, address);
  if (refused !== undefined) {
    result.outcome = { ok: false, reason: refused };
    return result;
  }
  const land = (pa: bigint, prot: string, via: string, attributes?: string) => {
    result.outcome = landed(names, pa, prot, via, attributes);
  };
  for (const tp of path.tables) {
    if (!tp.reachable) continue;
    if (!inside(tp, address) && path.tables.length > 1) continue;
    const { record, walk, attributes } = walkOne(compiled, tp, address);
    result.walks.push(record);
    if (walk.ok) {
      land(walk.pa, protText(walk.prot), `table ${tp.table.name}`, attributes);
      return result;
    }
    result.outcome = { ok: false, reason: faultReason(compiled, tp, address, walk.reason) };
  }
  untranslatedOutcome(path, names, address, result);
  return result;
}

/** What the path itself says before any walk: its binding and register findings. */
function pathFindings(path: EndpointPath, endpoint: string, address: bigint): ExplainResult {
  const result: ExplainResult = {
    endpoint,
    address,
    route: path.description,
    walks: [],
    outcome: { ok: false, reason: "no translation" },
  };
  if (path.bindingSteps) result.bindingSteps = path.bindingSteps;
  if (path.binding)
    result.binding = `expected ${path.binding.expected}, found ${path.binding.found}`;
  if (path.registers)
    result.registers = path.registers.map((r) => `expected ${r.expected}, found ${r.found}`);
  if (path.control && !path.control.translation)
    (result.registers ??= []).push(`${path.control.register}.M = 0: the MMU is off`);
  return result;
}

/** A successful outcome at `pa`, named by the memory and frame it lands in. */
function landed(
  names: MemoryNames,
  pa: bigint,
  prot: string,
  via: string,
  attributes?: string,
): ExplainResult["outcome"] {
  const pfn = Number(pa >> 12n);
  return {
    ok: true,
    pa,
    token: frameToken(pfn),
    memory: names.nameOf(pfn),
    prot,
    ...(attributes !== undefined ? { attributes } : {}),
    via,
  };
}

/** Where no table translated: reach by design (bus window, identity, passthrough) or none. */
function untranslatedOutcome(
  path: EndpointPath,
  names: MemoryNames,
  address: bigint,
  result: ExplainResult,
): void {
  const pfn = Number(address >> 12n);
  const byDesign = path.byDesign.find(pfn);
  if (byDesign >= 0) {
    const pa =
      (BigInt(path.byDesign.pa[byDesign]! + (pfn - path.byDesign.iova[byDesign]!)) << 12n) |
      (address & 0xfffn);
    const via =
      path.route.kind === "direct"
        ? "bus window"
        : path.route.kind === "identity"
          ? "identity domain"
          : "passthrough outside the aperture";
    result.outcome = landed(names, pa, "rwx", via);
  } else if (path.tables.length === 0) {
    result.outcome = {
      ok: false,
      reason: path.route.kind === "blocked" ? "blocked domain" : "no translation for this endpoint",
    };
  }
}

/** Why the endpoint cannot put `address` on the bus at all (its DMA mask, no half holds it). */
function refusal(path: EndpointPath, endpoint: string, address: bigint): string | undefined {
  if (path.maskEndPfn < 2 ** 52 && address >> 12n >= BigInt(path.maskEndPfn))
    return `${endpoint} cannot drive ${hex(address)}: above its DMA mask`;
  const halves = path.tables.flatMap((tp) => (tp.half ? [tp.half] : []));
  if (halves.length > 0 && !halfAt(halves, address))
    return `${hex(address)} is in neither half of the address space (${halvesText(halves)}): the MMU faults before any walk`;
  return undefined;
}

/** Whether the table path translates `address` (its half, window or aperture holds it). */
function inside(tp: TablePath, address: bigint): boolean {
  const a = tp.context.aperture;
  const w = tp.context.window;
  return tp.half
    ? halfAt([tp.half], address) !== undefined
    : w
      ? address >= w.base && address < w.base + w.size
      : address >= a.base && address < a.base + a.size;
}

const stage2Reaches = new WeakMap<Stage2Path, Stage2Reach>();

/** A stage 2 read once per path (an `Explainer` walks many addresses through it). */
function stage2Of(compiled: SystemState, s2: Stage2Path): Stage2Reach {
  let r = stage2Reaches.get(s2);
  if (!r) stage2Reaches.set(s2, (r = new Stage2Reach(compiled.memory, s2)));
  return r;
}

/** The walk of `address` through one table path, from bytes, as explain lists it. */
function walkOne(
  compiled: SystemState,
  tp: TablePath,
  address: bigint,
): { record: ExplainTableWalk; walk: WalkResult; attributes: string | undefined } {
  const input = inputAddress(tp, address);
  // Nested: both walks interleaved, each stage-1 table read after its stage-2 walk (stage2.ts).
  const walk = withWriteExecNever(
    tp,
    tp.stage2
      ? stage2Of(compiled, tp.stage2).walk(compiled.memory, tp, input)
      : tp.plugin.walk(compiled.memory, tp.context, input),
  );
  const attributes =
    walk.ok && provedAttrsMask(tp.caps) !== 0 ? foundAttrsLabel(walk.attrs, tp.caps) : undefined;
  const record: ExplainTableWalk = {
    table: tp.table.name,
    format: tp.table.format,
    ...(tp.caps.regime !== undefined ? { regime: tp.caps.regime } : {}),
    ...(tp.writeExecNever ? { writeExecNever: true } : {}),
    root: tp.context.root,
    ...(tp.half ? { half: tp.half.half, input } : {}),
    steps: walk.steps,
    result: walk.ok
      ? {
          ok: true,
          pa: walk.pa,
          prot: protText(walk.prot),
          ...(attributes !== undefined ? { attributes } : {}),
          pageSize: walk.pageSize,
        }
      : { ok: false, level: walk.level, reason: walk.reason },
  };
  return { record, walk, attributes };
}

/** A fault inside a reservation is the reservation doing its job: say so. */
function faultReason(
  compiled: SystemState,
  tp: TablePath,
  address: bigint,
  reason: string,
): string {
  const reservation = compiled.ir.reservations?.find(
    (r) =>
      r.domain === tp.table.name &&
      address >= r.range.base &&
      address - r.range.base < r.range.size,
  );
  return reservation
    ? `${reason} (inside reservation '${reservation.name}', not backed here)`
    : reason;
}
