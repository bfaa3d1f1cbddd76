/**
 * Name resolution: AST (root file plus its already-loaded imports) -> IR. Binds names (one
 * namespace for every declaration), expands arrays, folds constants, places buffers, validates
 * mapper parameters against their plugins and builds the implicit domains. It reports what it
 * cannot resolve and keeps going, so later checks still see as much of the topology as possible.
 */
import { diagnosticOf } from "../checks/registry.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import { article } from "../diagnostics/wording.js";
import {
  IR_VERSION,
  type AddressSpace,
  type IrBuffer,
  type IrChunk,
  type IrContainer,
  type IrDomain,
  type IrEndpoint,
  type IrExpect,
  type IrMapper,
  type IrMapping,
  type IrMemory,
  type IrObjectRef,
  type IrRange,
  type IrReservation,
  type IrReservedRange,
  type IrScenario,
  type IrScenarioStep,
  type IrTargetKind,
  type IrTopology,
} from "../ir/types.js";
import type { Capabilities, VcmPlugin } from "../plugin-api/types.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import type {
  BufferDecl,
  ConstDecl,
  ContainerDecl,
  DomainDecl,
  EndpointDecl,
  ExpectDecl,
  Expr,
  Identifier,
  MapDecl,
  MapperDecl,
  MemoryDecl,
  MemoryRef,
  NameRef,
  PoolDecl,
  ReservationDecl,
  ScenarioDecl,
  SourceFile,
  Statement,
  TargetRef,
} from "../syntax/ast.js";
import {
  alignUp,
  Evaluator,
  formatSize,
  hex,
  isPowerOfTwo,
  U64_MAX,
  type Value,
} from "./evaluate.js";
import { mappingAttributes } from "./attributes.js";
import { defaultDomainName, groupText, iommuGroups } from "./groups.js";
import { validateParams } from "./params.js";
import { RegionPlacer } from "./placement.js";
import { resolveContainer } from "./resolve-container.js";
import { DEFAULT_WINDOW_GEOMETRY } from "./spapr.js";
import { placeReservation, reservedClash } from "./reservations.js";
import { sharedTableMismatch } from "../ir/table-sharing.js";
import { didYouMean } from "./suggest.js";

export interface ResolveResult {
  ir: IrTopology;
  diagnostics: Diagnostic[];
}

export function resolve(files: SourceFile[], plugins: PluginRegistry): ResolveResult {
  return new Resolver(files, plugins).run();
}

type Decl =
  | { kind: "const"; node: ConstDecl }
  | { kind: "memory"; node: MemoryDecl }
  | { kind: "pool"; node: PoolDecl }
  | { kind: "mapper"; node: MapperDecl }
  | { kind: "endpoint"; node: EndpointDecl }
  | { kind: "domain"; node: DomainDecl }
  | { kind: "buffer"; node: BufferDecl }
  | { kind: "container"; node: ContainerDecl }
  | { kind: "reservation"; node: ReservationDecl };

type DeclKind = Decl["kind"];

const KIND_LABEL: Record<DeclKind, string> = {
  const: "a const",
  memory: "a memory region",
  pool: "a pool",
  mapper: "a mapper",
  endpoint: "an endpoint",
  domain: "a domain",
  buffer: "a buffer",
  container: "a container",
  reservation: "a reservation",
};

const DEFAULT_ALIGN = 4096n;
const MAX_ARRAY = 1_000_000n;

interface MapperInfo {
  ir: IrMapper;
  plugin?: VcmPlugin;
  caps?: Capabilities;
}

/** One piece of memory a `map`, `expect` or pool talks about (one array element at most). */
interface MemoryPiece {
  buffer?: string;
  memory: string;
  chunks: IrChunk[];
  size: bigint;
  align: bigint;
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

interface ResolvedTarget {
  kind: IrTargetKind;
  name: string;
  space: AddressSpace;
  /** For direct targets: bus = pa - offset. */
  busOffset?: bigint;
  /** `-> RESERVATION`: the reservation's domain, at the reservation's range. */
  reservation?: IrReservation;
}

class Resolver {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly decls = new Map<string, Decl>();
  /** Second and later declarations of a name: reported once, otherwise ignored. */
  private readonly shadowed = new Set<Statement>();
  private readonly evaluator: Evaluator;
  private readonly constValues = new Map<string, Value | null>();
  private readonly constInProgress = new Set<string>();
  private readonly memories = new Map<string, IrMemory>();
  private readonly buffers = new Map<string, IrBuffer[] | null>();
  private readonly bufferInProgress = new Set<string>();
  private placementStarted = false;
  private readonly mappers = new Map<string, MapperInfo>();
  private readonly endpoints = new Map<string, IrEndpoint>();
  private readonly domains = new Map<string, IrDomain>();
  private readonly containers = new Map<string, IrContainer>();
  private readonly reservations = new Map<string, IrReservation>();
  /** Device name -> the domains attaching it (explicitly, by group, or by default). */
  private readonly deviceDomains = new Map<string, string[]>();
  /** Device name -> where a domain's `attach` names it first. */
  private readonly attachSpans = new Map<string, Span>();
  private readonly ir: IrTopology;
  private nextMappingId = 0;

