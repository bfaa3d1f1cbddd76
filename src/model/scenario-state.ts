/**
 * The scenario model: a simulator of the system's state over a scenario's steps. It starts from
 * a fresh lowering of the base state (so live plugin handles exist) and applies each step on the
 * real tables, as the kernel would: map and unmap through the lowering's mapper, migrate,
 * revoke (with a dummy page), restore, sPAPR registrations, attach and detach (whole groups,
 * device structures rebuilt). It proves nothing: after each step the runtime proves `view()`
 * from its bytes, and checks from bytes what `StepOutcome.mustNotReach` names.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { IrChunk, IrMapping, IrScenarioStep, IrTopology } from "../ir/types.js";
import { tableInput } from "../lowering/address-halves.js";
import type { CompiledMapper, CompiledMapping, EndpointRoute } from "../lowering/compiled.js";
import { hex as hexOf } from "../diagnostics/format.js";
import { lower } from "../lowering/lower.js";
import type { LiveTables } from "../lowering/live-tables.js";
import { mapMapping, unmapMapping } from "../lowering/map-mapping.js";
import { routeTo } from "../lowering/routes.js";
import type { DeviceBinding, UntranslatedBinding } from "../plugin-api/types.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import { groupMembers, groupText, groupTransition } from "../semantics/groups.js";
import { D } from "../diagnostics/catalogue.js";
import { refusal, type FailureDetail, type FailureOut, type Refusal } from "./failure-out.js";
import { irMappingsById, mappingSource } from "./mapping-index.js";
import { chunksOf, objectText } from "./object-ref.js";
import { findPlacement, type PaRange } from "./placement.js";
import { importerBlocksRevoke, reportNoMmuImporter } from "./revoke.js";
import { checkWindowMapping, containerOfWindow, SpaprState } from "./spapr-state.js";
import { clipToStage2, isStage2, nestedOn, unmapFromStage2 } from "./stage2-state.js";
import type { SystemState } from "./system-state.js";

type Step<K extends IrScenarioStep["kind"]> = Extract<IrScenarioStep, { kind: K }>;

/** Physical pages [first, end): after the step, no endpoint may reach them. */
export interface PageRange {
  first: number;
  end: number;
}

/** What a step asks the runtime to check from the bytes, beyond re-proving what it changed. */
export interface StepOutcome {
  mustNotReach: PageRange[];
}

const NOTHING: StepOutcome = { mustNotReach: [] };

const pagesOf = (pa: bigint, size: bigint): PageRange => ({
  first: Number(pa >> 12n),
  end: Number((pa + size + 4095n) >> 12n),
});

export class ScenarioState {
  readonly records: CompiledMapping[];
  readonly routes: EndpointRoute[];
  readonly mappers: CompiledMapper[];
  /** Current chunks of buffers a `migrate` moved. */
  readonly bufferChunks = new Map<string, IrChunk[]>();
  readonly spapr: SpaprState;
  /** Records mapped by the model itself (dummy pages), unknown to the lowering. */
  private readonly ownRecords = new Set<CompiledMapping>();
  /** Regions revoked by their exporter and not yet restored. */
  readonly revoked = new Set<string>();
  touchedTables = new Set<string>();
  touchedEndpoints = new Set<string>();
  notes: string[] = [];

  /** The base state lowered afresh, or the lowering's diagnostics. */
  static start(
    ir: IrTopology,
    plugins: PluginRegistry,
    sink: FailureOut,
  ): ScenarioState | { diagnostics: Diagnostic[] } {
    const lowered = lower(ir, plugins);
    if (!lowered.compiled || !lowered.live) return { diagnostics: lowered.diagnostics };
    return new ScenarioState(ir, lowered.compiled, lowered.live, sink);
  }

  private constructor(
    readonly ir: IrTopology,
    private readonly base: SystemState & { mappings: readonly CompiledMapping[] },
    private readonly live: LiveTables,
    private readonly sink: FailureOut,
  ) {
    this.records = [...base.mappings];
    this.routes = base.endpoints.map((r) => ({ ...r }));
    this.mappers = live.compiledMappers.map((m) => ({ ...m }));
    this.spapr = new SpaprState(ir);
  }

