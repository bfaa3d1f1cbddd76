/**
 * The live state of a lowering: simulated memory, pool allocators, one plugin table per domain,
 * cpu address space and sPAPR window, and an IOVA allocator per table. `lower()` builds one and
 * maps every top-level mapping; scenario steps reuse `mapMapping` / `unmapMapping` on the same
 * live handles.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import { article } from "../diagnostics/wording.js";
import { mappingLabel, mappingSource } from "../ir/mapping-text.js";
import { sharedTableMismatch } from "../ir/table-sharing.js";
import type {
  IrChunk,
  IrDomain,
  IrEndpoint,
  IrMapper,
  IrMapping,
  IrTopology,
} from "../ir/types.js";
import { PhysicalMemory } from "../plugin-api/physical-memory.js";
import { PoolAllocator } from "../plugin-api/pool-allocator.js";
import {
  ATTR_CACHEABLE,
  PROT_READ,
  PROT_WRITE,
  type Capabilities,
  type DeviceBinding,
  type InstanceHandle,
  type PluginParams,
  type TableHandle,
  type VcmPlugin,
  type WindowGeometry,
} from "../plugin-api/types.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import { contextHalves, halfAt, halvesText, tableInput } from "./address-halves.js";
import {
  compiledFormat,
  leafKey,
  type CompiledChunk,
  type CompiledHalf,
  type CompiledDomain,
  type CompiledMapper,
  type CompiledMapping,
  type CompiledPool,
  type CompiledTable,
  type CompiledTableKind,
  type CompiledTopology,
  type EndpointRoute,
} from "./compiled.js";
import { hex, loweringDiagnostic, pluginFailure } from "./diagnostics.js";
import { PluginThrewError, type CallWatch } from "./plugin-guard.js";
import { ADDRESS_LIMIT, IovaAllocator } from "./iova-allocator.js";
import { MAX_WINDOWS } from "../semantics/spapr.js";
import { planPages, type PageRun } from "./page-plan.js";
import { attrsOf, protOf } from "./protection.js";
import { requestProt } from "../plugin-api/rights.js";
import { grouped, tableBytesNeeded } from "./table-estimate.js";

interface MapperState {
  ir: IrMapper;
  plugin: VcmPlugin;
  caps: Capabilities;
  nextDomainId: number;
}

interface TableState {
  table: CompiledTable;
  handle: TableHandle;
  plugin: VcmPlugin;
  /** Page sizes a mapping may use in this table, ascending. */
  pageSizes: readonly bigint[];
  iovas: IovaAllocator;
  span: Span;
}

/** The most pages one `map` call is given (a run of more is mapped in slices). */
const PAGES_PER_CALL = 1 << 18;

/** Progress of a lowering, in 4K pages mapped out of all the top-level mappings ask for. */
export type LoweringProgress = (done: number, total: number, label: string) => void;

function rangeText(base: bigint, size: bigint): string {
  return `${hex(base)}..${hex(base + size)}`;
}

export class LoweringSession {
  readonly memory = new PhysicalMemory();
  readonly diagnostics: Diagnostic[] = [];
  private readonly allocators = new Map<string, PoolAllocator>();
  private readonly mapperStates = new Map<string, MapperState>();
  private readonly tableStates = new Map<string, TableState>();
  /** The table of a cpu context's upper half, by domain, when it has a root of its own. */
  private readonly upperStates = new Map<string, TableState>();
  private readonly instances = new Map<string, InstanceHandle>();
  private readonly compiledMappers: CompiledMapper[] = [];
  private readonly compiledDomains: CompiledDomain[] = [];
  private readonly mappings: CompiledMapping[] = [];
  private readonly domainsByName = new Map<string, IrDomain>();

  private progress: LoweringProgress | undefined;
  private pagesDone = 0;
  private pagesTotal = 0;

  constructor(
    readonly ir: IrTopology,
    private readonly plugins: PluginRegistry,
    /** Told what is being lowered (a worker's watchdog names it if a plugin call hangs). */
    private readonly watch?: CallWatch,
  ) {
    for (const pool of ir.pools) {
      this.memory.allowWrites(pool.range.base, pool.range.size);
      this.allocators.set(
        pool.name,
        new PoolAllocator(pool.name, pool.range.base, pool.range.size),
      );
    }
    for (const d of ir.domains) this.domainsByName.set(d.name, d);
    this.setUpMappers();
    this.createDomainTables();
    this.createWindowTables();
    this.bindDevices();
  }

