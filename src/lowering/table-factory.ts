/**
 * The table factory: reads each mapper's capabilities and creates, through its plugin, one
 * table per translated domain (and a second for a cpu's upper half with a root of its own), one
 * per sPAPR window, each with an IOVA allocator that already avoids what no `at auto` mapping may
 * take. Then the IOMMUs' device structures are built (device-binding.ts).
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import type { IrDomain, IrTopology } from "../ir/types.js";
import type { PhysicalMemory } from "../plugin-api/physical-memory.js";
import { PoolAllocator } from "../plugin-api/pool-allocator.js";
import type { PluginParams, TableHandle, WindowGeometry } from "../plugin-api/types.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import { MAX_WINDOWS } from "../semantics/spapr.js";
import { contextHalves } from "./address-halves.js";
import {
  compiledFormat,
  type CompiledDomain,
  type CompiledHalf,
  type CompiledTable,
  type CompiledTableKind,
} from "./compiled.js";
import { bindDevices } from "./device-binding.js";
import { pluginFailure, rangeText } from "./diagnostics.js";
import { GuestAddresses } from "./guest-addresses.js";
import { ADDRESS_LIMIT, IovaAllocator } from "./iova-allocator.js";
import { LiveTables, type MapperState, type TableState } from "./live-tables.js";
import { PluginThrewError, type CallWatch } from "./plugin-guard.js";

/** One table to create. */
interface TableRequest {
  mapper: MapperState;
  name: string;
  kind: CompiledTableKind;
  /** The table input range it translates. */
  aperture: { base: bigint; size: bigint };
  span: Span;
  /** An sPAPR window's geometry (window tables only). */
  window?: WindowGeometry;
  /** A cpu context's halves this table translates: its IOVAs are then virtual addresses. */
  halves?: CompiledHalf[];
  /** Parameters other than the mapper's (an upper half's own). */
  params?: PluginParams;
  /** The id of a table programmed with another (an upper half shares its lower's). */
  domainId?: number;
  /** A nested domain's stage 1: written in guest memory, through its IPA view. */
  nested?: NestedTable;
}

/** Every table of `ir`, created and bound; errors are reported and their tables left out. */
export function buildTables(
  ir: IrTopology,
  plugins: PluginRegistry,
  watch?: CallWatch,
): { live: LiveTables; diagnostics: Diagnostic[] } {
  const live = new LiveTables(ir, plugins, watch);
  const factory = new TableFactory(live);
  factory.setUpMappers();
  factory.createDomainTables();
  factory.createWindowTables();
  bindDevices(live, factory.diagnostics);
  return { live, diagnostics: factory.diagnostics };
}

class TableFactory {
  readonly diagnostics: Diagnostic[] = [];

  constructor(private readonly live: LiveTables) {}

  setUpMappers(): void {
    const { live } = this;
    for (const m of live.ir.mappers) {
      const plugin = live.plugins.get(m.format);
      if (!plugin) {
        this.diagnostics.push(
          diagnostic(D.formatPluginMissing, m.span, { mapper: m.name, format: m.format }),
        );
        continue;
      }
      const what = `reading the capabilities of '${m.name}'`;
      live.watch?.subject?.(what, m.span);
      let caps;
      try {
        caps = plugin.capabilities(m.params);
      } catch (e) {
        this.diagnostics.push(pluginFailure(e, what, m.span));
        continue;
      }
      live.mappers.set(m.name, { ir: m, plugin, caps, nextDomainId: 1 });
      live.compiledMappers.push({
        name: m.name,
        role: m.role,
        format: m.format,
        pluginVersion: plugin.version,
        pool: m.pool,
        geometry: compiledFormat(caps),
      });
    }
  }