  /** The state to prove now. */
  view(): SystemState {
    return {
      ...this.base,
      // A nested domain is meant to reach only what its stage 2 still maps.
      mappings: clipToStage2(this.ir, this.records),
      endpoints: this.routes,
      mappers: this.mappers,
    };
  }

  /** Start a step: nothing touched, no notes. */
  beginStep(): void {
    this.touchedTables = new Set();
    this.touchedEndpoints = new Set();
    this.notes = [];
  }

  /** Endpoints the step changed: they route through a touched table, or were touched. */
  affected(): Set<string> {
    const out = new Set(this.touchedEndpoints);
    for (const r of this.routes) {
      const tables =
        r.kind === "table"
          ? [r.table, ...(r.upper ? [r.upper] : [])]
          : r.kind === "iommu"
            ? [r.table]
            : r.kind === "windows"
              ? r.tables
              : [];
      if (tables.some((t) => this.touchedTables.has(t))) out.add(r.endpoint);
    }
    return out;
  }

  /** Apply one step (an `expect` is the runtime's: it changes nothing). */
  apply(step: IrScenarioStep): StepOutcome {
    switch (step.kind) {
      case "map":
        this.map(step);
        return NOTHING;
      case "unmap":
        if (isStage2(this.ir, step.target.name)) return this.unmapStage2(step);
        this.unmap(step);
        return NOTHING;
      case "migrate":
        return this.migrate(step);
      case "revoke":
        return this.revoke(step);
      case "register":
      case "unregister":
        this.registration(step);
        return NOTHING;
      case "attach":
      case "detach":
        this.attachment(step);
        return NOTHING;
      case "power-off":
        return this.powerOff(step);
      case "restore":
        this.restore(step);
        return NOTHING;
      case "expect":
        return NOTHING;
    }
  }

  /** The step fails: `why` is reported at it, its text as what was found. */
  private fail(why: Refusal, step: IrScenarioStep, extra: Partial<FailureDetail> = {}): void {
    why.send(this.sink, {
      expected: "the step to succeed",
      found: why.text,
      span: step.span,
      ...extra,
    });
  }

  /** Lowering diagnostics of a step become its failures; true when none is an error. */
  private lowered(diagnostics: readonly Diagnostic[], step: IrScenarioStep): boolean {
    for (const d of diagnostics)
      if (d.severity === "error")
        this.fail(refusal(D.scenarioStepFailed, { check: d.check, problem: d.message }), step);
    return diagnostics.every((d) => d.severity !== "error");
  }

  /** Map `m` through the lowering; the record, or undefined after reporting. */
  private mapThrough(m: IrMapping, step: IrScenarioStep): CompiledMapping | undefined {
    const result = mapMapping(this.live, m);
    if (!result.ok) {
      this.lowered(result.diagnostics, step);
      return undefined;
    }
    this.records.push(result.record);
    this.touch(result.record);
    return result.record;
  }

  private drop(record: CompiledMapping, step: IrScenarioStep): boolean {
    if (this.ownRecords.has(record)) {
      const state = this.live.tables.get(record.table!);
      if (state)
        for (const c of record.chunks)
          state.plugin.unmap(state.handle, tableInput(state.table, c.iova), c.size);
      this.ownRecords.delete(record);
    } else {
      const result = unmapMapping(this.live, record, step.span);
      if (!result.ok) {
        this.lowered(result.diagnostics, step);
        return false;
      }
    }
    this.records.splice(this.records.indexOf(record), 1);
    this.touch(record);
    return true;
  }

  private touch(record: CompiledMapping): void {
    if (record.table !== undefined) this.touchedTables.add(record.table);
    else this.touchedEndpoints.add(record.target.name);
  }