  // -------------------------------------------------------------------------------------------
  // Set-up

  private setUpMappers(): void {
    for (const m of this.ir.mappers) {
      const plugin = this.plugins.get(m.format);
      if (!plugin) {
        this.diagnostics.push(
          loweringDiagnostic(
            "format-plugin-missing",
            `mapper '${m.name}' uses format '${m.format}', but no plugin of that name is loaded`,
            m.span,
          ),
        );
        continue;
      }
      let caps: Capabilities;
      this.watch?.subject?.(`reading the capabilities of '${m.name}'`, m.span);
      try {
        caps = plugin.capabilities(m.params);
      } catch (e) {
        this.diagnostics.push(pluginFailure(e, `reading the capabilities of '${m.name}'`, m.span));
        continue;
      }
      this.mapperStates.set(m.name, { ir: m, plugin, caps, nextDomainId: 1 });
      this.compiledMappers.push({
        name: m.name,
        role: m.role,
        format: m.format,
        pluginVersion: plugin.version,
        pool: m.pool,
        geometry: compiledFormat(caps),
      });
    }
  }

  private createTable(
    mapper: MapperState,
    name: string,
    kind: CompiledTableKind,
    aperture: { base: bigint; size: bigint },
    span: Span,
    window?: WindowGeometry,
    half?: { halves: CompiledHalf[]; params?: PluginParams; domainId?: number },
  ): TableState | undefined {
    if (aperture.base + aperture.size > ADDRESS_LIMIT) {
      this.diagnostics.push(
        loweringDiagnostic(
          "iova-wraps",
          `the range of '${name}' (${rangeText(aperture.base, aperture.size)}) runs past 2^64`,
          span,
        ),
      );
      return undefined;
    }
    const pool = this.allocators.get(mapper.ir.pool);
    if (!pool) {
      this.diagnostics.push(
        loweringDiagnostic(
          "table-create-failed",
          `mapper '${mapper.ir.name}' names pool '${mapper.ir.pool}', which does not exist`,
          mapper.ir.span,
        ),
      );
      return undefined;
    }
    const domainId = half?.domainId ?? mapper.nextDomainId++;
    const params = half?.params ?? mapper.ir.params;
    let handle: TableHandle;
    let registers: Record<string, bigint>;
    this.watch?.subject?.(`creating the table of '${name}'`, span);
    try {
      handle = mapper.plugin.create(this.memory, pool, {
        params,
        name,
        domainId,
        aperture,
        ...(window ? { window } : {}),
      });
      registers = mapper.plugin.registers(handle);
    } catch (e) {
      // A window-capable format refuses a geometry with a RangeError: that is the input's fault.
      const thrown = e instanceof PluginThrewError ? e.thrown : e;
      if (mapper.caps.windows && thrown instanceof RangeError)
        this.diagnostics.push(
          loweringDiagnostic(
            "window-rejected",
            `'${mapper.ir.format}' refuses the window of '${name}': ${thrown.message}`,
            span,
          ),
        );
      else this.diagnostics.push(pluginFailure(e, `creating the table of '${name}'`, span));
      return undefined;
    }
    const table: CompiledTable = {
      name,
      kind,
      mapper: mapper.ir.name,
      format: mapper.ir.format,
      domainId,
      context: {
        params,
        root: handle.root,
        registers,
        aperture: { base: aperture.base, size: aperture.size },
        ...(window ? { window: { ...window } } : {}),
      },
      leafCounts: {},
    };
    let iovas = new IovaAllocator(aperture.base, aperture.size);
    if (half) {
      // Allocate in virtual addresses: free are the halves, not the table input range.
      table.halves = half.halves;
      iovas = new IovaAllocator(0n, ADDRESS_LIMIT);
      let from = 0n;
      for (const h of half.halves) {
        iovas.reserve(from, h.base - from);
        from = h.base + h.size;
      }
      iovas.reserve(from, ADDRESS_LIMIT - from);
    }
    const state: TableState = {
      table,
      handle,
      plugin: mapper.plugin,
      // A windowed format translates a domain as one window of its smallest page (the default
      // window's geometry): larger pages would not fit its TCEs.
      pageSizes: window
        ? [window.pageSize]
        : mapper.caps.windows
          ? mapper.caps.pageSizes.slice(0, 1)
          : mapper.caps.pageSizes,
      iovas,
      span,
    };
    this.tableStates.set(name, state);
    return state;
  }