  private createTable(request: TableRequest): TableState | undefined {
    const { mapper, name, aperture, span, window } = request;
    if (aperture.base + aperture.size > ADDRESS_LIMIT) {
      this.diagnostics.push(
        diagnostic(D.iovaWraps.messages.table, span, {
          table: name,
          range: rangeText(aperture.base, aperture.size),
        }),
      );
      return undefined;
    }
    const pool = request.nested?.pool ?? this.live.allocators.get(mapper.ir.pool);
    if (!pool) {
      this.diagnostics.push(
        diagnostic(D.tableCreateFailed, mapper.ir.span, {
          mapper: mapper.ir.name,
          pool: mapper.ir.pool,
        }),
      );
      return undefined;
    }
    const domainId = request.domainId ?? mapper.nextDomainId++;
    const params = request.params ?? mapper.ir.params;
    const created = this.callCreate(request, pool, domainId, params);
    if (!created) return undefined;
    const { handle, registers } = created;
    const table: CompiledTable = {
      name,
      kind: request.kind,
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
    if (request.nested) table.stage2 = request.nested.parent;
    let iovas = new IovaAllocator(aperture.base, aperture.size);
    if (request.halves) {
      table.halves = request.halves;
      iovas = halvesAllocator(request.halves);
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
    if (request.nested) state.guest = request.nested.guest;
    this.live.tables.set(name, state);
    return state;
  }

  /** The plugin's `create` and `registers` for one table; undefined after reporting. */
  private callCreate(
    request: TableRequest,
    pool: PoolAllocator,
    domainId: number,
    params: PluginParams,
  ): { handle: TableHandle; registers: Record<string, bigint> } | undefined {
    const { mapper, name, aperture, span, window } = request;
    this.live.watch?.subject?.(`creating the table of '${name}'`, span);
    try {
      const memory = request.nested?.memory ?? this.live.memory;
      const handle = mapper.plugin.create(memory, pool, {
        params,
        name,
        domainId,
        aperture,
        ...(window ? { window } : {}),
      });
      return { handle, registers: mapper.plugin.registers(handle) };
    } catch (e) {
      // A window-capable format refuses a geometry with a RangeError: that is the input's fault.
      const thrown = e instanceof PluginThrewError ? e.thrown : e;
      if (mapper.caps.windows && thrown instanceof RangeError)
        this.diagnostics.push(
          diagnostic(D.windowRejected, span, {
            format: mapper.ir.format,
            window: name,
            reason: thrown.message,
          }),
        );
      else this.diagnostics.push(pluginFailure(e, `creating the table of '${name}'`, span));
      return undefined;
    }
  }

  createDomainTables(): void {
    const { live } = this;
    for (const d of live.ir.domains) {
      const mapper = live.mappers.get(d.mapper);
      const compiled: CompiledDomain = {
        name: d.name,
        mapper: d.mapper,
        type: d.type,
        implicit: d.implicit,
        aperture: { base: d.aperture.base, size: d.aperture.size },
        attached: [...d.attached],
      };
      live.compiledDomains.push(compiled);
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
      const nested = d.nested && this.nestedTable(d);
      if (d.nested && !nested) continue;
      const state = this.createTable({
        mapper,
        name: d.name,
        kind,
        aperture: tableRange,
        span: d.span,
        ...(halves ? { halves: halves.lower } : {}),
        ...(d.stage2 ? { params: { ...mapper.ir.params, stage: 2n } } : {}),
        ...(nested ? { nested } : {}),
      });
      if (!state) continue;
      compiled.table = d.name;
      if (upper?.root === "own" && halves) this.createUpperTable(mapper, d, state, halves.upper);
      this.reserveForbiddenIovas(d, state);
    }
  }

  /**
   * Where a nested domain's stage-1 tables go: its `tables` pool, which must lie in guest memory
   * of its stage-2 parent, allocated in IPAs and written through the guest's IPA view.
   */
  private nestedTable(d: IrDomain): NestedTable | undefined {
    const { parent, pool: poolName } = d.nested!;
    const guest = new GuestAddresses(this.live.ir, parent);
    const declared = this.live.ir.pools.find((p) => p.name === poolName);
    if (!declared) return undefined;
    const ipa = guest.toIpa([{ pa: declared.range.base, size: declared.range.size }]);
    if (!ipa || ipa.length !== 1) {
      this.diagnostics.push(
        diagnostic(D.stage1PoolNotGuest, d.nested!.span, {
          domain: d.name,
          pool: poolName,
          parent,
        }),
      );
      return undefined;
    }
    // Allocated in IPAs; it stands for the pool in the lowering's accounting (pool usage).
    const current = this.live.allocators.get(poolName);
    const pool =
      current && current.base === Number(ipa[0]!.pa)
        ? current
        : new PoolAllocator(poolName, ipa[0]!.pa, ipa[0]!.size);
    this.live.allocators.set(poolName, pool);
    return { parent, guest, memory: guest.view(this.live.memory), pool };
  }

  /** What no `at auto` mapping of domain `d` may get: reserved ranges, past masks, address 0. */
  private reserveForbiddenIovas(d: IrDomain, state: TableState): void {
    for (const r of d.reserved) state.iovas.reserve(r.range.base, r.range.size);
    // Auto IOVAs must be reachable by every attached device: stay below the smallest mask.
    const mask = this.smallestMaskBits(d);
    if (mask < 64) state.iovas.reserve(1n << BigInt(mask), ADDRESS_LIMIT);
    // A DMA address of 0 reads as "no address" to many drivers: never hand it out.
    state.iovas.reserve(0n, state.pageSizes[0] ?? 4096n);
  }

  /** The table of an upper half with a root of its own (AArch64 TTBR1), programmed with the lower. */
  private createUpperTable(
    mapper: MapperState,
    d: IrDomain,
    lower: TableState,
    halves: CompiledHalf[],
  ): void {
    const upper = mapper.caps.upperHalf!;
    const state = this.createTable({
      mapper,
      name: `${d.name}.upper`,
      kind: "cpu",
      aperture: { base: 0n, size: halves[0]!.size },
      span: d.span,
      halves,
      params: upper.params ?? mapper.ir.params,
      domainId: lower.table.domainId,
    });
    if (!state) return;
    this.live.upperTables.set(d.name, state);
    try {
      const registers = mapper.plugin.registers(lower.handle, state.handle);
      lower.table.context.registers = registers;
      state.table.context.registers = { ...registers };
    } catch (e) {
      this.diagnostics.push(pluginFailure(e, `programming both halves of '${d.name}'`, d.span));
    }
  }

  private smallestMaskBits(d: IrDomain): number {
    let bits = 64;
    for (const name of d.attached) {
      const ep = this.live.ir.endpoints.find((e) => e.name === name);
      if (ep && ep.dmaMaskBits < bits) bits = ep.dmaMaskBits;
    }
    return bits;
  }

  createWindowTables(): void {
    for (const c of this.live.ir.containers) {
      const mapper = this.live.mappers.get(c.mapper);
      if (!mapper) continue;
      for (const w of c.windows) {
        // Reached only when the checks saying so were turned off: never build what Linux refuses.
        const refusal = !mapper.caps.windows
          ? diagnostic(D.windowNotBuilt, w.span, { window: w.qualifiedName, mapper: c.mapper })
          : w.slot >= MAX_WINDOWS
            ? diagnostic(D.windowNotBuilt.messages.noSlot, w.span, {
                window: w.qualifiedName,
                container: c.name,
              })
            : undefined;
        if (refusal) {
          this.diagnostics.push(refusal);
          continue;
        }
        const state = this.createTable({
          mapper,
          name: w.qualifiedName,
          kind: "window",
          aperture: { base: w.range.base, size: w.range.size },
          span: w.span,
          window: {
            base: w.range.base,
            size: w.range.size,
            pageSize: w.pageSize,
            levels: w.levels,
            hostPageSize: c.hostPageSize,
          },
        });
        state?.iovas.reserve(0n, w.pageSize);
      }
    }
  }
}

/** A nested domain's stage 1, as `nestedTable` finds it. */
interface NestedTable {
  /** The stage-2 domain (and table) its IPAs go through. */
  parent: string;
  guest: GuestAddresses;
  memory: PhysicalMemory;
  /** Its pool, in IPAs. */
  pool: PoolAllocator;
}

/** An allocator over virtual addresses: free are the halves, not the table input range. */
function halvesAllocator(halves: readonly CompiledHalf[]): IovaAllocator {
  const iovas = new IovaAllocator(0n, ADDRESS_LIMIT);
  let from = 0n;
  for (const h of halves) {
    iovas.reserve(from, h.base - from);
    from = h.base + h.size;
  }
  iovas.reserve(from, ADDRESS_LIMIT - from);
  return iovas;
}