  private map(step: Step<"map">): void {
    const m = step.mapping;
    if (this.revoked.has(m.source.memory)) {
      // As vfio_pci_dma_buf_attach / _map: a revoked exporter refuses importers (-ENODEV).
      this.fail(refusal(D.mapRevoked, { memory: m.source.memory }), step);
      return;
    }
    if (m.target.kind === "window") {
      const chunks = m.source.chunks.map((x) => ({ iova: 0n, pa: x.pa, size: x.size }));
      const placed = { id: m.id, chunks, target: m.target };
      const label = `the mapping of ${mappingSource(m)}`;
      if (!checkWindowMapping(this.spapr, placed, this.sink, step.span, label)) return;
    }
    this.dropDummiesUnder(m, step);
    this.mapThrough(m, step);
  }

  /**
   * A re-import after `restore` replaces the dummy page the revoke left at its addresses, as the
   * importer's own mapping is rebuilt after `move_notify`.
   */
  private dropDummiesUnder(m: IrMapping, step: IrScenarioStep): void {
    if (m.iova === "auto") return;
    const start = m.iova;
    const end = m.iova + m.source.size;
    for (const r of [...this.ownRecords]) {
      if (r.target.name !== m.target.name) continue;
      if (r.chunks.some((c) => c.iova < end && start < c.iova + c.size)) this.drop(r, step);
    }
  }

  private unmap(step: Step<"unmap">): void {
    const chunks = chunksOf(step.object, this.bufferChunks);
    const byId = irMappingsById(this.ir);
    const reservation = step.target.reservation;
    const matches = this.records.filter((r) => {
      if (r.target.name !== step.target.name || r.unity) return false;
      if (reservation !== undefined && byId.get(r.id)?.reservation !== reservation) return false;
      if (step.object.buffers.length > 0)
        return r.buffer !== undefined && step.object.buffers.includes(r.buffer);
      return r.chunks.some((rc) =>
        chunks.some((c) => rc.pa < c.pa + c.size && c.pa < rc.pa + rc.size),
      );
    });
    if (matches.length === 0) {
      const target = reservation ?? step.target.name;
      const object = objectText(step.object);
      this.fail(refusal(D.scenarioStepFailed.messages.nothingMapped, { object, target }), step);
      return;
    }
    for (const r of matches) this.drop(r, step);
  }

  /**
   * The host takes guest memory back from a VM's stage 2 (stage2-state.ts): the guest's stage 1
   * still maps it, so its devices must now fault there and reach none of those pages.
   */
  private unmapStage2(step: Step<"unmap">): StepOutcome {
    const domain = step.target.name;
    const result = unmapFromStage2(
      this.live,
      this.records,
      domain,
      chunksOf(step.object, this.bufferChunks),
    );
    if (result.removed.length === 0) {
      const object = objectText(step.object);
      this.fail(
        refusal(D.scenarioStepFailed.messages.nothingMapped, { object, target: domain }),
        step,
      );
      return NOTHING;
    }
    this.touchedTables.add(domain);
    for (const n of nestedOn(this.ir, domain)) this.touchedTables.add(n);
    return { mustNotReach: result.removed.map((c) => pagesOf(c.pa, c.size)) };
  }

  private occupied(): PaRange[] {
    const out: PaRange[] = [];
    for (const b of this.ir.buffers)
      for (const c of this.bufferChunks.get(b.name) ?? b.chunks) out.push(c);
    for (const p of this.ir.pools) out.push({ pa: p.range.base, size: p.range.size });
    for (const r of this.records) for (const c of r.chunks) out.push(c);
    return out;
  }