  private createDomainTables(): void {
    for (const d of this.ir.domains) {
      const mapper = this.mapperStates.get(d.mapper);
      const compiled: CompiledDomain = {
        name: d.name,
        mapper: d.mapper,
        type: d.type,
        implicit: d.implicit,
        aperture: { base: d.aperture.base, size: d.aperture.size },
        attached: [...d.attached],
      };
      this.compiledDomains.push(compiled);
      if (!mapper || d.type === "identity" || d.type === "blocked") continue;
      const kind = mapper.ir.role === "mmu" ? "cpu" : "domain";
      const upper = kind === "cpu" && d.upper ? mapper.caps.upperHalf : undefined;
      if (d.upper) compiled.upper = { base: d.upper.base, size: d.upper.size };
      const halves = upper && contextHalves(mapper.caps.inputBits, upper);
      // A shared table translates its whole input range; the halves say which VA is which input.
      const tableRange =
        upper?.root === "shared"
          ? { base: 0n, size: 1n << BigInt(mapper.caps.inputBits) }
          : d.aperture;
      const state = this.createTable(
        mapper,
        d.name,
        kind,
        tableRange,
        d.span,
        undefined,
        halves && { halves: halves.lower },
      );
      if (!state) continue;
      compiled.table = d.name;
      if (upper?.root === "own" && halves) this.createUpperTable(mapper, d, state, halves.upper);
      for (const r of d.reserved) state.iovas.reserve(r.range.base, r.range.size);
      // Auto IOVAs must be reachable by every attached device: stay below the smallest mask.
      const mask = this.smallestMaskBits(d);
      if (mask < 64) state.iovas.reserve(1n << BigInt(mask), ADDRESS_LIMIT);
      // A DMA address of 0 reads as "no address" to many drivers: never hand it out.
      state.iovas.reserve(0n, state.pageSizes[0] ?? 4096n);
    }
  }

  /** The table of an upper half with a root of its own (AArch64 TTBR1), programmed with the lower. */
  private createUpperTable(
    mapper: MapperState,
    d: IrDomain,
    lower: TableState,
    halves: CompiledHalf[],
  ): void {
    const upper = mapper.caps.upperHalf!;
    const size = halves[0]!.size;
    const state = this.createTable(
      mapper,
      `${d.name}.upper`,
      "cpu",
      { base: 0n, size },
      d.span,
      undefined,
      { halves, params: upper.params ?? mapper.ir.params, domainId: lower.table.domainId },
    );
    if (!state) return;
    this.upperStates.set(d.name, state);
    try {
      const registers = mapper.plugin.registers(lower.handle, state.handle);
      lower.table.context.registers = registers;
      state.table.context.registers = { ...registers };
    } catch (e) {
      this.diagnostics.push(pluginFailure(e, `programming both halves of '${d.name}'`, d.span));
    }
  }

  /** The table of `domain` holding virtual address `va` (the upper half's own, if it is there). */
  private stateAt(domain: string, va: bigint): TableState | undefined {
    const upper = this.upperStates.get(domain);
    if (upper && va >= upper.table.halves![0]!.base) return upper;
    return this.tableStates.get(domain);
  }

  private smallestMaskBits(d: IrDomain): number {
    let bits = 64;
    for (const name of d.attached) {
      const ep = this.ir.endpoints.find((e) => e.name === name);
      if (ep && ep.dmaMaskBits < bits) bits = ep.dmaMaskBits;
    }
    return bits;
  }

  private createWindowTables(): void {
    for (const c of this.ir.containers) {
      const mapper = this.mapperStates.get(c.mapper);
      if (!mapper) continue;
      for (const w of c.windows) {
        // Reached only when the checks saying so were turned off: never build what Linux refuses.
        const refusal = !mapper.caps.windows
          ? `'${c.mapper}' has no DMA windows (-ENODEV)`
          : w.slot >= MAX_WINDOWS
            ? `container '${c.name}' has no free table slot for it (-ENOSPC)`
            : undefined;
        if (refusal) {
          this.diagnostics.push(
            loweringDiagnostic(
              "window-not-built",
              `window '${w.qualifiedName}' is not built: ${refusal}`,
              w.span,
            ),
          );
          continue;
        }
        const geometry: WindowGeometry = {
          base: w.range.base,
          size: w.range.size,
          pageSize: w.pageSize,
          levels: w.levels,
          hostPageSize: c.hostPageSize,
        };
        const state = this.createTable(
          mapper,
          w.qualifiedName,
          "window",
          { base: w.range.base, size: w.range.size },
          w.span,
          geometry,
        );
        state?.iovas.reserve(0n, w.pageSize);
      }
    }
  }

