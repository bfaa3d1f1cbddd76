/**
 * Name resolution: AST (root file plus its already-loaded imports) -> IR, as passes over the
 * statements, each in its own file with its own state, sharing one `ResolveContext`:
 *
 *   1. bind names (`names.ts`): one namespace for every declaration;
 *   2. evaluate constants (`constants.ts`), folded in 64-bit unsigned arithmetic;
 *   3. place regions and buffers (`regions.ts`, `buffers.ts`): memory, pools, fixed buffers,
 *      then first-fit placement of the rest;
 *   4. one builder per declaration kind, in dependency order: mappers, endpoints, containers,
 *      domains, then groups' default domains, reservations, maps, expects and scenarios.
 *
 * It reports what it cannot resolve and keeps going, so later checks still see as much of the
 * topology as possible. Fixed buffers and constants are also resolved on first use, since any
 * expression may name them.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { IR_VERSION, type IrDomain, type IrTopology } from "../ir/types.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import type { ExpectDecl, MapDecl, SourceFile } from "../syntax/ast.js";
import { BufferTable } from "./buffers.js";
import { ConstantTable } from "./constants.js";
import { buildContainer } from "./containers.js";
import {
  DiagnosticSink,
  emptySymbols,
  type Report,
  type ResolveContext,
  type SymbolTables,
} from "./context.js";
import { buildDefaultDomains } from "./default-domains.js";
import { DomainBuilder } from "./domains.js";
import { buildEndpoint } from "./endpoints.js";
import { Evaluator } from "./evaluate.js";
import { buildExpect } from "./expects.js";
import { buildGuestMemory, isGuestMemory } from "./guest-memory.js";
import { guestMappings } from "./guest-mappings.js";
import { buildMapper } from "./mappers.js";
import { MappingBuilder } from "./mappings.js";
import { bindNames, type NameTable, type StatementsByKind } from "./names.js";
import { buildMemory, buildPool } from "./regions.js";
import { buildReservation } from "./reservations.js";
import { ScenarioBuilder } from "./scenarios.js";

export interface ResolveResult {
  ir: IrTopology;
  diagnostics: Diagnostic[];
}

export function resolve(files: SourceFile[], plugins: PluginRegistry): ResolveResult {
  const d = resolveDeclarations(files, plugins);
  // Nothing finishes these declarations again: the IR takes their domains, not copies of them.
  return finish(d, files, d.k.map, d.k.expect, d.domains as IrDomain[]);
}

/**
 * The state after passes 1-3 and the builders up to the default domains: what every statement
 * but `map` and `expect` makes. `resolveUses` finishes a resolution from it without changing it,
 * so an incremental resolver (`incremental.ts`) can finish it again for other `map` and
 * `expect` lines.
 */
export interface Declarations {
  /** For `resolveUses` only. */
  readonly ctx: Context;
  readonly k: StatementsByKind;
  /** What the declaration passes reported; the sink holds these and nothing else. */
  readonly mark: number;
  readonly suggestionBudget: number;
  /** The domains as built, each finished resolution working on copies (reservations add to them). */
  readonly domains: readonly IrDomain[];
}

export function resolveDeclarations(files: SourceFile[], plugins: PluginRegistry): Declarations {
  const sink = new DiagnosticSink();
  const ir = emptyIr(files);
  const { names, k } = bindNames(files, ir, sink.report);
  const ctx = new Context(ir, plugins, sink, names);
  for (let i = 0; i < k.const.length; i++) ctx.constants.value(k.const[i]!.name.name);
  for (let i = 0; i < k.memory.length; i++)
    if (!isGuestMemory(k.memory[i]!)) buildMemory(ctx, k.memory[i]!);
  for (let i = 0; i < k.memory.length; i++)
    if (isGuestMemory(k.memory[i]!)) buildGuestMemory(ctx, k.memory[i]!);
  for (let i = 0; i < k.pool.length; i++) buildPool(ctx, k.pool[i]!);
  ctx.buffers.resolveAll(names.buffers);
  for (let i = 0; i < k.mapper.length; i++) buildMapper(ctx, k.mapper[i]!);
  for (let i = 0; i < k.endpoint.length; i++) buildEndpoint(ctx, k.endpoint[i]!);
  for (let i = 0; i < k.container.length; i++) buildContainer(ctx, k.container[i]!);
  const domains = new DomainBuilder(ctx);
  for (let i = 0; i < k.domain.length; i++) domains.build(k.domain[i]!);
  buildDefaultDomains(ctx, k.scenario, domains.attachSpans);
  return {
    ctx,
    k,
    mark: sink.list.length,
    suggestionBudget: names.suggestionBudget,
    domains: ir.domains,
  };
}