  /** Move buffers to a region; their old frames must not be reached afterwards. */
  private migrate(step: Step<"migrate">): StepOutcome {
    const region = this.ir.memories.find((m) => m.name === step.to);
    if (!region) {
      this.fail(refusal(D.scenarioStepFailed.messages.noRegion, { region: step.to }), step);
      return NOTHING;
    }
    const old: IrChunk[] = [];
    for (const name of step.buffers) {
      const buffer = this.ir.buffers.find((b) => b.name === name);
      if (!buffer) {
        this.fail(refusal(D.scenarioStepFailed.messages.noBuffer, { buffer: name }), step);
        continue;
      }
      const space = { pa: region.range.base, size: region.range.size };
      const at = findPlacement(space, buffer.size, buffer.align, this.occupied());
      if (at === undefined) {
        const args = { size: hexOf(buffer.size), region: step.to, buffer: name };
        this.fail(refusal(D.scenarioStepFailed.messages.noRoom, args), step);
        continue;
      }
      const before = this.bufferChunks.get(name) ?? buffer.chunks;
      for (const c of before) old.push(c);
      const moved: IrChunk[] = [{ pa: at, size: buffer.size }];
      this.bufferChunks.set(name, moved);
      this.notes.push(`${name}: ${hexOf(before[0]?.pa ?? 0n)} -> ${hexOf(at)} in ${step.to}`);
      // Every mapper of the buffer: unmap, then map the new frames at the same address.
      for (const r of this.records.filter((x) => x.buffer === name)) {
        const irMapping = this.ir.mappings.find((m) => m.id === r.id);
        if (!irMapping || !this.drop(r, step)) continue;
        this.mapThrough(
          {
            ...irMapping,
            source: { ...irMapping.source, memory: step.to, chunks: moved },
            iova: r.target.kind === "direct" ? "auto" : r.iova,
          },
          step,
        );
      }
    }
    return { mustNotReach: old.map((c) => pagesOf(c.pa, c.size)) };
  }

  /** The exporter revokes its BAR: importers are unmapped (or pointed at a dummy page). */
  private revoke(step: Step<"revoke">): StepOutcome {
    const region = this.ir.memories.find((m) => m.name === step.memory);
    if (!region) {
      this.fail(refusal(D.scenarioStepFailed.messages.noRegion, { region: step.memory }), step);
      return NOTHING;
    }
    if (this.revoked.has(step.memory)) {
      this.notes.push(`${step.memory} is already revoked`);
      return NOTHING;
    }
    const all = this.records.filter(
      (r) => r.memory === step.memory && !r.unity && !this.ownRecords.has(r),
    );
    const blocked = importerBlocksRevoke(this.ir, this.routes, all, step.memory);
    if (blocked) {
      this.fail(blocked, step);
      return NOTHING;
    }
    this.revoked.add(step.memory);
    // A no-MMU engine reaches the BAR by bus address: no table can make it fault.
    for (const r of all) if (r.target.kind === "direct") reportNoMmuImporter(this.sink, r, step);
    const importers = all.filter((r) => r.target.kind !== "direct");
    const dummy = step.dummy ? this.ir.buffers.find((b) => b.name === step.dummy) : undefined;
    const dummyPa = dummy ? (this.bufferChunks.get(dummy.name) ?? dummy.chunks)[0]?.pa : undefined;
    for (const r of importers) {
      if (!this.drop(r, step)) continue;
      if (dummy && dummyPa !== undefined) this.mapDummy(r, dummy, dummyPa, step);
    }
    this.notes.push(`${importers.length} importer mapping(s) of ${step.memory} revoked`);
    return { mustNotReach: [pagesOf(region.range.base, region.range.size)] };
  }

  /** Point a revoked importer's addresses at the dummy page, one smallest page at a time. */
  private mapDummy(
    r: CompiledMapping,
    dummy: { name: string; memory: string },
    dummyPa: bigint,
    step: IrScenarioStep,
  ): void {
    const state = r.table === undefined ? undefined : this.live.tables.get(r.table);
    if (!state) return;
    const t = state.table;
    const caps = state.plugin.capabilities(t.context.params);
    const page = t.context.window?.pageSize ?? caps.pageSizes[0] ?? 4096n;
    const chunks: CompiledMapping["chunks"] = [];
    try {
      for (const c of r.chunks) {
        for (let off = 0n; off < c.size; off += page) {
          const input = tableInput(t, c.iova + off);
          state.plugin.map(state.handle, input, dummyPa, page, 1, r.prot, r.attrs);
          chunks.push({ iova: c.iova + off, pa: dummyPa, size: page, runs: [] });
        }
      }
    } catch (e) {
      const problem = e instanceof Error ? e.message : String(e);
      this.fail(refusal(D.scenarioStepFailed.messages.dummyPage, { problem }), step);
    }
    const record: CompiledMapping = {
      ...r,
      chunks,
      leafCounts: {},
      memory: dummy.memory,
      buffer: dummy.name,
    };
    this.records.push(record);
    this.ownRecords.add(record);
    this.touch(record);
  }