  /** The domain an IOMMU-attached device is in: the one listing it, else its group's default. */
  private domainOf(ep: IrEndpoint): IrDomain | undefined {
    const listed = this.ir.domains.find((d) => d.attached.includes(ep.name));
    if (listed) return listed;
    return ep.defaultDomain ? this.domainsByName.get(ep.defaultDomain) : undefined;
  }

  private containerOf(ep: IrEndpoint) {
    if (ep.group === undefined) return undefined;
    return this.ir.containers.find((c) => c.mapper === ep.mapper && c.groups.includes(ep.group!));
  }

  private bindDevices(): void {
    for (const [name, mapper] of this.mapperStates) {
      if (mapper.ir.role !== "iommu" || !mapper.plugin.bindDevices) continue;
      const bindings: DeviceBinding[] = [];
      for (const ep of this.ir.endpoints) {
        if (ep.mapper !== name || ep.kind === "cpu" || ep.stream === undefined) continue;
        const domain = this.domainOf(ep);
        const state = domain ? this.tableStates.get(domain.name) : undefined;
        if (!state) continue;
        // Resolution refuses such attaches; an IR built elsewhere must not hand one
        // instance's plugin a table it cannot walk.
        const owner = this.mapperStates.get(domain!.mapper)?.ir;
        const why =
          owner && owner !== mapper.ir ? sharedTableMismatch(owner, mapper.ir) : undefined;
        if (why) {
          this.diagnostics.push(
            loweringDiagnostic(
              "shared-table-mismatch",
              `'${ep.name}' is behind '${name}', which cannot walk the table of '${domain!.name}': ${why}`,
              ep.span,
            ),
          );
          continue;
        }
        bindings.push({
          device: ep.name,
          stream: ep.stream,
          table: state.handle,
          domainId: state.table.domainId,
        });
      }
      const pool = this.allocators.get(mapper.ir.pool);
      if (!pool) continue;
      this.watch?.subject?.(`binding the devices of '${name}'`, mapper.ir.span);
      try {
        const bound = mapper.plugin.bindDevices(this.memory, pool, mapper.ir.params, bindings);
        this.instances.set(name, bound.handle);
        const compiled = this.compiledMappers.find((m) => m.name === name)!;
        compiled.instance = { root: bound.handle.root, registers: { ...bound.registers } };
      } catch (e) {
        this.diagnostics.push(pluginFailure(e, `binding the devices of '${name}'`, mapper.ir.span));
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Mapping

  /** Report progress to `progress` while mapping `mappings` (their sizes make the total). */
  trackProgress(progress: LoweringProgress, mappings: readonly IrMapping[]): void {
    this.progress = progress;
    let total = 0;
    for (const m of mappings) total += Number(m.source.size / 4096n);
    this.pagesTotal = total;
    this.pagesDone = 0;
  }

  private reportProgress(pageSize: bigint, count: number, what: string): void {
    if (!this.progress) return;
    this.pagesDone += Number(pageSize / 4096n) * count;
    this.progress(this.pagesDone, this.pagesTotal, what);
  }

  /**
   * Count the table pages every table needs for `mappings` and its unity ranges (a lower bound,
   * from each format's geometry) and refuse, before anything is mapped, a pool they cannot fit
   * in. Returns false after reporting. Formats without `tableGeometry` are not counted here.
   */
  checkPoolCapacity(mappings: readonly IrMapping[]): boolean {
    const needByPool = new Map<string, number>();
    const byTable = new Map<string, { fixed: PageRun[]; floating: PageRun[] }>();
    const runsOf = (name: string) => {
      let r = byTable.get(name);
      if (!r) byTable.set(name, (r = { fixed: [], floating: [] }));
      return r;
    };
    for (const d of this.ir.domains) {
      if (!this.tableStates.has(d.name)) continue;
      for (const r of d.reserved) {
        if (r.kind === "unity")
          runsOf(d.name).fixed.push(
            ...this.planned(d.name, r.range.base, [{ pa: r.range.base, size: r.range.size }]),
          );
      }
    }
    for (const m of mappings) {
      if (m.target.kind === "direct" || !this.tableStates.has(m.target.name)) continue;
      const runs = runsOf(m.target.name);
      if (m.iova === "auto") {
        for (const c of m.source.chunks)
          for (const r of this.planned(m.target.name, c.pa, [c], m.pageSize)) runs.floating.push(r);
      } else {
        for (const r of this.planned(m.target.name, m.iova, m.source.chunks, m.pageSize))
          runs.fixed.push(r);
      }
    }
    for (const [name, runs] of byTable) {
      const state = this.tableStates.get(name)!;
      if (!state.plugin.tableGeometry) continue;
      const c = state.table.context;
      let need: number;
      this.watch?.subject?.(`reading the table geometry of '${name}'`, state.span);
      try {
        const geometry = state.plugin.tableGeometry({
          params: c.params,
          aperture: c.aperture,
          ...(c.window ? { window: c.window } : {}),
        });
        need = tableBytesNeeded(geometry, runs.fixed, runs.floating);
      } catch (e) {
        this.diagnostics.push(
          pluginFailure(e, `reading the table geometry of '${name}'`, state.span),
        );
        return false;
      }
      const pool = this.mapperStates.get(state.table.mapper)!.ir.pool;
      needByPool.set(pool, (needByPool.get(pool) ?? 0) + need);
    }
    let ok = true;
    for (const [name, need] of needByPool) {
      const pool = this.allocators.get(name);
      if (!pool || need <= pool.freeBytes) continue;
      const ir = this.ir.pools.find((p) => p.name === name)!;
      const short = Math.ceil((need - pool.freeBytes) / 4096);
      this.diagnostics.push(
        loweringDiagnostic(
          "pool-exhausted",
          `pool '${name}' is too small for the tables of its mappings: they need ${grouped(Math.ceil(need / 4096))} ` +
            `4K pages of tables and ${grouped(Math.floor(pool.freeBytes / 4096))} are free, so the pool needs ` +
            `${grouped(short)} more 4K pages (${grouped(short * 4096)} bytes); nothing was mapped`,
          ir.span,
        ),
      );
      ok = false;
    }
    return ok;
  }

  /** The page runs of `chunks` placed from `iova` in table `name`; none when they cannot be planned. */
  private planned(
    name: string,
    iova: bigint,
    chunks: readonly IrChunk[],
    forced?: bigint,
  ): PageRun[] {
    const state = this.tableStates.get(name)!;
    const out: PageRun[] = [];
    let at = iova;
    for (const c of chunks) {
      const plan = planPages(at, c.pa, c.size, state.pageSizes, forced);
      if (!Array.isArray(plan)) return [];
      for (const run of plan) out.push(run);
      at += c.size;
    }
    return out;
  }

  /** Reserve the IOVA ranges of fixed (`at 0x...`) mappings, so auto ones avoid them. */
  reserveFixed(mappings: readonly IrMapping[]): void {
    for (const m of mappings) {
      if (m.iova === "auto" || m.target.kind === "direct") continue;
      this.stateAt(m.target.name, m.iova)?.iovas.reserve(m.iova, m.source.size);
    }
  }

  /** Identity-map every unity reserved range (rw) of every translated domain. */
  mapUnityRanges(): void {
    let next = -1;
    for (const d of this.ir.domains) {
      const state = this.tableStates.get(d.name);
      if (!state) continue;
      for (const r of d.reserved) {
        if (r.kind !== "unity") continue;
        const id = next--;
        const chunk: IrChunk = { pa: r.range.base, size: r.range.size };
        const before = this.diagnostics.length;
        const record = this.mapChunks(
          state,
          id,
          { kind: "domain", name: d.name },
          r.range.base,
          false,
          [chunk],
          PROT_READ | PROT_WRITE,
          ATTR_CACHEABLE,
          undefined,
          r.span,
          `the unity range ${rangeText(r.range.base, r.range.size)} of '${d.name}'`,
        );
        for (const diag of this.diagnostics.slice(before)) {
          if (diag.check === "mapping-refused" || diag.check === "mapping-unaligned") {
            const def = loweringDiagnostic("unity-map-failed", diag.message, diag.span);
            Object.assign(diag, def);
          }
        }
        if (record) {
          record.unity = true;
          record.memory = "";
          this.mappings.push(record);
        }
      }
    }
  }

  /**
   * Map one IR mapping into its live table (allocating its IOVA when `at auto`). Returns the
   * record, or undefined after reporting diagnostics (the table is left as it was).
   */
  mapMapping(m: IrMapping): CompiledMapping | undefined {
    const prot = protOf(m.perms);
    const attrs = attrsOf(m.attrs);
    const chunks = m.source.chunks;
    if (m.target.kind === "direct") return this.mapDirect(m, prot, attrs);
    let state = this.tableStates.get(m.target.name);
    if (!state) {
      const domain = this.domainsByName.get(m.target.name);
      if (domain && (domain.type === "identity" || domain.type === "blocked")) {
        this.diagnostics.push(
          loweringDiagnostic(
            "mapping-into-untranslated-domain",
            `${mappingLabel(m)} targets '${domain.name}', ${article(domain.type)} ${domain.type} domain with no table`,
            m.span,
          ),
        );
      } else if (!domain || this.mapperStates.has(domain.mapper)) {
        this.diagnostics.push(
          loweringDiagnostic(
            "unknown-mapping-target",
            `${mappingLabel(m)} targets ${m.target.kind} '${m.target.name}', which has no table`,
            m.span,
          ),
        );
      }
      return undefined;
    }
    // An execute-only request is read+execute on a format that cannot express it.
    const caps = this.mapperStates.get(state.table.mapper)?.caps;
    const requested = caps ? requestProt(prot, caps) : prot;
    let iova: bigint;
    const auto = m.iova === "auto";
    if (m.iova === "auto") {
      let found = this.tryAllocateIova(state, m, chunks);
      // A cpu context fills its lower half first, then its upper half's own table.
      const upper = this.upperStates.get(m.target.name);
      if (found === undefined && upper) {
        found = this.tryAllocateIova(upper, m, chunks);
        if (found !== undefined) state = upper;
      }
      if (found === undefined) {
        this.diagnostics.push(
          loweringDiagnostic(
            "iova-space-exhausted",
            `no IOVA space in domain '${state.table.name}' for ${m.source.size} bytes ` +
              `(${hex(m.source.size)}) for ${mappingLabel(m)}; ${state.iovas.freeBytes} bytes are free ` +
              `but not in one aligned range`,
            m.span,
          ),
        );
        return undefined;
      }
      iova = found;
    } else {
      iova = m.iova;
      if (iova + m.source.size > ADDRESS_LIMIT) {
        this.diagnostics.push(
          loweringDiagnostic(
            "iova-wraps",
            `${mappingLabel(m)} at ${hex(iova)} for ${hex(m.source.size)} bytes runs past 2^64`,
            m.span,
          ),
        );
        return undefined;
      }
      state = this.stateAt(m.target.name, iova) ?? state;
      const halves = state.table.halves;
      if (halves && !halfAt(halves, iova, m.source.size)) {
        this.diagnostics.push(
          loweringDiagnostic(
            "address-outside-halves",
            `mapping #${m.id} at ${hex(iova)} for ${hex(m.source.size)} bytes is in neither half ` +
              `of '${m.target.name}' (${halvesText(this.halvesOf(m.target.name))})`,
            m.span,
          ),
        );
        return undefined;
      }
    }
    const record = this.mapChunks(
      state,
      m.id,
      m.target,
      iova,
      auto,
      chunks,
      requested,
      attrs,
      m.pageSize,
      m.span,
      `mapping ${mappingSource(m)} into '${state.table.name}'`,
    );
    if (!record) {
      if (auto) state.iovas.release(iova, m.source.size);
      return undefined;
    }
    record.memory = m.source.memory;
    if (m.source.buffer !== undefined) record.buffer = m.source.buffer;
    this.mappings.push(record);
    return record;
  }

  /** Every half of a cpu context, over its tables. */
  private halvesOf(domain: string): CompiledHalf[] {
    return [
      ...(this.tableStates.get(domain)?.table.halves ?? []),
      ...(this.upperStates.get(domain)?.table.halves ?? []),
    ];
  }

  private tryAllocateIova(
    state: TableState,
    m: IrMapping,
    chunks: readonly IrChunk[],
  ): bigint | undefined {
    const sizes = m.pageSize !== undefined ? [m.pageSize] : state.pageSizes;
    const first = chunks[0];
    const anchor = first?.pa ?? 0n;
    const limit = first?.size ?? m.source.size;
    // Congruent to the PA modulo the largest page the first chunk could hold; fall back to
    // smaller alignments before giving up, so a fragmented space is still used.
    const candidates = sizes.filter((s) => s <= limit).reverse();
    if (candidates.length === 0) candidates.push(sizes[0] ?? 4096n);
    for (const align of candidates) {
      const x = state.iovas.allocate(m.source.size, align, anchor);
      if (x !== undefined) return x;
    }
    return undefined;
  }

  private mapDirect(m: IrMapping, prot: number, attrs: number): CompiledMapping | undefined {
    const ep = this.ir.endpoints.find((e) => e.name === m.target.name);
    if (!ep) {
      this.diagnostics.push(
        loweringDiagnostic(
          "unknown-mapping-target",
          `${mappingLabel(m)} targets endpoint '${m.target.name}', which does not exist`,
          m.span,
        ),
      );
      return undefined;
    }
    const chunks: CompiledChunk[] = [];
    for (const c of m.source.chunks) {
      const bus = c.pa - ep.busOffset;
      if (bus < 0n || bus + c.size > ADDRESS_LIMIT) {
        this.diagnostics.push(
          loweringDiagnostic(
            "iova-wraps",
            `'${ep.name}' would see ${hex(c.pa)} at bus address ${bus < 0n ? "-" : ""}` +
              `${hex(bus < 0n ? -bus : bus)}, outside the 64-bit address space`,
            m.span,
          ),
        );
        return undefined;
      }
      chunks.push({ iova: bus, pa: c.pa, size: c.size, runs: [] });
    }
    const record: CompiledMapping = {
      id: m.id,
      target: { ...m.target },
      iova: m.iova === "auto" ? (chunks[0]?.iova ?? 0n) : m.iova,
      size: m.source.size,
      autoIova: m.iova === "auto",
      chunks,
      prot,
      attrs,
      leafCounts: {},
      memory: m.source.memory,
    };
    if (m.source.buffer !== undefined) record.buffer = m.source.buffer;
    this.mappings.push(record);
    return record;
  }

  /** Plan and map every chunk at consecutive IOVAs; on any failure undo what was mapped. */
  private mapChunks(
    state: TableState,
    id: number,
    target: { kind: "domain" | "window" | "direct"; name: string },
    iova: bigint,
    autoIova: boolean,
    chunks: readonly IrChunk[],
    prot: number,
    attrs: number,
    forced: bigint | undefined,
    span: Span,
    what: string,
  ): CompiledMapping | undefined {
    const planned: CompiledChunk[] = [];
    let at = iova;
    for (const c of chunks) {
      const plan = planPages(at, c.pa, c.size, state.pageSizes, forced);
      if (!Array.isArray(plan)) {
        this.diagnostics.push(
          plan.kind === "unsupported-size"
            ? loweringDiagnostic(
                "page-size-unsupported",
                `${what} asks for pages of ${hex(plan.pageSize)} bytes; format ` +
                  `'${state.table.format}' supports ${state.pageSizes.map(hex).join(", ")}`,
                span,
              )
            : loweringDiagnostic(
                "mapping-unaligned",
                `${what}: IOVA ${hex(at)}, PA ${hex(c.pa)} and size ${hex(c.size)} must all be ` +
                  `multiples of the ${hex(plan.smallest)}-byte page`,
                span,
              ),
        );
        return undefined;
      }
      planned.push({ iova: at, pa: c.pa, size: c.size, runs: plan });
      at += c.size;
    }
    const done: PageRun[] = [];
    this.watch?.subject?.(what, span);
    try {
      for (const chunk of planned) {
        for (const run of chunk.runs) {
          // Long runs go in slices, so a progress bar moves and a watchdog sees calls end.
          for (let first = 0; first < run.count; first += PAGES_PER_CALL) {
            const count = Math.min(PAGES_PER_CALL, run.count - first);
            const offset = run.pageSize * BigInt(first);
            const slice = {
              iova: run.iova + offset,
              pa: run.pa + offset,
              pageSize: run.pageSize,
              count,
            };
            const input = tableInput(state.table, slice.iova);
            state.plugin.map(state.handle, input, slice.pa, run.pageSize, count, prot, attrs);
            done.push(slice);
            this.reportProgress(run.pageSize, count, what);
          }
        }
      }
    } catch (e) {
      this.diagnostics.push(pluginFailure(e, what, span));
      for (const run of done) {
        try {
          const input = tableInput(state.table, run.iova);
          state.plugin.unmap(state.handle, input, run.pageSize * BigInt(run.count));
        } catch {
          // Best effort: the compile already failed; a scenario reports the first error.
        }
      }
      return undefined;
    }
    const leafCounts: Record<string, number> = {};
    for (const chunk of planned) {
      for (const run of chunk.runs) {
        const key = leafKey(run.pageSize);
        leafCounts[key] = (leafCounts[key] ?? 0) + run.count;
        state.table.leafCounts[key] = (state.table.leafCounts[key] ?? 0) + run.count;
      }
    }
    let size = 0n;
    for (const c of chunks) size += c.size;
    return {
      id,
      target: { ...target },
      table: state.table.name,
      iova,
      size,
      autoIova,
      chunks: planned,
      prot,
      attrs,
      leafCounts,
      memory: "",
    };
  }

  /**
   * Undo a mapping made by `mapMapping`: unmap it from its table, give an auto IOVA back to the
   * allocator and drop its leaves from the table's footprint.
   */
  unmapMapping(record: CompiledMapping, span?: Span): boolean {
    const index = this.mappings.indexOf(record);
    if (record.table === undefined) {
      if (index >= 0) this.mappings.splice(index, 1);
      return true;
    }
    const state = this.tableStates.get(record.table);
    if (!state) return false;
    const what = `unmapping ${record.buffer ?? record.memory} from '${record.table}'`;
    this.watch?.subject?.(what, span);
    try {
      for (const c of record.chunks)
        state.plugin.unmap(state.handle, tableInput(state.table, c.iova), c.size);
    } catch (e) {
      this.diagnostics.push(pluginFailure(e, what, span));
      return false;
    }
    for (const [key, n] of Object.entries(record.leafCounts)) {
      const left = (state.table.leafCounts[key] ?? 0) - n;
      if (left > 0) state.table.leafCounts[key] = left;
      else delete state.table.leafCounts[key];
    }
    if (record.autoIova) state.iovas.release(record.iova, record.size);
    if (index >= 0) this.mappings.splice(index, 1);
    return true;
  }

  /** The mappings currently live, in the order they were made (for scenario `unmap` steps). */
  records(): readonly CompiledMapping[] {
    return this.mappings;
  }

  // -------------------------------------------------------------------------------------------
  // Result

  private routes(): EndpointRoute[] {
    const routes: EndpointRoute[] = [];
    for (const ep of this.ir.endpoints) {
      if (ep.mapper === undefined) {
        routes.push({
          endpoint: ep.name,
          kind: "direct",
          busOffset: ep.busOffset,
          dmaMaskBits: ep.dmaMaskBits,
        });
        continue;
      }
      const mapper = ep.mapper;
      if (ep.kind === "cpu") {
        const table = ep.domain ?? ep.name;
        const upper = this.upperStates.get(table)?.table.name;
        routes.push({
          endpoint: ep.name,
          kind: "table",
          mapper,
          table,
          ...(upper ? { upper } : {}),
        });
        continue;
      }
      const container = this.containerOf(ep);
      if (container) {
        routes.push({
          endpoint: ep.name,
          kind: "windows",
          mapper,
          container: container.name,
          tables: container.windows.map((w) => w.qualifiedName),
        });
        continue;
      }
      const domain = this.domainOf(ep);
      if (!domain) {
        routes.push({ endpoint: ep.name, kind: "unattached", mapper });
      } else if (domain.type === "identity") {
        routes.push({
          endpoint: ep.name,
          kind: "identity",
          mapper,
          domain: domain.name,
          aperture: { base: domain.aperture.base, size: domain.aperture.size },
        });
      } else if (domain.type === "blocked") {
        routes.push({ endpoint: ep.name, kind: "blocked", mapper, domain: domain.name });
      } else {
        routes.push({
          endpoint: ep.name,
          kind: "iommu",
          mapper,
          ...(ep.stream !== undefined ? { stream: ep.stream } : {}),
          domain: domain.name,
          table: domain.name,
        });
      }
    }
    return routes;
  }

  /** The compiled topology as it stands (live handles included). */
  result(): CompiledTopology {
    const pools: CompiledPool[] = this.ir.pools.map((p) => ({
      name: p.name,
      memory: p.memory,
      base: p.range.base,
      size: p.range.size,
      usedBytes: this.allocators.get(p.name)!.usedBytes,
    }));
    const handles = new Map<string, TableHandle>();
    for (const [name, s] of this.tableStates) handles.set(name, s.handle);
    return {
      ir: this.ir,
      plugins: this.plugins,
      memory: this.memory,
      pools,
      mappers: this.compiledMappers,
      domains: this.compiledDomains,
      tables: [...this.tableStates.values()].map((s) => s.table),
      mappings: [...this.mappings].sort((a, b) => a.id - b.id),
      endpoints: this.routes(),
      live: { handles, instances: this.instances, allocators: this.allocators },
    };
  }
}