  constructor(
    private readonly files: SourceFile[],
    private readonly plugins: PluginRegistry,
  ) {
    this.evaluator = new Evaluator(
      (d) => this.diagnostics.push(d),
      (ref) => this.lookupValue(ref),
    );
    this.ir = {
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

  run(): ResolveResult {
    this.collect();
    const k = this.statementsByKind();
    for (let i = 0; i < k.const.length; i++) this.constValue(k.const[i]!.name.name);
    for (let i = 0; i < k.memory.length; i++) this.memory(k.memory[i]!);
    for (let i = 0; i < k.pool.length; i++) this.pool(k.pool[i]!);
    this.resolveBuffers(k.buffer);
    for (let i = 0; i < k.mapper.length; i++) this.mapper(k.mapper[i]!);
    for (let i = 0; i < k.endpoint.length; i++) this.endpoint(k.endpoint[i]!);
    for (let i = 0; i < k.container.length; i++) this.container(k.container[i]!);
    for (let i = 0; i < k.domain.length; i++) this.domain(k.domain[i]!);
    this.implicitDomains(k.scenario);
    // Fixed reservations first, so the placed ones go around them.
    for (const r of k.reservation) if (r.at) this.reservation(r);
    if (k.reservation.some((r) => !r.at)) {
      const fixed = this.fixedMappingRanges(k.map);
      for (const r of k.reservation) if (!r.at) this.reservation(r, fixed);
    }
    const mappings = this.ir.mappings;
    for (let i = 0; i < k.map.length; i++) {
      const ms = this.mapping(k.map[i]!);
      for (let j = 0; j < ms.length; j++) mappings.push(ms[j]!);
    }
    for (let i = 0; i < k.expect.length; i++)
      this.pushDefined(this.ir.expects, this.expect(k.expect[i]!));
    const scenarioNames = new Map<string, ScenarioDecl>();
    for (const s of k.scenario) {
      const prev = scenarioNames.get(s.name.name);
      if (prev) this.duplicate(s.name, prev.name.span);
      else scenarioNames.set(s.name.name, s);
      this.ir.scenarios.push(this.scenario(s));
    }
    return { ir: this.ir, diagnostics: this.diagnostics };
  }

  /**
   * Every file's statements sorted by kind in one pass, in source order within a kind. Indexed
   * loops over these: a for-of over 100,000 statements allocates an iterator result per
   * statement until the optimiser catches up, once per kind.
   */
  private statementsByKind(): StatementsByKind {
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
    for (let f = 0; f < this.files.length; f++) {
      const statements = this.files[f]!.statements;
      for (let i = 0; i < statements.length; i++) {
        const s = statements[i]!;
        switch (s.kind) {
          case "const":
            k.const.push(s);
            break;
          case "memory":
            k.memory.push(s);
            break;
          case "pool":
            k.pool.push(s);
            break;
          case "buffer":
            k.buffer.push(s);
            break;
          case "mapper":
            k.mapper.push(s);
            break;
          case "endpoint":
            k.endpoint.push(s);
            break;
          case "container":
            k.container.push(s);
            break;
          case "domain":
            k.domain.push(s);
            break;
          case "reservation":
            k.reservation.push(s);
            break;
          case "map":
            k.map.push(s);
            break;
          case "expect":
            k.expect.push(s);
            break;
          case "scenario":
            k.scenario.push(s);
            break;
        }
      }
    }
    return k;
  }

  // -------------------------------------------------------------------------------------------
  // Declarations and names

  private collect(): void {
    this.files.forEach((file, i) => {
      const statements = file.statements;
      for (let j = 0; j < statements.length; j++) {
        const s = statements[j]!;
        if (s.kind === "topology") {
          if (i === 0 && this.ir.name === "") this.ir.name = s.name.name;
          continue;
        }
        if (s.kind === "use") {
          this.ir.uses.push({ specifier: s.specifier, fromFile: file.file, span: s.span });
          continue;
        }
        if (s.kind === "import" || s.kind === "map" || s.kind === "expect" || s.kind === "scenario")
          continue;
        const decl = { kind: s.kind === "endpoint" ? "endpoint" : s.kind, node: s } as Decl;
        const prev = this.decls.get(s.name.name);
        if (prev) {
          this.duplicate(s.name, prev.node.name.span);
          this.shadowed.add(s);
        } else this.decls.set(s.name.name, decl);
      }
    });
    if (this.ir.name === "" && this.files[0]) {
      const base = this.files[0].file.replace(/^.*[\\/]/, "").replace(/\.vcm$/, "");
      this.ir.name = base || "topology";
    }
  }

  /** Cheaper than looking the name up again: there are usually no duplicates at all. */
  private isShadowed(s: Statement): boolean {
    return this.shadowed.size > 0 && this.shadowed.has(s);
  }

  private duplicate(name: Identifier, previous: Span): void {
    this.report("duplicate-name", name.span, `'${name.name}' is declared twice`, {
      related: [{ span: previous, message: `'${name.name}' is first declared here` }],
    });
  }

  private report(
    check: string,
    span: Span | undefined,
    message: string,
    details: { hint?: string; related?: { span: Span; message: string }[] } = {},
  ): undefined {
    this.diagnostics.push(diagnosticOf(check, span, message, details));
    return undefined;
  }

  /** The declaration `name` binds, of one of `kinds`; reports unresolved or wrong-kind names. */
  private bind<K extends DeclKind>(
    name: Identifier,
    kinds: readonly K[],
  ): Extract<Decl, { kind: K }> | undefined {
    const decl = this.decls.get(name.name);
    if (!decl) {
      const wanted = kinds.map((k) => KIND_LABEL[k]).join(" or ");
      const candidates = [...this.decls.entries()]
        .filter(([, d]) => (kinds as readonly DeclKind[]).includes(d.kind))
        .map(([n]) => n);
      return this.report(
        "unresolved-name",
        name.span,
        `unknown name '${name.name}' (expected ${wanted})`,
        {
          ...this.unresolvedHint(name.name, candidates),
        },
      );
    }
    if (!(kinds as readonly DeclKind[]).includes(decl.kind)) {
      return this.report(
        "wrong-kind",
        name.span,
        `'${name.name}' is ${KIND_LABEL[decl.kind]}, expected ${kinds.map((k) => KIND_LABEL[k]).join(" or ")}`,
        { related: [{ span: decl.node.name.span, message: `'${name.name}' is declared here` }] },
      );
    }
    return decl as Extract<Decl, { kind: K }>;
  }

  private unresolvedHint(name: string, candidates: string[]): { hint?: string } {
    if (name.includes("-")) {
      const parts = name.split("-");
      if (
        parts.every((p) => p === "" || this.decls.has(p) || /^[0-9]/.test(p)) &&
        parts.some((p) => this.decls.has(p))
      )
        return { hint: `'${name}' is one name; write '${parts.join(" - ")}' for a subtraction` };
    }
    const hint = didYouMean(name, candidates);
    return hint ? { hint } : {};
  }

  private lookupValue(ref: NameRef): Value | undefined {
    const decl = this.bind({ name: ref.name, span: ref.span }, [
      "const",
      "memory",
      "buffer",
      "reservation",
    ]);
    if (!decl) return undefined;
    if (decl.kind === "reservation") {
      // A reservation's name is its first device address (an IOVA or VA, not a PA).
      const r = this.reservations.get(ref.name);
      if (r) return { value: r.range.base, pa: false };
      return this.report(
        "invalid-value",
        ref.span,
        `the address of reservation '${ref.name}' is not known here (it is placed after constants and buffers, or failed)`,
      );
    }
    if (decl.kind !== "buffer" && ref.index)
      return this.report("invalid-index", ref.index.span, `'${ref.name}' is not an array`);
    if (decl.kind === "const") {
      const v = this.constValue(ref.name);
      return v ?? undefined;
    }
    if (decl.kind === "memory") {
      const m = this.memories.get(ref.name);
      return m ? { value: m.range.base, pa: true } : undefined;
    }
    const elems = this.bufferElements(decl.node, ref.span);
    if (!elems) return undefined;
    let index = 0;
    if (ref.index) {
      const i = this.index(ref.index, elems.length, ref.name);
      if (i === undefined) return undefined;
      index = i;
    } else if (decl.node.count)
      return this.report(
        "invalid-index",
        ref.span,
        `'${ref.name}' is an array: write '${ref.name}[N]'`,
      );
    const first = elems[index]!.chunks[0];
    return first ? { value: first.pa, pa: true } : undefined;
  }

  private index(e: Expr, count: number, name: string): number | undefined {
    const v = this.evaluator.eval(e);
    if (!v) return undefined;
    if (v.value >= BigInt(count))
      return this.report(
        "invalid-index",
        e.span,
        `index ${v.value} is out of bounds: '${name}' has ${count} element(s)`,
      );
    return Number(v.value);
  }

  private constValue(name: string): Value | undefined {
    const known = this.constValues.get(name);
    if (known !== undefined) return known ?? undefined;
    const decl = this.decls.get(name);
    if (!decl || decl.kind !== "const") return undefined;
    if (this.constInProgress.has(name)) {
      this.constValues.set(name, null);
      return this.report("invalid-value", decl.node.name.span, `const '${name}' depends on itself`);
    }
    this.constInProgress.add(name);
    const v = this.evaluator.eval(decl.node.value);
    this.constInProgress.delete(name);
    if (this.constValues.get(name) === null) return undefined;
    this.constValues.set(name, v ?? null);
    if (v) this.ir.consts[name] = v.value;
    return v;
  }

  private num(e: Expr | undefined): bigint | undefined {
    if (!e) return undefined;
    return this.evaluator.eval(e)?.value;
  }

  /** A value that must be a device-side address (IOVA, VA, bus), not a PA. */
  private deviceAddress(e: Expr, what: string): bigint | undefined {
    const v = this.evaluator.eval(e);
    if (!v) return undefined;
    if (v.pa)
      return this.report(
        "address-space-mismatch",
        e.span,
        `${what} is a device address, but this is a physical address (${hex(v.value)})`,
      );
    return v.value;
  }

  // -------------------------------------------------------------------------------------------
  // Physical memory, pools and buffers

  private memory(s: MemoryDecl): void {
    if (this.isShadowed(s)) return;
    const r = this.evaluator.range(s.range);
    if (!r) return;
    const m: IrMemory = {
      name: s.name.name,
      range: { base: r.base, size: r.size, space: "pa" },
      kind: s.memoryKind,
      span: s.span,
    };
    if (s.owner) {
      if (this.bind(s.owner, ["endpoint"])) m.owner = s.owner.name;
    }
    if (s.pinnable) {
      if (s.memoryKind === "mmio") m.pinnable = true;
      else
        this.report(
          "pinnable-not-mmio",
          s.pinnable,
          `'${m.name}' is ${s.memoryKind}: \`pinnable\` is an exporter's word for its mmio (a BAR)`,
          { hint: s.memoryKind === "ram" ? "RAM can always be pinned; drop `pinnable`" : "" },
        );
    }
    this.memories.set(m.name, m);
    this.ir.memories.push(m);
  }

  private pool(s: PoolDecl): void {
    if (this.isShadowed(s)) return;
    const pieces = this.memoryRef(s.source, { memoryOnly: true });
    const piece = pieces?.[0];
    if (!piece || !piece.chunks[0]) return;
    if (piece.chunks[0].pa % 4096n !== 0n) {
      this.report(
        "pool-misaligned",
        s.source.span,
        `pool '${s.name.name}' starts at ${hex(piece.chunks[0].pa)}, not on a 4 KiB frame boundary`,
      );
    }
    this.ir.pools.push({
      name: s.name.name,
      memory: piece.memory,
      range: { base: piece.chunks[0].pa, size: piece.chunks[0].size, space: "pa" },
      span: s.span,
    });
  }

  private resolveBuffers(decls: BufferDecl[]): void {
    const own = decls.filter((d) => !this.isShadowed(d));
    const placed: BufferDecl[] = [];
    for (const d of own) {
      if (d.at || d.chunks) this.bufferElements(d, d.name.span);
      else placed.push(d);
    }
    const placers = new Map<string, RegionPlacer>();
    const placerFor = (memory: IrMemory): RegionPlacer => {
      let p = placers.get(memory.name);
      if (!p) {
        p = new RegionPlacer(memory.range.base, memory.range.size);
        for (const pool of this.ir.pools)
          if (pool.memory === memory.name) p.reserve(pool.range.base, pool.range.size);
        for (const list of this.buffers.values())
          for (const b of list ?? []) for (const c of b.chunks) p.reserve(c.pa, c.size);
        placers.set(memory.name, p);
      }
      return p;
    };
    this.placementStarted = true;
    for (const d of placed) this.placeBuffer(d, placerFor);
    for (const d of own)
      for (const b of this.buffers.get(d.name.name) ?? []) this.ir.buffers.push(b);
  }

  private bufferShape(d: BufferDecl): { count: number; size?: bigint; align: bigint } | undefined {
    let count = 1;
    if (d.count) {
      const c = this.num(d.count);
      if (c === undefined) return undefined;
      if (c === 0n || c > MAX_ARRAY)
        return this.report(
          "invalid-value",
          d.count.span,
          `an array has 1 to ${MAX_ARRAY} elements, not ${c}`,
        );
      count = Number(c);
    }
    let align = DEFAULT_ALIGN;
    if (d.align) {
      const a = this.num(d.align);
      if (a === undefined) return undefined;
      if (!isPowerOfTwo(a))
        return this.report(
          "invalid-value",
          d.align.span,
          `align must be a power of two, not ${hex(a)}`,
        );
      align = a;
    }
    if (!d.size) return { count, align };
    const size = this.num(d.size);
    if (size === undefined) return undefined;
    if (size === 0n)
      return this.report("invalid-value", d.size.span, `buffer '${d.name.name}' has size 0`);
    return { count, size, align };
  }

  private element(
    d: BufferDecl,
    i: number,
    count: number,
    memory: string,
    size: bigint,
    align: bigint,
    chunks: IrChunk[],
    placed: boolean,
  ): IrBuffer {
    const b: IrBuffer = {
      name: d.count ? `${d.name.name}[${i}]` : d.name.name,
      memory,
      size,
      align,
      chunks,
      placed,
      span: d.span,
    };
    if (d.count) b.array = { name: d.name.name, index: i, count };
    return b;
  }

  /** The elements of a fixed or chunked buffer (resolving it now if needed). */
  private bufferElements(d: BufferDecl, usedAt: Span): IrBuffer[] | undefined {
    const name = d.name.name;
    const known = this.buffers.get(name);
    if (known !== undefined) return known ?? undefined;
    if (!d.at && !d.chunks) {
      if (!this.placementStarted)
        return this.report(
          "invalid-value",
          usedAt,
          `the address of '${name}' is chosen by VCM, so it cannot be used in another buffer's size or address`,
        );
      return undefined;
    }
    if (this.bufferInProgress.has(name)) {
      this.buffers.set(name, null);
      return this.report(
        "invalid-value",
        d.name.span,
        `buffer '${name}' depends on its own address`,
      );
    }
    this.bufferInProgress.add(name);
    const result = this.fixedBuffer(d);
    this.bufferInProgress.delete(name);
    this.buffers.set(name, result ?? null);
    return result;
  }

  private fixedBuffer(d: BufferDecl): IrBuffer[] | undefined {
    const shape = this.bufferShape(d);
    if (!shape) return undefined;
    if (d.chunks) {
      if (d.count)
        return this.report(
          "invalid-value",
          d.count.span,
          "a buffer with `chunks` cannot be an array",
        );
      const chunks: IrChunk[] = [];
      let memory: string | undefined;
      for (const c of d.chunks) {
        const piece = this.memoryRef(c, { memoryOnly: true })?.[0];
        if (!piece) return undefined;
        if (memory !== undefined && piece.memory !== memory)
          return this.report(
            "invalid-value",
            c.span,
            `all chunks of '${d.name.name}' must be in one region ('${memory}'), not '${piece.memory}'`,
          );
        memory = piece.memory;
        for (const c of piece.chunks) chunks.push(c);
      }
      const size = chunks.reduce((a, c) => a + c.size, 0n);
      if (shape.size !== undefined && shape.size !== size)
        this.report(
          "invalid-value",
          d.size!.span,
          `size ${formatSize(shape.size)} differs from the chunks' total ${formatSize(size)}`,
        );
      return [this.element(d, 0, 1, memory ?? "", size, shape.align, chunks, false)];
    }
    if (shape.size === undefined)
      return this.report("invalid-value", d.name.span, `buffer '${d.name.name}' needs a size`);
    const at = this.num(d.at);
    if (at === undefined) return undefined;
    let memory = "";
    if (d.region) {
      if (this.bind(d.region, ["memory"])) memory = d.region.name;
    } else {
      for (const m of this.memories.values())
        if (at >= m.range.base && at < m.range.base + m.range.size) memory = m.name;
    }
    const out: IrBuffer[] = [];
    let next = at;
    for (let i = 0; i < shape.count; i++) {
      const pa = i === 0 ? next : alignUp(next, shape.align);
      if (pa + shape.size - 1n > U64_MAX)
        return this.report("arithmetic-overflow", d.span, `buffer '${d.name.name}' ends past 2^64`);
      out.push(
        this.element(
          d,
          i,
          shape.count,
          memory,
          shape.size,
          shape.align,
          [{ pa, size: shape.size }],
          false,
        ),
      );
      next = pa + shape.size;
    }
    return out;
  }

  private placeBuffer(d: BufferDecl, placerFor: (m: IrMemory) => RegionPlacer): void {
    const name = d.name.name;
    this.buffers.set(name, null);
    const shape = this.bufferShape(d);
    if (!shape) return;
    if (!d.region) {
      this.report(
        "invalid-value",
        d.name.span,
        `buffer '${name}' needs \`in REGION\`, \`at ADDRESS\` or \`chunks\``,
      );
      return;
    }
    if (shape.size === undefined) {
      this.report("invalid-value", d.name.span, `buffer '${name}' needs a size`);
      return;
    }
    if (!this.bind(d.region, ["memory"])) return;
    const memory = this.memories.get(d.region.name);
    if (!memory) return;
    // An array the whole region could never hold is refused before placing any element (no
    // work proportional to a count that cannot fit).
    const total = BigInt(shape.count) * shape.size;
    if (d.count && total > memory.range.size) {
      this.report(
        "array-exceeds-region",
        d.count.span,
        `${shape.count} elements of ${formatSize(shape.size)} need ${formatSize(total)}, more than all of '${memory.name}' (${formatSize(memory.range.size)})`,
      );
      return;
    }
    const placer = placerFor(memory);
    const out: IrBuffer[] = [];
    for (let i = 0; i < shape.count; i++) {
      const pa = placer.place(shape.size, shape.align);
      if (pa === undefined) {
        this.report(
          "region-full",
          d.span,
          `no free space for ${d.count ? `element ${i} of ` : ""}'${name}' (${formatSize(shape.size)}, align ${formatSize(shape.align)}) in '${memory.name}'`,
        );
        return;
      }
      out.push(
        this.element(
          d,
          i,
          shape.count,
          memory.name,
          shape.size,
          shape.align,
          [{ pa, size: shape.size }],
          true,
        ),
      );
    }
    this.buffers.set(name, out);
  }

  /**
   * What a memory reference denotes: one piece per buffer element (`frame[*]`, or an array
   * named alone), one for a single buffer, region or slice.
   */
  private memoryRef(
    ref: MemoryRef,
    opts: { memoryOnly?: boolean } = {},
  ): MemoryPiece[] | undefined {
    const kinds = opts.memoryOnly ? (["memory"] as const) : (["memory", "buffer"] as const);
    if (ref.kind === "buffer-ref") {
      const decl = this.bind(ref.name, kinds);
      if (!decl) return undefined;
      if (decl.kind === "memory") {
        if (ref.index !== undefined)
          return this.report(
            "invalid-index",
            ref.span,
            `'${ref.name.name}' is a memory region, not an array`,
          );
        const m = this.memories.get(decl.node.name.name);
        if (!m) return undefined;
        return [
          {
            memory: m.name,
            chunks: [{ pa: m.range.base, size: m.range.size }],
            size: m.range.size,
            align: 1n,
          },
        ];
      }
      const elems =
        this.buffers.get(decl.node.name.name) ?? this.bufferElements(decl.node, ref.span);
      if (!elems) return undefined;
      let chosen = elems;
      if (ref.index !== undefined && ref.index !== "*") {
        if (!decl.node.count)
          return this.report("invalid-index", ref.index.span, `'${ref.name.name}' is not an array`);
        const i = this.index(ref.index, elems.length, ref.name.name);
        if (i === undefined) return undefined;
        chosen = [elems[i]!];
      } else if (ref.index === "*" && !decl.node.count) {
        return this.report(
          "invalid-index",
          ref.span,
          `'${ref.name.name}' is not an array: write '${ref.name.name}'`,
        );
      }
      return chosen.map((b) => ({
        buffer: b.name,
        memory: b.memory,
        chunks: b.chunks,
        size: b.size,
        align: b.align,
      }));
    }
    const decl = this.bind(ref.target, kinds);
    if (!decl) return undefined;
    const r = this.evaluator.range(ref.range);
    if (!r) return undefined;
    if (decl.kind === "memory") {
      const m = this.memories.get(decl.node.name.name);
      if (!m) return undefined;
      const pa = m.range.base + r.base;
      if (pa + r.size - 1n > U64_MAX)
        return this.report("arithmetic-overflow", ref.span, `the slice ends past 2^64`);
      return [{ memory: m.name, chunks: [{ pa, size: r.size }], size: r.size, align: 1n }];
    }
    const elems = this.buffers.get(decl.node.name.name) ?? this.bufferElements(decl.node, ref.span);
    if (!elems) return undefined;
    if (elems.length !== 1)
      return this.report(
        "invalid-index",
        ref.target.span,
        `'${ref.target.name}' is an array: slice one element`,
      );
    const b = elems[0]!;
    if (r.base + r.size > b.size)
      return this.report(
        "outside-region",
        ref.span,
        `the slice ${hex(r.base)} .. +${formatSize(r.size)} is outside '${b.name}' (${formatSize(b.size)})`,
      );
    return [
      {
        buffer: b.name,
        memory: b.memory,
        chunks: sliceChunks(b.chunks, r.base, r.size),
        size: r.size,
        align: 1n,
      },
    ];
  }

  // -------------------------------------------------------------------------------------------
  // Mappers, endpoints, containers, domains

  private mapper(s: MapperDecl): void {
    if (this.isShadowed(s)) return;
    const plugin = this.plugins.get(s.format.name);
    if (!plugin) {
      const known = this.plugins.names();
      const hint = didYouMean(s.format.name, known);
      this.report(
        "unknown-format",
        s.format.span,
        `no plugin provides the format '${s.format.name}' (known formats: ${known.join(", ") || "none"})`,
        hint ? { hint } : {},
      );
    }
    const v = validateParams(s, plugin, this.evaluator, (d) => this.diagnostics.push(d));
    let caps: Capabilities | undefined;
    if (plugin && v.ok) {
      try {
        caps = plugin.capabilities(v.params);
      } catch (error) {
        this.report(
          "plugin-failed",
          s.format.span,
          `plugin '${plugin.name}' failed computing capabilities: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    let pool = "";
    if (v.pool) {
      if (this.bind(v.pool, ["pool"])) pool = v.pool.name;
    } else if (this.ir.pools.length === 1) pool = this.ir.pools[0]!.name;
    else if (!caps || caps.levels > 0) {
      if (this.ir.pools.length === 0)
        this.report(
          "no-pool",
          s.name.span,
          `mapper '${s.name.name}' needs a pool for its page tables, and none is declared`,
        );
      else
        this.report(
          "no-pool",
          s.name.span,
          `several pools are declared: say which holds '${s.name.name}''s tables with \`pool NAME\``,
          {
            hint: `pools: ${this.ir.pools.map((p) => p.name).join(", ")}`,
          },
        );
    }
    const ir: IrMapper = {
      name: s.name.name,
      role: s.role,
      format: s.format.name,
      params: v.params,
      pool,
      span: s.span,
    };
    if (s.role === "iommu" && caps?.upperHalf?.root === "own") {
      const entry = s.params.find((p) => p.key.name === "va-bits-upper");
      this.report(
        "upper-half-not-cpu",
        entry?.span ?? s.format.span,
        `iommu '${s.name.name}' declares an upper half, which only a cpu MMU context has`,
        { hint: "give the upper half to an `mmu` that a `cpu ... via` uses" },
      );
    }
    const info: MapperInfo = { ir };
    if (plugin) info.plugin = plugin;
    if (caps) info.caps = caps;
    this.mappers.set(ir.name, info);
    this.ir.mappers.push(ir);
  }

  private endpoint(s: EndpointDecl): void {
    if (this.isShadowed(s)) return;
    let dmaMaskBits = 64;
    if (s.dmaMask) {
      const bits = this.num(s.dmaMask);
      if (bits !== undefined && (bits < 1n || bits > 64n))
        this.report(
          "invalid-value",
          s.dmaMask.span,
          `dma-mask is a number of address bits (1 to 64), not ${bits}`,
        );
      else if (bits !== undefined) dmaMaskBits = Number(bits);
    }
    const e: IrEndpoint = {
      name: s.name.name,
      kind: s.endpointKind,
      dmaMaskBits,
      busOffset: this.num(s.offset) ?? 0n,
      span: s.span,
    };
    if (s.mapper && this.bind(s.mapper, ["mapper"])) e.mapper = s.mapper.name;
    const stream = this.num(s.stream);
    if (stream !== undefined) e.stream = stream;
    const group = this.num(s.group);
    if (group !== undefined) e.group = group;
    if (s.group && (e.kind !== "device" || !s.mapper))
      this.report(
        "group-without-iommu",
        s.group.span,
        `'${e.name}' is ${e.kind === "device" ? "a device with no IOMMU (no `behind`)" : `a ${e.kind}`}: only devices behind an IOMMU belong to IOMMU groups`,
      );
    if (e.kind === "cpu" && e.mapper) {
      const info = this.mappers.get(e.mapper);
      e.domain = e.name;
      const domain: IrDomain = {
        name: e.name,
        mapper: e.mapper,
        type: "unmanaged",
        aperture: { ...this.defaultAperture(info), space: "va" },
        reserved: [],
        attached: [e.name],
        implicit: true,
        span: s.span,
      };
      const upper = info?.caps?.upperHalf;
      if (upper) {
        const size = 1n << BigInt(upper.bits);
        if (upper.root === "shared") domain.aperture = { base: 0n, size, space: "va" };
        domain.upper = { base: (1n << 64n) - size, size, space: "va" };
      }
      this.domains.set(domain.name, domain);
      this.ir.domains.push(domain);
    }
    this.endpoints.set(e.name, e);
    this.ir.endpoints.push(e);
  }

  private defaultAperture(info: MapperInfo | undefined): IrRange {
    const a = info?.ir.params["aperture"];
    if (a && typeof a === "object" && !Array.isArray(a))
      return { base: a.base, size: a.size, space: "iova" };
    // A TCE IOMMU translates only inside its windows: a domain gets the default 32-bit one.
    if (info?.caps?.windows)
      return {
        base: DEFAULT_WINDOW_GEOMETRY.base,
        size: DEFAULT_WINDOW_GEOMETRY.size,
        space: "iova",
      };
    const bits = info?.caps?.inputBits ?? 64;
    return { base: 0n, size: 1n << BigInt(bits), space: "iova" };
  }

  private mapperReserved(info: MapperInfo | undefined): IrReservedRange[] {
    const msi = info?.ir.params["msi"];
    if (msi && typeof msi === "object" && !Array.isArray(msi))
      return [
        {
          kind: "msi",
          range: { base: msi.base, size: msi.size, space: "iova" },
          origin: "mapper",
          span: info!.ir.span,
        },
      ];
    return [];
  }

  private container(s: ContainerDecl): void {
    if (this.isShadowed(s)) return;
    const c = resolveContainer(s, {
      num: (e) => this.num(e),
      deviceAddress: (e, what) => this.deviceAddress(e, what),
      chunks: (ref) => this.memoryRef(ref)?.flatMap((p) => p.chunks),
      mapperBound: () => this.bind(s.mapper, ["mapper"]) !== undefined,
      report: (check, span, message, details) => this.report(check, span, message, details),
      duplicate: (name, previous) => this.duplicate(name, previous),
    });
    this.containers.set(c.name, c);
    this.ir.containers.push(c);
  }

  private domain(s: DomainDecl): void {
    if (this.isShadowed(s)) return;
    const mapperOk = this.bind(s.mapper, ["mapper"]) !== undefined;
    const info = this.mappers.get(s.mapper.name);
    const d: IrDomain = {
      name: s.name.name,
      mapper: mapperOk ? s.mapper.name : "",
      type: "dma",
      aperture: this.defaultAperture(info),
      reserved: [],
      attached: [],
      implicit: false,
      span: s.span,
    };
    for (const item of s.items) {
      switch (item.kind) {
        case "type":
          d.type = item.type;
          break;
        case "aperture": {
          const r = this.evaluator.range(item.range);
          if (!r) break;
          if (r.pa)
            this.report(
              "address-space-mismatch",
              item.range.span,
              `a domain aperture is an IOVA range, but this is a physical address range`,
            );
          else d.aperture = { base: r.base, size: r.size, space: "iova" };
          break;
        }
        case "reserve": {
          const r = this.evaluator.range(item.range);
          if (!r) break;
          // A unity range maps iova == pa, so a physical address is what it means.
          if (r.pa && item.reserveKind !== "unity")
            this.report(
              "address-space-mismatch",
              item.range.span,
              `a ${item.reserveKind} range is an IOVA range, but this is a physical address range`,
            );
          else
            d.reserved.push({
              kind: item.reserveKind,
              range: { base: r.base, size: r.size, space: "iova" },
              origin: "domain",
              span: item.span,
            });
          break;
        }
        case "attach":
          for (const dev of item.devices) {
            const decl = this.bind(dev, ["endpoint"]);
            if (!decl) continue;
            const ep = this.endpoints.get(dev.name);
            if (!ep) continue;
            if (ep.kind !== "device") {
              this.report(
                "wrong-kind",
                dev.span,
                `'${dev.name}' is a ${ep.kind}; only devices attach to domains`,
              );
              continue;
            }
            if (mapperOk && ep.mapper !== d.mapper && !this.sharesTable(d, ep, dev)) continue;
            d.attached.push(dev.name);
            if (!this.attachSpans.has(dev.name)) this.attachSpans.set(dev.name, dev.span);
            const list = this.deviceDomains.get(dev.name) ?? [];
            list.push(d.name);
            this.deviceDomains.set(dev.name, list);
          }
          break;
      }
    }
    for (const r of this.mapperReserved(info)) d.reserved.push(r);
    this.domains.set(d.name, d);
    this.ir.domains.push(d);
  }

  /**
   * A device behind another IOMMU instance may join a domain whose table that instance can walk
   * (same format and table parameters); otherwise the attach is refused, as Linux does (EINVAL).
   */
  private sharesTable(d: IrDomain, ep: IrEndpoint, dev: Identifier): boolean {
    const owner = this.mappers.get(d.mapper)?.ir;
    const other = ep.mapper ? this.mappers.get(ep.mapper)?.ir : undefined;
    if (!ep.mapper || !owner || !other || other.role !== "iommu") {
      this.report(
        "wrong-kind",
        dev.span,
        `'${dev.name}' is not behind '${d.mapper}'${ep.mapper ? ` (it is behind '${ep.mapper}')` : ""}`,
      );
      return false;
    }
    const why = sharedTableMismatch(owner, other);
    if (why === undefined) return true;
    this.report(
      "domain-instance-mismatch",
      dev.span,
      `'${dev.name}' is behind '${ep.mapper}', which cannot walk the table of '${d.name}' on '${d.mapper}' (EINVAL): ${why}`,
      { related: [{ span: other.span, message: `'${other.name}' is declared here` }] },
    );
    return false;
  }

  /**
   * Groups and default domains (see `groups.ts`): a group with no member attached gets its own
   * default domain; a group one member of which a domain attaches joins that domain whole.
   * A default domain is also made for a group a scenario `detach`es, to return to.
   */
  private implicitDomains(scenarios: readonly ScenarioDecl[]): void {
    const detached = new Set<string>();
    for (const s of scenarios)
      for (const step of s.steps) if (step.kind === "detach") detached.add(step.device.name);
    const inContainer = new Set<string>();
    for (const c of this.containers.values())
      for (const g of c.groups) inContainer.add(`${c.mapper}\u0000${g}`);
    for (const members of iommuGroups(this.endpoints.values()).values()) {
      const first = members[0]!;
      if (first.group !== undefined && inContainer.has(`${first.mapper}\u0000${first.group}`))
        continue;
      const carrier = members.find((ep) => this.deviceDomains.has(ep.name));
      // A TCE IOMMU has no default domain: its devices translate only through windows.
      if (!carrier && members.filter((ep) => this.tceDeviceWithoutContainer(ep)).length > 0)
        continue;
      let def: string | undefined;
      if (!carrier || members.some((ep) => detached.has(ep.name))) {
        def = this.defaultDomainOf(first);
        if (def === undefined) continue;
        for (const ep of members) ep.defaultDomain = def;
      }
      const target = carrier ? this.deviceDomains.get(carrier.name)![0]! : def!;
      const joining = members.filter((ep) => !this.deviceDomains.has(ep.name));
      for (const ep of joining) {
        this.domains.get(target)!.attached.push(ep.name);
        this.deviceDomains.set(ep.name, [target]);
      }
      if (carrier && joining.length > 0)
        this.report(
          "group-attached-whole",
          this.attachSpans.get(carrier.name) ?? carrier.span,
          `attaching '${carrier.name}' attaches ${groupText(carrier)}: ${joining.map((e) => `'${e.name}'`).join(", ")} ${joining.length === 1 ? "joins" : "join"} '${target}' too`,
        );
    }
  }

  /**
   * A device behind a TCE IOMMU translates only through DMA windows, which a container (or an
   * explicit domain) provides: there is no default domain to give it. Reported, not guessed.
   */
  private tceDeviceWithoutContainer(ep: IrEndpoint): boolean {
    const info = ep.mapper ? this.mappers.get(ep.mapper) : undefined;
    if (!info?.caps?.windows) return false;
    this.report(
      "tce-device-without-container",
      ep.span,
      `'${ep.name}' is behind the TCE IOMMU '${info.ir.name}', but ${ep.group !== undefined ? `its group ${ep.group} is in no container` : "it has no group"} and no domain attaches it`,
      {
        hint: `put its group in a container (\`container c on ${info.ir.name} : spapr-v2 { groups ${ep.group ?? "N"} ... }\`) or attach it to a domain`,
      },
    );
    return true;
  }

  /** The default domain of `ep`'s group, created on first use. */
  private defaultDomainOf(ep: IrEndpoint): string | undefined {
    const info = this.mappers.get(ep.mapper!);
    if (!info) return undefined;
    const name = defaultDomainName(ep);
    if (!this.domains.has(name)) {
      const d: IrDomain = {
        name,
        mapper: ep.mapper!,
        type: "dma",
        aperture: this.defaultAperture(info),
        reserved: this.mapperReserved(info),
        attached: [],
        implicit: true,
        span: info.ir.span,
      };
      this.domains.set(name, d);
      this.ir.domains.push(d);
    }
    return name;
  }

  // -------------------------------------------------------------------------------------------
  // Reservations (VCMM reserve / bind)

  /**
   * The device ranges top-level `map ... at ADDRESS` lines take, per domain, so placed
   * reservations go around them. A dry run of the mappings: its diagnostics are dropped, the
   * real resolution after the reservations reports them once.
   */
  private fixedMappingRanges(maps: readonly MapDecl[]): Map<string, IrRange[]> {
    const out = new Map<string, IrRange[]>();
    const mark = this.diagnostics.length;
    const ids = this.nextMappingId;
    for (const s of maps) {
      if (s.at === "auto") continue;
      const decl = this.decls.get(s.target.name.name);
      if (!decl || decl.kind === "reservation" || decl.kind === "container") continue;
      const ms = this.mapping(s);
      for (const m of ms) {
        if (m.iova === "auto" || m.target.kind !== "domain") continue;
        let list = out.get(m.target.name);
        if (!list) out.set(m.target.name, (list = []));
        list.push({ base: m.iova, size: m.source.size, space: "iova" });
      }
    }
    this.diagnostics.length = mark;
    this.nextMappingId = ids;
    return out;
  }

  private reservation(s: ReservationDecl, fixed?: Map<string, IrRange[]>): void {
    if (this.isShadowed(s)) return;
    const t = this.target(s.target);
    if (!t) return;
    const domain = t.kind === "domain" && !t.reservation ? this.domains.get(t.name) : undefined;
    if (!domain || domain.type === "identity" || domain.type === "blocked") {
      const what = t.reservation
        ? `'${s.target.name.name}' is itself a reservation`
        : domain
          ? `'${domain.name}' is ${article(domain.type)} ${domain.type} domain: it translates nothing`
          : t.kind === "direct"
            ? `'${t.name}' has no MMU: it sees physical memory as it is`
            : `'${t.name}' is a window of a container`;
      this.report(
        "reservation-target",
        s.target.span,
        `a reservation takes address space of a domain, a cpu with an MMU or a device behind an IOMMU; ${what}`,
      );
      return;
    }
    const info = this.mappers.get(domain.mapper);
    const page = info?.caps?.pageSizes[0] ?? DEFAULT_ALIGN;
    if (!s.size) {
      this.report("invalid-value", s.name.span, `reservation '${s.name.name}' needs a size`);
      return;
    }
    const size = this.num(s.size);
    let align = page;
    if (s.align) {
      const a = this.num(s.align);
      if (a === undefined) return;
      if (!isPowerOfTwo(a)) {
        this.report("invalid-value", s.align.span, `align must be a power of two, not ${hex(a)}`);
        return;
      }
      align = a > page ? a : page;
    }
    if (size === undefined) return;
    if (size === 0n || size % page !== 0n) {
      this.report(
        size === 0n ? "empty-range" : "invalid-value",
        s.size.span,
        size === 0n
          ? `reservation '${s.name.name}' has size 0`
          : `a reservation is whole pages: ${formatSize(size)} is not a multiple of ${formatSize(page)}, the smallest page size of '${domain.mapper}'`,
      );
      return;
    }
    const ap = domain.aperture;
    let base: bigint | undefined;
    if (s.at) {
      const at = this.deviceAddress(s.at, "a reservation's `at`");
      if (at === undefined) return;
      if (at % align !== 0n) {
        this.report(
          "reservation-placement",
          s.at.span,
          `${hex(at)} is not aligned to ${formatSize(align)}`,
        );
        return;
      }
      if (at < ap.base || at + size > ap.base + ap.size) {
        this.report(
          "reservation-placement",
          s.at.span,
          `${hex(at)} .. +${formatSize(size)} is outside the aperture of '${domain.name}' (${hex(ap.base)} .. +${formatSize(ap.size)})`,
        );
        return;
      }
      const clash = reservedClash(domain, at, size);
      if (clash) {
        this.report(
          "reservation-placement",
          s.at.span,
          `${hex(at)} .. +${formatSize(size)} overlaps ${clash.reservation ? `reservation '${clash.reservation}'` : `the ${clash.kind} range ${hex(clash.range.base)} .. +${formatSize(clash.range.size)}`} of '${domain.name}'`,
          { related: [{ span: clash.span, message: "declared here" }] },
        );
        return;
      }
      base = at;
    } else {
      base = placeReservation(
        domain,
        size,
        align,
        this.smallestMaskBits(domain),
        page,
        fixed?.get(domain.name) ?? [],
      );
      if (base === undefined) {
        this.report(
          "reservation-placement",
          s.span,
          `no free ${formatSize(size)} range (align ${formatSize(align)}) in the address space of '${domain.name}'`,
        );
        return;
      }
    }
    const r: IrReservation = {
      name: s.name.name,
      domain: domain.name,
      range: { base, size, space: ap.space },
      span: s.span,
    };
    domain.reserved.push({
      kind: "reserve",
      range: { base, size, space: ap.space },
      origin: "reservation",
      reservation: r.name,
      span: s.span,
    });
    this.reservations.set(r.name, r);
    this.ir.reservations.push(r);
  }

  private smallestMaskBits(d: IrDomain): number {
    let bits = 64;
    for (const name of d.attached) {
      const ep = this.endpoints.get(name);
      if (ep && ep.dmaMaskBits < bits) bits = ep.dmaMaskBits;
    }
    return bits;
  }

  // -------------------------------------------------------------------------------------------
  // Mappings, expects, scenarios

  private target(t: TargetRef): ResolvedTarget | undefined {
    const decl = this.bind(t.name, ["domain", "endpoint", "container", "reservation"]);
    if (!decl) return undefined;
    if (decl.kind === "reservation") {
      const r = this.reservations.get(t.name.name);
      if (!r) return undefined;
      if (t.member)
        return this.report("wrong-kind", t.member.span, `reservation '${r.name}' has no members`);
      return { kind: "domain", name: r.domain, space: r.range.space, reservation: r };
    }
    if (decl.kind === "container") {
      const c = this.containers.get(t.name.name);
      if (!c) return undefined;
      if (!t.member)
        return this.report(
          "wrong-kind",
          t.span,
          `map into a window of '${c.name}': write '${c.name}.WINDOW'`,
          {
            ...(c.windows[0]
              ? { hint: `windows: ${c.windows.map((w) => w.name).join(", ")}` }
              : {}),
          },
        );
      const w = c.windows.find((x) => x.name === t.member!.name);
      if (!w) {
        const hint = didYouMean(
          t.member.name,
          c.windows.map((x) => x.name),
        );
        return this.report(
          "unresolved-name",
          t.member.span,
          `container '${c.name}' has no window '${t.member.name}'`,
          hint ? { hint } : {},
        );
      }
      return { kind: "window", name: w.qualifiedName, space: "bus" };
    }
    if (t.member)
      return this.report(
        "wrong-kind",
        t.member.span,
        `'${t.name.name}' has no members; only containers have windows`,
      );
    if (decl.kind === "domain") {
      const d = this.domains.get(t.name.name);
      return d ? { kind: "domain", name: d.name, space: d.aperture.space } : undefined;
    }
    const ep = this.endpoints.get(t.name.name);
    if (!ep) return undefined;
    if (ep.domain) return { kind: "domain", name: ep.domain, space: "va" };
    if (!ep.mapper) return { kind: "direct", name: ep.name, space: "bus", busOffset: ep.busOffset };
    const doms = this.deviceDomains.get(ep.name);
    if (!doms || doms.length === 0)
      return this.report(
        "wrong-kind",
        t.span,
        `'${ep.name}' has no domain: map into the window of the container holding its group`,
      );
    return { kind: "domain", name: doms[0]!, space: "iova" };
  }

  private mapping(s: MapDecl, scenario?: string): IrMapping[] {
    const target = this.target(s.target);
    const pieces = this.memoryRef(s.source);
    let at: bigint | "auto" = "auto";
    if (s.at !== "auto") {
      const v = this.evaluator.eval(s.at);
      if (!v) return [];
      if (v.pa && target?.kind !== "direct") {
        this.report(
          "address-space-mismatch",
          s.at.span,
          `\`at\` is ${target?.space === "va" ? "a virtual" : target?.space === "bus" ? "a bus" : "an IO virtual"} address, but ${hex(v.value)} is a physical address`,
        );
        return [];
      }
      at = v.value;
    }
    if (!target || !pieces) return [];
    const reservation = target.reservation;
    if (reservation) {
      const r = reservation.range;
      if (at === "auto") at = r.base;
      else if (at < r.base || at >= r.base + r.size) {
        this.report(
          "reservation-too-small",
          s.at === "auto" ? s.span : s.at.span,
          `${hex(at)} is outside reservation '${reservation.name}' (${hex(r.base)} .. +${formatSize(r.size)})`,
          { related: [{ span: reservation.span, message: "the reservation is declared here" }] },
        );
        return [];
      }
    }
    let pageSize: bigint | undefined;
    if (s.pages) pageSize = this.num(s.pages);
    const out: IrMapping[] = [];
    let next = at;
    for (const p of pieces) {
      let iova: bigint | "auto" = "auto";
      if (target.kind === "direct") {
        const pa = p.chunks[0]?.pa ?? 0n;
        const offset = target.busOffset ?? 0n;
        if (pa < offset) {
          this.report(
            "invalid-value",
            s.source.span,
            `${hex(pa)} is below the bus offset ${hex(offset)} of '${target.name}'`,
          );
          continue;
        }
        iova = pa - offset;
        if (next !== "auto" && next !== iova) {
          this.report(
            "invalid-value",
            s.span,
            `'${target.name}' has no MMU: it sees this memory at ${hex(iova)}, not ${hex(next)}`,
          );
          continue;
        }
      } else if (next !== "auto") {
        iova = out.length === 0 ? next : alignUp(next, p.align);
        next = iova + p.size;
        if (iova + p.size - 1n > U64_MAX) {
          this.report("arithmetic-overflow", s.span, `the mapping ends past 2^64`);
          break;
        }
      }
      if (reservation && iova !== "auto") {
        const r = reservation.range;
        if (iova + p.size > r.base + r.size) {
          this.report(
            "reservation-too-small",
            s.source.span,
            `${p.buffer ? `'${p.buffer}'` : "the slice"} (${formatSize(p.size)} at ${hex(iova)}) does not fit in reservation '${reservation.name}' (${hex(r.base)} .. +${formatSize(r.size)})`,
            { related: [{ span: reservation.span, message: "the reservation is declared here" }] },
          );
          continue;
        }
      }
      const m: IrMapping = {
        id: this.nextMappingId++,
        source: { memory: p.memory, chunks: p.chunks, size: p.size },
        target: { kind: target.kind, name: target.name },
        iova,
        perms: {
          r: s.perms.includes("r"),
          w: s.perms.includes("w"),
          x: s.perms.includes("x"),
          priv: s.perms.includes("priv"),
        },
        attrs: mappingAttributes(s.attributes, this.memories.get(p.memory)?.kind),
        p2p: s.p2p,
        pin: s.pin,
        span: s.span,
      };
      if (p.buffer) m.source.buffer = p.buffer;
      if (reservation) m.reservation = reservation.name;
      if (pageSize !== undefined) m.pageSize = pageSize;
      if (scenario !== undefined) m.scenario = scenario;
      out.push(m);
    }
    return out;
  }

  private objectRef(ref: MemoryRef): IrObjectRef | undefined {
    const pieces = this.memoryRef(ref);
    if (!pieces || pieces.length === 0) return undefined;
    const buffers = pieces.flatMap((p) => (p.buffer ? [p.buffer] : []));
    return { buffers, memory: pieces[0]!.memory, chunks: pieces.flatMap((p) => p.chunks) };
  }

  private expect(s: ExpectDecl): IrExpect | undefined {
    const ep = this.bind(s.endpoint, ["endpoint"]);
    switch (s.expectation) {
      case "access": {
        const object = this.objectRef(s.object);
        if (!ep || !object) return undefined;
        return {
          endpoint: s.endpoint.name,
          expectation: { kind: "access", negated: s.negated, verb: s.verb, object },
          span: s.span,
        };
      }
      case "faults": {
        const at = this.deviceAddress(s.at, "`faults at`");
        if (!ep || at === undefined) return undefined;
        return { endpoint: s.endpoint.name, expectation: { kind: "faults", at }, span: s.span };
      }
      case "sees": {
        const object = this.objectRef(s.object);
        const at = this.deviceAddress(s.at, "`sees ... at`");
        if (!ep || !object || at === undefined) return undefined;
        return {
          endpoint: s.endpoint.name,
          expectation: { kind: "sees", object, at },
          span: s.span,
        };
      }
    }
  }

  private scenario(s: ScenarioDecl): IrScenario {
    const steps: IrScenarioStep[] = [];
    for (const step of s.steps) {
      switch (step.kind) {
        case "map":
          for (const m of this.mapping(step, s.name.name))
            steps.push({ kind: "map", mapping: m, span: step.span });
          break;
        case "expect": {
          const e = this.expect(step);
          if (e) steps.push({ kind: "expect", expect: e, span: step.span });
          break;
        }
        case "unmap": {
          const object = this.objectRef(step.source);
          const target = this.target(step.target);
          if (object && target)
            steps.push({
              kind: "unmap",
              object,
              target: {
                kind: target.kind,
                name: target.name,
                ...(target.reservation ? { reservation: target.reservation.name } : {}),
              },
              span: step.span,
            });
          break;
        }
        case "migrate": {
          const pieces = this.memoryRef(step.buffer);
          const to = this.bind(step.to, ["memory"]);
          if (!pieces || !to) break;
          const buffers = pieces.flatMap((p) => (p.buffer ? [p.buffer] : []));
          if (buffers.length === 0) {
            this.report("wrong-kind", step.buffer.span, "only buffers can migrate");
            break;
          }
          steps.push({ kind: "migrate", buffers, to: step.to.name, span: step.span });
          break;
        }
        case "revoke": {
          const region = this.revocable(step.region, "revoke");
          let dummy: string | undefined;
          if (step.dummy) {
            const pieces = this.memoryRef(step.dummy);
            if (!pieces) break;
            dummy = pieces[0]?.buffer;
          }
          if (region)
            steps.push({
              kind: "revoke",
              memory: step.region.name,
              ...(dummy ? { dummy } : {}),
              span: step.span,
            });
          break;
        }
        case "register":
        case "unregister": {
          const c = this.bind(step.container, ["container"]);
          const object = this.objectRef(step.source);
          if (!c || !object) break;
          for (const ch of object.chunks)
            steps.push({
              kind: step.kind,
              container: step.container.name,
              range: { base: ch.pa, size: ch.size, space: "pa" },
              span: step.span,
            });
          break;
        }
        case "attach": {
          const dev = this.bind(step.device, ["endpoint"]);
          const dom = this.bind(step.domain, ["domain"]);
          if (dev && dom && this.attachable(step.device, step.domain))
            steps.push({
              kind: "attach",
              device: step.device.name,
              domain: step.domain.name,
              span: step.span,
            });
          break;
        }
        case "detach":
          if (this.bind(step.device, ["endpoint"]) && this.attachable(step.device))
            steps.push({ kind: "detach", device: step.device.name, span: step.span });
          break;
        case "power-off":
          if (this.bind(step.region, ["memory"]))
            steps.push({ kind: "power-off", memory: step.region.name, span: step.span });
          break;
        case "restore":
          if (this.revocable(step.region, "restore"))
            steps.push({ kind: "restore", memory: step.region.name, span: step.span });
          break;
      }
    }
    return { name: s.name.name, steps, span: s.span };
  }

  /**
   * A scenario's `attach DEVICE to DOMAIN` / `detach DEVICE`: as `__iommu_attach_group`, a domain
   * attaches only devices of its own IOMMU (EINVAL otherwise).
   */
  private attachable(device: Identifier, domain?: Identifier): boolean {
    const ep = this.endpoints.get(device.name);
    if (!ep) return false;
    if (ep.kind !== "device" || !ep.mapper) {
      this.report(
        "attach-incompatible",
        device.span,
        `'${ep.name}' is ${ep.kind === "device" ? "a device with no IOMMU" : `a ${ep.kind}`}: only devices behind an IOMMU attach to domains (EINVAL)`,
      );
      return false;
    }
    const d = domain ? this.domains.get(domain.name) : undefined;
    if (d && d.mapper && d.mapper !== ep.mapper) {
      // Another instance may join a domain whose table it can walk (see `sharesTable`).
      const owner = this.mappers.get(d.mapper)?.ir;
      const other = this.mappers.get(ep.mapper)?.ir;
      const why = owner && other ? sharedTableMismatch(owner, other) : "";
      if (why === undefined) return true;
      this.report(
        "attach-incompatible",
        domain!.span,
        `'${d.name}' is a domain of '${d.mapper}', but '${ep.name}' is behind '${ep.mapper}' (EINVAL)${why ? `, which cannot walk its table: ${why}` : ""}`,
        { related: [{ span: d.span, message: `'${d.name}' is declared here` }] },
      );
      return false;
    }
    return true;
  }

  /**
   * The region a `revoke` or `restore` names: only an exporter's mmio is revoked (a dma-buf
   * exporter such as vfio-pci revokes its BAR; RAM moves by `migrate` instead).
   */
  private revocable(name: Identifier, verb: string): IrMemory | undefined {
    if (!this.bind(name, ["memory"])) return undefined;
    const m = this.memories.get(name.name);
    if (!m) return undefined;
    if (m.kind !== "mmio")
      return this.report(
        "revoke-not-mmio",
        name.span,
        `'${m.name}' is ${m.kind}: only an exporter's mmio (a BAR) can be ${verb === "revoke" ? "revoked" : "restored"}`,
        m.kind === "ram"
          ? { hint: "RAM moves with `migrate`; `power-off` checks nothing maps it" }
          : {},
      );
    return m;
  }

  private pushDefined<T>(list: T[], v: T | undefined): void {
    if (v !== undefined) list.push(v);
  }
}

/** The chunks covering [offset, offset + size) of a buffer made of `chunks`. */
export function sliceChunks(chunks: readonly IrChunk[], offset: bigint, size: bigint): IrChunk[] {
  const out: IrChunk[] = [];
  let skip = offset;
  let left = size;
  for (const c of chunks) {
    if (left === 0n) break;
    if (skip >= c.size) {
      skip -= c.size;
      continue;
    }
    const take = c.size - skip < left ? c.size - skip : left;
    out.push({ pa: c.pa + skip, size: take });
    left -= take;
    skip = 0n;
  }
  return out;
}