  /** The exporter takes its BAR back (vfio_pci_dma_buf_move with revoked = false). */
  private restore(step: Step<"restore">): void {
    if (this.revoked.delete(step.memory))
      this.notes.push(`${step.memory} restored: importers may map it again`);
    else this.notes.push(`${step.memory} was not revoked: nothing to restore`);
  }

  /** A region loses power: nothing may reach it any more. */
  private powerOff(step: Step<"power-off">): StepOutcome {
    const region = this.ir.memories.find((m) => m.name === step.memory);
    if (!region) {
      this.fail(refusal(D.scenarioStepFailed.messages.noRegion, { region: step.memory }), step);
      return NOTHING;
    }
    return { mustNotReach: [pagesOf(region.range.base, region.range.size)] };
  }

  private registration(step: Step<"register" | "unregister">): void {
    let result;
    if (step.kind === "register") {
      result = this.spapr.register(step.container, step.range);
    } else {
      // The mm's regions serve every container of the owner: any of their TCEs keeps one busy.
      const owner = this.spapr.container(step.container)?.owner;
      const mapped: IrChunk[] = [];
      for (const r of this.records) {
        if (r.target.kind !== "window") continue;
        if (containerOfWindow(this.ir.containers, r.target.name)?.owner !== owner) continue;
        for (const c of r.chunks) mapped.push(c);
      }
      result = this.spapr.unregister(step.container, step.range, mapped);
    }
    if (result.ok) this.notes.push(result.note);
    else this.fail(result, step);
  }

  /**
   * `attach D to DOM` / `detach D`, as `iommu_attach_group` / `iommu_detach_group`: the whole
   * group of D moves. An attach is refused (EBUSY) while the group is in a domain other than its
   * default or a blocked one; a detach returns the group to its default domain.
   */
  private attachment(step: Step<"attach" | "detach">): void {
    const ep = this.ir.endpoints.find((e) => e.name === step.device);
    const current = this.routes.find((r) => r.endpoint === step.device);
    if (!current || !ep?.mapper)
      return this.fail(
        refusal(D.scenarioStepFailed.messages.notBehindIommu, { device: step.device }),
        step,
      );
    const mapper = ep.mapper;
    // Leaving an sPAPR container first (the last group of a mapped container cannot leave);
    // for a `detach`, that is all there is (a container group has no default domain).
    if (current.kind === "windows") {
      if (!this.leaveContainer(current.container, ep.group, step) || step.kind === "detach") return;
    }
    const from = "domain" in current ? current.domain : undefined;
    const fromDomain = from ? this.ir.domains.find((d) => d.name === from) : undefined;
    const group = groupText(ep);
    const move = groupTransition(ep, fromDomain, step);
    if (move.kind === "stay") {
      this.notes.push(
        `${group} is already in ${from ? `domain ${from}` : "no domain"}: nothing moves`,
      );
      return;
    }
    if (move.kind === "busy")
      return this.fail(
        refusal(D.attachBusy, {
          device: ep.name,
          domain: step.kind === "attach" ? step.domain : "",
          group,
          from: String(from),
        }),
        step,
        { endpoint: ep.name },
      );
    const target = move.to;
    const domain = target ? this.ir.domains.find((d) => d.name === target) : undefined;
    if (target && !domain)
      return this.fail(refusal(D.scenarioStepFailed.messages.noDomain, { domain: target }), step);
    const moved: string[] = [];
    for (const member of groupMembers(ep, this.ir.endpoints)) {
      const i = this.routes.findIndex((r) => r.endpoint === member.name);
      if (i < 0) continue;
      this.routes[i] = routeTo(member, mapper, domain);
      moved.push(member.name);
    }
    this.notes.push(
      `moved ${moved.join(", ")} (${group}): ${from ? `domain ${from}` : "no domain"} -> ${domain ? `domain ${domain.name}` : "no domain"}`,
    );
    this.rebind(mapper, step);
  }