/**
 * Reservations, `map` lines (`maps`, in source order), expectations and scenarios on top of
 * `d`, which is left as it was: a fresh IR sharing the declarations' objects (domains copied),
 * the sink cut back to the declarations' diagnostics, the suggestion budget restored.
 */
export function resolveUses(
  d: Declarations,
  files: readonly SourceFile[],
  maps: readonly MapDecl[] = d.k.map,
  expects: readonly ExpectDecl[] = d.k.expect,
): ResolveResult {
  const domains = d.domains.map((dom) => ({ ...dom, reserved: [...dom.reserved] }));
  for (const dom of domains) d.ctx.symbols.domains.set(dom.name, dom);
  return finish(d, files, maps, expects, domains);
}

/** `resolveUses` with `domains` (the declarations' own, or copies of them) as the IR's. */
function finish(
  d: Declarations,
  files: readonly SourceFile[],
  maps: readonly MapDecl[],
  expects: readonly ExpectDecl[],
  domains: IrDomain[],
): ResolveResult {
  const { ctx, k } = d;
  ctx.sink.list.length = d.mark;
  ctx.names.suggestionBudget = d.suggestionBudget;
  ctx.symbols.reservations.clear();
  const ir: IrTopology = (ctx.ir = {
    ...ctx.ir,
    files: files.map((f) => f.file),
    domains,
    reservations: [],
    mappings: [],
    expects: [],
    scenarios: [],
  });
  const mappings = new MappingBuilder(ctx);
  // Fixed reservations first, so the placed ones go around them.
  for (const r of k.reservation) if (r.at) buildReservation(ctx, r);
  if (k.reservation.some((r) => !r.at)) {
    const fixed = mappings.fixedRanges(maps);
    for (const r of k.reservation) if (!r.at) buildReservation(ctx, r, fixed);
  }
  for (const m of guestMappings(ctx, () => mappings.takeId())) ir.mappings.push(m);
  for (let i = 0; i < maps.length; i++) mappings.buildInto(maps[i]!, ir.mappings);
  for (let i = 0; i < expects.length; i++) {
    const e = buildExpect(ctx, expects[i]!);
    if (e !== undefined) ir.expects.push(e);
  }
  new ScenarioBuilder(ctx, mappings).buildAll(k.scenario);
  return { ir, diagnostics: ctx.sink.list.slice() };
}

export class Context implements ResolveContext {
  readonly report: Report;
  /** Replaced by each `resolveUses`. */
  ir: IrTopology;
  readonly symbols: SymbolTables = emptySymbols();
  readonly evaluator: Evaluator;
  readonly constants: ConstantTable;
  readonly buffers: BufferTable;

  constructor(
    ir: IrTopology,
    readonly plugins: PluginRegistry,
    readonly sink: DiagnosticSink,
    readonly names: NameTable,
  ) {
    this.ir = ir;
    this.report = sink.report;
    this.constants = new ConstantTable(this);
    this.buffers = new BufferTable(this);
    this.evaluator = new Evaluator(sink.push, (ref) => this.constants.valueOf(ref));
  }
}

function emptyIr(files: readonly SourceFile[]): IrTopology {
  return {
    irVersion: IR_VERSION,
    name: "",
    files: files.map((f) => f.file),
    uses: [],
    consts: {},
    memories: [],
    guestMemories: [],
    pools: [],
    mappers: [],
    endpoints: [],
    domains: [],
    containers: [],
    reservations: [],
    buffers: [],
    mappings: [],
    expects: [],
    scenarios: [],
  };
}

export type { StatementsByKind };
