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
import { IR_VERSION, type IrTopology } from "../ir/types.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import type {
  BufferDecl,
  ConstDecl,
  ContainerDecl,
  DomainDecl,
  EndpointDecl,
  ExpectDecl,
  MapDecl,
  MapperDecl,
  MemoryDecl,
  PoolDecl,
  ReservationDecl,
  ScenarioDecl,
  SourceFile,
} from "../syntax/ast.js";
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
import { buildMapper } from "./mappers.js";
import { MappingBuilder } from "./mappings.js";
import { bindNames, type NameTable } from "./names.js";
import { buildMemory, buildPool } from "./regions.js";
import { buildReservation } from "./reservations.js";
import { ScenarioBuilder } from "./scenarios.js";

export interface ResolveResult {
  ir: IrTopology;
  diagnostics: Diagnostic[];
}

export function resolve(files: SourceFile[], plugins: PluginRegistry): ResolveResult {
  const sink = new DiagnosticSink();
  const ir = emptyIr(files);
  const names = bindNames(files, ir, sink.report);
  const ctx = new Context(ir, plugins, sink, names);
  const k = statementsByKind(files);
  for (let i = 0; i < k.const.length; i++) ctx.constants.value(k.const[i]!.name.name);
  for (let i = 0; i < k.memory.length; i++) buildMemory(ctx, k.memory[i]!);
  for (let i = 0; i < k.pool.length; i++) buildPool(ctx, k.pool[i]!);
  ctx.buffers.resolveAll(k.buffer);
  for (let i = 0; i < k.mapper.length; i++) buildMapper(ctx, k.mapper[i]!);
  for (let i = 0; i < k.endpoint.length; i++) buildEndpoint(ctx, k.endpoint[i]!);
  for (let i = 0; i < k.container.length; i++) buildContainer(ctx, k.container[i]!);
  const domains = new DomainBuilder(ctx);
  for (let i = 0; i < k.domain.length; i++) domains.build(k.domain[i]!);
  buildDefaultDomains(ctx, k.scenario, domains.attachSpans);
  const mappings = new MappingBuilder(ctx);
  // Fixed reservations first, so the placed ones go around them.
  for (const r of k.reservation) if (r.at) buildReservation(ctx, r);
  if (k.reservation.some((r) => !r.at)) {
    const fixed = mappings.fixedRanges(k.map);
    for (const r of k.reservation) if (!r.at) buildReservation(ctx, r, fixed);
  }
  for (let i = 0; i < k.map.length; i++) {
    const ms = mappings.build(k.map[i]!);
    for (let j = 0; j < ms.length; j++) ir.mappings.push(ms[j]!);
  }
  for (let i = 0; i < k.expect.length; i++) {
    const e = buildExpect(ctx, k.expect[i]!);
    if (e !== undefined) ir.expects.push(e);
  }
  new ScenarioBuilder(ctx, mappings).buildAll(k.scenario);
  return { ir, diagnostics: sink.list };
}

class Context implements ResolveContext {
  readonly report: Report;
  readonly symbols: SymbolTables = emptySymbols();
  readonly evaluator: Evaluator;
  readonly constants: ConstantTable;
  readonly buffers: BufferTable;

  constructor(
    readonly ir: IrTopology,
    readonly plugins: PluginRegistry,
    readonly sink: DiagnosticSink,
    readonly names: NameTable,
  ) {
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

interface StatementsByKind {
  const: ConstDecl[];
  memory: MemoryDecl[];
  pool: PoolDecl[];
  buffer: BufferDecl[];
  mapper: MapperDecl[];
  endpoint: EndpointDecl[];
  container: ContainerDecl[];
  domain: DomainDecl[];
  reservation: ReservationDecl[];
  map: MapDecl[];
  expect: ExpectDecl[];
  scenario: ScenarioDecl[];
}

/**
 * Every file's statements sorted by kind in one pass, in source order within a kind. Indexed
 * loops over these: a for-of over 100,000 statements allocates an iterator result per
 * statement until the optimiser catches up, once per kind.
 */
function statementsByKind(files: readonly SourceFile[]): StatementsByKind {
  const k: StatementsByKind = {
    const: [],
    memory: [],
    pool: [],
    buffer: [],
    mapper: [],
    endpoint: [],
    container: [],
    domain: [],
    reservation: [],
    map: [],
    expect: [],
    scenario: [],
  };
  for (let f = 0; f < files.length; f++) {
    const statements = files[f]!.statements;
    for (let i = 0; i < statements.length; i++) {
      const s = statements[i]!;
      switch (s.kind) {
        case "topology":
        case "import":
        case "use":
          break;
        default:
          (k[s.kind] as (typeof s)[]).push(s);
      }
    }
  }
  return k;
}