  /**
   * A device in a container leaves with its whole group (VFIO_GROUP_UNSET_CONTAINER). VCM
   * refuses to take the last group out while the container's windows still map memory: Linux
   * would leave those TCEs in tables no device reaches (tce_iommu_detach_group only unsets the
   * windows), so the mappings could never be proved or unmapped through a device again.
   */
  private leaveContainer(
    container: string,
    group: bigint | undefined,
    step: Step<"attach" | "detach">,
  ): boolean {
    const groups = this.spapr.groups.get(container);
    if (!groups || group === undefined) return true;
    const mapped = this.records.find(
      (r) =>
        r.target.kind === "window" &&
        containerOfWindow(this.ir.containers, r.target.name)?.name === container,
    );
    if (groups.size === 1 && groups.has(group) && mapped) {
      const args = {
        device: step.device,
        group,
        container,
        window: mapped.target.name,
        memory: mapped.buffer ?? mapped.memory,
        iova: hexOf(mapped.iova),
      };
      this.fail(refusal(D.detachLastGroupMapped, args), step);
      return false;
    }
    groups.delete(group);
    const c = this.spapr.container(container);
    for (let j = 0; j < this.routes.length; j++) {
      const r = this.routes[j]!;
      const mate = this.ir.endpoints.find((e) => e.name === r.endpoint);
      if (r.kind !== "windows" || r.container !== container || mate?.group !== group) continue;
      this.routes[j] = { endpoint: r.endpoint, kind: "unattached", mapper: r.mapper };
      this.touchedEndpoints.add(r.endpoint);
      if (r.endpoint !== step.device)
        this.notes.push(`${r.endpoint}: leaves ${c?.name} with group ${group}`);
    }
    return true;
  }

  /** Rebuild the IOMMU's device structures (context tables, DTEs) for the current routes. */
  private rebind(mapperName: string, step: IrScenarioStep): void {
    for (const r of this.routes)
      if ("mapper" in r && r.mapper === mapperName) this.touchedEndpoints.add(r.endpoint);
    const irMapper = this.ir.mappers.find((m) => m.name === mapperName);
    const plugin = irMapper && this.live.plugins.get(irMapper.format);
    const allocator = irMapper && this.live.allocators.get(irMapper.pool);
    if (!irMapper || !plugin?.bindDevices || !allocator) return;
    if (plugin.bindsDevices?.(irMapper.params) === false) return;
    const bindings: DeviceBinding[] = [];
    const untranslated: UntranslatedBinding[] = [];
    const wantsUntranslated = plugin.bindsUntranslated?.(irMapper.params) === true;
    for (const r of this.routes) {
      const mode =
        r.kind === "identity"
          ? "bypass"
          : r.kind === "blocked" || r.kind === "unattached"
            ? "abort"
            : undefined;
      if (mode && "mapper" in r && r.mapper === mapperName) {
        if (!wantsUntranslated) continue;
        const stream = this.ir.endpoints.find((e) => e.name === r.endpoint)?.stream;
        if (stream !== undefined) untranslated.push({ device: r.endpoint, stream, mode });
        continue;
      }
      if (r.kind !== "iommu" || r.mapper !== mapperName || r.stream === undefined) continue;
      const state = this.live.tables.get(r.table);
      if (state)
        bindings.push({
          device: r.endpoint,
          stream: r.stream,
          table: state.handle,
          domainId: state.table.domainId,
        });
    }
    try {
      const bound = wantsUntranslated
        ? plugin.bindDevices(this.live.memory, allocator, irMapper.params, bindings, untranslated)
        : plugin.bindDevices(this.live.memory, allocator, irMapper.params, bindings);
      const i = this.mappers.findIndex((m) => m.name === mapperName);
      if (i >= 0)
        this.mappers[i] = {
          ...this.mappers[i]!,
          instance: { root: bound.handle.root, registers: { ...bound.registers } },
        };
    } catch (e) {
      const problem = e instanceof Error ? e.message : String(e);
      this.fail(
        refusal(D.scenarioStepFailed.messages.rebind, { mapper: mapperName, problem }),
        step,
      );
    }
  }
}
