/**
 * Scenarios: each starts from the compiled base state (the IR is lowered again, so live plugin
 * handles exist), applies its steps in order on the real tables, and after each step re-proves
 * only the endpoints whose tables or bindings the step changed.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type {
  IrChunk,
  IrDomain,
  IrEndpoint,
  IrMapping,
  IrScenario,
  IrScenarioStep,
  IrTopology,
} from "../ir/types.js";
import type {
  CompiledMapper,
  CompiledMapping,
  CompiledTopology,
  EndpointRoute,
} from "../lowering/compiled.js";
import { tableInput } from "../lowering/address-halves.js";
import { lower } from "../lowering/lower.js";
import type { LoweringSession } from "../lowering/session.js";
import type { DeviceBinding } from "../plugin-api/types.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import { groupMembers, groupText, groupTransition } from "../semantics/groups.js";
import { capabilitiesOf } from "./endpoint-paths.js";
import { evaluateExpect, expectText } from "./expects.js";
import type { FailureSink } from "./failure-sink.js";
import { chunksOf, objectText } from "./object-ref.js";
import { irMappingsById, mappingSource } from "./mapping-index.js";
import { importerBlocksRevoke, revokeNoMmuFailure } from "./revoke.js";
import { findPlacement, type PaRange } from "./placement.js";
import { hexOf, Prover } from "./prover.js";
import type { ContainerAccount as Account, ScenarioReport, StepReport } from "./report.js";
import { checkWindowMapping, containerOfWindow, SpaprState } from "./spapr-containers.js";

export function stepText(step: IrScenarioStep): string {
  switch (step.kind) {
    case "map":
      return `map ${mappingSource(step.mapping)} -> ${step.mapping.reservation ?? step.mapping.target.name}`;
    case "unmap":
      return `unmap ${objectText(step.object)} from ${step.target.reservation ?? step.target.name}`;
    case "migrate":
      return `migrate ${step.buffers.join(", ")} to ${step.to}`;
    case "revoke":
      return `revoke ${step.memory}` + (step.dummy ? ` dummy ${step.dummy}` : "");
    case "register":
    case "unregister":
      return `${step.kind} ${step.container} ${hexOf(step.range.base)}..+${hexOf(step.range.size)}`;
    case "attach":
      return `attach ${step.device} to ${step.domain}`;
    case "detach":
      return `detach ${step.device}`;
    case "power-off":
      return `power-off ${step.memory}`;
    case "restore":
      return `restore ${step.memory}`;
    case "expect":
      return `expect ${expectText(step.expect)}`;
  }
}

class ScenarioRun {
  readonly records: CompiledMapping[];
  readonly routes: EndpointRoute[];
  readonly mappers: CompiledMapper[];
  readonly bufferChunks = new Map<string, IrChunk[]>();
  readonly spapr: SpaprState;
  /** Records mapped by the runtime itself (dummy pages), unknown to the session. */
  private readonly ownRecords = new Set<CompiledMapping>();
  /** Regions revoked by their exporter and not yet restored. */
  readonly revoked = new Set<string>();
  touchedTables = new Set<string>();
  touchedEndpoints = new Set<string>();
  notes: string[] = [];

  constructor(
    readonly ir: IrTopology,
    readonly base: CompiledTopology,
    readonly session: LoweringSession,
    readonly sink: FailureSink,
  ) {
    this.records = [...base.mappings];
    this.routes = base.endpoints.map((r) => ({ ...r }));
    this.mappers = base.mappers.map((m) => ({ ...m }));
    this.spapr = new SpaprState(ir);
  }

  view(): CompiledTopology {
    return { ...this.base, mappings: this.records, endpoints: this.routes, mappers: this.mappers };
  }

  prover(): Prover {
    return new Prover(this.view(), this.sink, { bufferChunks: this.bufferChunks, limit: 64 });
  }

  fail(
    check: string,
    message: string,
    step: IrScenarioStep,
    extra: { endpoint?: string; address?: bigint } = {},
  ): void {
    this.sink.add(check, {
      message,
      expected: "the step to succeed",
      found: message,
      span: step.span,
      ...extra,
    });
  }

  /** Turn lowering diagnostics the session added since `from` into step failures. */
  sessionFailures(from: number, step: IrScenarioStep): boolean {
    const added: Diagnostic[] = this.session.diagnostics.slice(from);
    for (const d of added) {
      if (d.severity === "error")
        this.fail("scenario-step-failed", `${d.check}: ${d.message}`, step);
    }
    return added.every((d) => d.severity !== "error");
  }

  drop(record: CompiledMapping, step: IrScenarioStep): boolean {
    if (this.ownRecords.has(record)) {
      const tp = this.livePlugin(record.table!);
      if (tp)
        for (const c of record.chunks)
          tp.plugin.unmap(tp.handle, tableInput(tp.table, c.iova), c.size);
      this.ownRecords.delete(record);
    } else {
      const from = this.session.diagnostics.length;
      if (!this.session.unmapMapping(record, step.span)) {
        this.sessionFailures(from, step);
        return false;
      }
    }
    this.records.splice(this.records.indexOf(record), 1);
    this.touch(record);
    return true;
  }

  touch(record: CompiledMapping): void {
    if (record.table !== undefined) this.touchedTables.add(record.table);
    else this.touchedEndpoints.add(record.target.name);
  }

  livePlugin(table: string) {
    const handle = this.base.live?.handles.get(table);
    const t = this.base.tables.find((x) => x.name === table);
    const plugin = t && this.base.plugins.get(t.format);
    return handle && plugin && t ? { handle, plugin, table: t } : undefined;
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

  /** Table reach of every endpoint landing in physical [first, end) pages. */
  reachInto(
    prover: Prover,
    first: number,
    end: number,
  ): { endpoint: string; table: string; iova: bigint; pa: bigint; size: bigint }[] {
    const found: { endpoint: string; table: string; iova: bigint; pa: bigint; size: bigint }[] = [];
    for (const path of prover.paths) {
      for (const tp of path.tables) {
        const reach = prover.proofOf(tp).reach;
        for (let i = 0; i < reach.length; i++) {
          const pa = reach.pa[i]!;
          const n = reach.count[i]!;
          if (pa >= end || pa + n <= first || reach.iova[i]! >= path.maskEndPfn) continue;
          const lo = Math.max(pa, first);
          const hi = Math.min(pa + n, end);
          found.push({
            endpoint: path.endpoint,
            table: tp.table.name,
            iova: BigInt(reach.iova[i]! + (lo - pa)) << 12n,
            pa: BigInt(lo) << 12n,
            size: BigInt(hi - lo) << 12n,
          });
        }
      }
    }
    return found;
  }

  // -------------------------------------------------------------------------------------------

  apply(step: IrScenarioStep, prover: () => Prover): void {
    switch (step.kind) {
      case "map":
        return this.map(step);
      case "unmap":
        return this.unmap(step);
      case "migrate":
        return this.migrate(step, prover);
      case "revoke":
        return this.revoke(step, prover);
      case "register":
      case "unregister":
        return this.registration(step);
      case "attach":
      case "detach":
        return this.attachment(step);
      case "power-off":
        return this.powerOff(step, prover);
      case "restore":
        return this.restore(step);
      case "expect":
        evaluateExpect(prover(), step.expect, this.sink, this.bufferChunks);
        return;
    }
  }

  private map(step: Extract<IrScenarioStep, { kind: "map" }>): void {
    const m = step.mapping;
    if (this.revoked.has(m.source.memory)) {
      // As vfio_pci_dma_buf_attach / _map: a revoked exporter refuses importers (-ENODEV).
      this.fail(
        "map-revoked",
        `${m.source.memory} is revoked: its exporter refuses to map it (ENODEV) until \`restore ${m.source.memory}\``,
        step,
      );
      return;
    }
    if (m.target.kind === "window") {
      const chunks = m.source.chunks.map((x) => ({ iova: 0n, pa: x.pa, size: x.size, runs: [] }));
      if (
        !checkWindowMapping(
          this.spapr,
          { id: m.id, chunks, target: m.target },
          this.sink,
          step.span,
          `the mapping of ${mappingSource(m)}`,
        )
      )
        return;
    }
    this.dropDummiesUnder(m, step);
    const from = this.session.diagnostics.length;
    const record = this.session.mapMapping(m);
    this.sessionFailures(from, step);
    if (!record) return;
    this.records.push(record);
    this.touch(record);
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

  private unmap(step: Extract<IrScenarioStep, { kind: "unmap" }>): void {
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
      this.fail(
        "scenario-step-failed",
        `nothing of ${objectText(step.object)} is mapped into ${reservation ?? step.target.name}`,
        step,
      );
      return;
    }
    for (const r of matches) this.drop(r, step);
  }

  private occupied(): PaRange[] {
    const out: PaRange[] = [];
    for (const b of this.ir.buffers)
      for (const c of this.bufferChunks.get(b.name) ?? b.chunks) out.push(c);
    for (const p of this.ir.pools) out.push({ pa: p.range.base, size: p.range.size });
    for (const r of this.records) for (const c of r.chunks) out.push(c);
    return out;
  }

  private migrate(step: Extract<IrScenarioStep, { kind: "migrate" }>, prover: () => Prover): void {
    const region = this.ir.memories.find((m) => m.name === step.to);
    if (!region) return this.fail("scenario-step-failed", `no region named ${step.to}`, step);
    const old: IrChunk[] = [];
    for (const name of step.buffers) {
      const buffer = this.ir.buffers.find((b) => b.name === name);
      if (!buffer) {
        this.fail("scenario-step-failed", `no buffer named ${name}`, step);
        continue;
      }
      const at = findPlacement(
        { pa: region.range.base, size: region.range.size },
        buffer.size,
        buffer.align,
        this.occupied(),
      );
      if (at === undefined) {
        this.fail(
          "scenario-step-failed",
          `no free ${hexOf(buffer.size)}-byte range in ${step.to} for ${name}`,
          step,
        );
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
        const from = this.session.diagnostics.length;
        const again = this.session.mapMapping({
          ...irMapping,
          source: { ...irMapping.source, memory: step.to, chunks: moved },
          iova: r.target.kind === "direct" ? "auto" : r.iova,
        });
        this.sessionFailures(from, step);
        if (again) {
          this.records.push(again);
          this.touch(again);
        }
      }
    }
    for (const c of old) {
      const first = Number(c.pa >> 12n);
      const end = Number((c.pa + c.size + 4095n) >> 12n);
      for (const s of this.reachInto(prover(), first, end)) {
        this.sink.add("stale-after-migrate", {
          endpoint: s.endpoint,
          table: s.table,
          address: s.iova,
          size: s.size,
          expected: "no translation to the old frames",
          found: `pa ${hexOf(s.pa)} (old placement of ${step.buffers.join(", ")})`,
          message: `${s.endpoint}: ${hexOf(s.iova)}..${hexOf(s.iova + s.size)} still reaches the old frames at ${hexOf(s.pa)} after migrate`,
          span: step.span,
        });
      }
    }
  }

  private revoke(step: Extract<IrScenarioStep, { kind: "revoke" }>, prover: () => Prover): void {
    const region = this.ir.memories.find((m) => m.name === step.memory);
    if (!region) return this.fail("scenario-step-failed", `no region named ${step.memory}`, step);
    if (this.revoked.has(step.memory)) {
      this.notes.push(`${step.memory} is already revoked`);
      return;
    }
    const all = this.records.filter(
      (r) => r.memory === step.memory && !r.unity && !this.ownRecords.has(r),
    );
    const blocked = importerBlocksRevoke(this.ir, this.routes, all, step.memory);
    if (blocked) return this.fail("revoke-pinned", blocked, step);
    this.revoked.add(step.memory);
    // A no-MMU engine reaches the BAR by bus address: no table can make it fault.
    for (const r of all)
      if (r.target.kind === "direct")
        this.sink.add("revoke-no-mmu-importer", revokeNoMmuFailure(r, step));
    const importers = all.filter((r) => r.target.kind !== "direct");
    const dummy = step.dummy ? this.ir.buffers.find((b) => b.name === step.dummy) : undefined;
    const dummyPa = dummy ? (this.bufferChunks.get(dummy.name) ?? dummy.chunks)[0]?.pa : undefined;
    for (const r of importers) {
      if (!this.drop(r, step)) continue;
      if (dummyPa === undefined || r.table === undefined) continue;
      const live = this.livePlugin(r.table);
      if (!live) continue;
      const caps = capabilitiesOf(live.plugin, live.table.context.params);
      const page = live.table.context.window?.pageSize ?? caps.pageSizes[0] ?? 4096n;
      const chunks: CompiledMapping["chunks"] = [];
      try {
        for (const c of r.chunks) {
          for (let off = 0n; off < c.size; off += page) {
            const input = tableInput(live.table, c.iova + off);
            live.plugin.map(live.handle, input, dummyPa, page, 1, r.prot, r.attrs);
            chunks.push({ iova: c.iova + off, pa: dummyPa, size: page, runs: [] });
          }
        }
      } catch (e) {
        this.fail(
          "scenario-step-failed",
          `mapping the dummy page: ${e instanceof Error ? e.message : String(e)}`,
          step,
        );
      }
      const record: CompiledMapping = {
        ...r,
        chunks,
        leafCounts: {},
        memory: dummy!.memory,
        buffer: dummy!.name,
      };
      this.records.push(record);
      this.ownRecords.add(record);
      this.touch(record);
    }
    this.notes.push(`${importers.length} importer mapping(s) of ${step.memory} revoked`);
    const first = Number(region.range.base >> 12n);
    const end = Number((region.range.base + region.range.size + 4095n) >> 12n);
    for (const s of this.reachInto(prover(), first, end)) {
      this.sink.add("stale-after-revoke", {
        endpoint: s.endpoint,
        table: s.table,
        address: s.iova,
        size: s.size,
        expected: dummy ? `the dummy page ${dummy.name}, or a fault` : "a fault",
        found: `pa ${hexOf(s.pa)} in ${step.memory}`,
        message: `${s.endpoint}: ${hexOf(s.iova)}..${hexOf(s.iova + s.size)} still reaches the revoked ${step.memory} at ${hexOf(s.pa)}`,
        span: step.span,
      });
    }
  }

  /** The exporter takes its BAR back (vfio_pci_dma_buf_move with revoked = false). */
  private restore(step: Extract<IrScenarioStep, { kind: "restore" }>): void {
    if (this.revoked.delete(step.memory))
      this.notes.push(`${step.memory} restored: importers may map it again`);
    else this.notes.push(`${step.memory} was not revoked: nothing to restore`);
  }

  private registration(step: Extract<IrScenarioStep, { kind: "register" | "unregister" }>): void {
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
    else this.fail(result.check, result.message, step);
  }

  /**
   * `attach D to DOM` / `detach D`, as `iommu_attach_group` / `iommu_detach_group`: the whole
   * group of D moves. An attach is refused (EBUSY) while the group is in a domain other than its
   * default or a blocked one; a detach returns the group to its default domain.
   */
  private attachment(step: Extract<IrScenarioStep, { kind: "attach" | "detach" }>): void {
    const ep = this.ir.endpoints.find((e) => e.name === step.device);
    const current = this.routes.find((r) => r.endpoint === step.device);
    if (!current || !ep?.mapper)
      return this.fail(
        "scenario-step-failed",
        `${step.device} is not a device behind an IOMMU`,
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
        "attach-busy",
        `attach ${ep.name} to ${step.kind === "attach" ? step.domain : ""}: ${group} is in domain ${from}, not its default domain; detach it first (EBUSY)`,
        step,
        { endpoint: ep.name },
      );
    const target = move.to;
    const domain = target ? this.ir.domains.find((d) => d.name === target) : undefined;
    if (target && !domain)
      return this.fail("scenario-step-failed", `no domain named ${target}`, step);
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
    step: Extract<IrScenarioStep, { kind: "attach" | "detach" }>,
  ): boolean {
    const groups = this.spapr.groups.get(container);
    if (!groups || group === undefined) return true;
    const mapped = this.records.find(
      (r) =>
        r.target.kind === "window" &&
        containerOfWindow(this.ir.containers, r.target.name)?.name === container,
    );
    if (groups.size === 1 && groups.has(group) && mapped) {
      this.fail(
        "detach-last-group-mapped",
        `${step.device}: group ${group} is the last group of container ${container}, whose window ${mapped.target.name} still maps memory (${mapped.buffer ?? mapped.memory} at ${hexOf(mapped.iova)}); unmap it first (-EBUSY)`,
        step,
      );
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
    const plugin = irMapper && this.base.plugins.get(irMapper.format);
    const allocator = irMapper && this.base.live?.allocators.get(irMapper.pool);
    if (!irMapper || !plugin?.bindDevices || !allocator) return;
    const bindings: DeviceBinding[] = [];
    for (const r of this.routes) {
      if (r.kind !== "iommu" || r.mapper !== mapperName || r.stream === undefined) continue;
      const handle = this.base.live?.handles.get(r.table);
      const table = this.base.tables.find((t) => t.name === r.table);
      if (handle && table)
        bindings.push({
          device: r.endpoint,
          stream: r.stream,
          table: handle,
          domainId: table.domainId,
        });
    }
    try {
      const bound = plugin.bindDevices(this.base.memory, allocator, irMapper.params, bindings);
      const i = this.mappers.findIndex((m) => m.name === mapperName);
      if (i >= 0)
        this.mappers[i] = {
          ...this.mappers[i]!,
          instance: { root: bound.handle.root, registers: { ...bound.registers } },
        };
    } catch (e) {
      this.fail(
        "scenario-step-failed",
        `rebinding the devices of ${mapperName}: ${e instanceof Error ? e.message : String(e)}`,
        step,
      );
    }
  }

  private powerOff(
    step: Extract<IrScenarioStep, { kind: "power-off" }>,
    prover: () => Prover,
  ): void {
    const region = this.ir.memories.find((m) => m.name === step.memory);
    if (!region) return this.fail("scenario-step-failed", `no region named ${step.memory}`, step);
    const first = Number(region.range.base >> 12n);
    const end = Number((region.range.base + region.range.size + 4095n) >> 12n);
    const still = this.reachInto(prover(), first, end);
    const mappers = [...new Set(still.map((s) => s.endpoint))];
    this.notes.push(
      mappers.length === 0
        ? `no mapper maps ${step.memory}`
        : `still mapped by ${mappers.join(", ")}`,
    );
    for (const s of still) {
      this.sink.add("power-off-still-mapped", {
        endpoint: s.endpoint,
        table: s.table,
        address: s.iova,
        size: s.size,
        expected: `no translation into ${step.memory}`,
        found: `pa ${hexOf(s.pa)}..${hexOf(s.pa + s.size)}`,
        message: `power-off ${step.memory}: ${s.endpoint} still maps ${hexOf(s.iova)}..${hexOf(s.iova + s.size)} to ${hexOf(s.pa)}`,
        span: step.span,
      });
    }
  }
}

export function runScenario(
  ir: IrTopology,
  plugins: PluginRegistry,
  scenario: IrScenario,
  sink: FailureSink,
): ScenarioReport {
  const saved = sink.context;
  sink.context = { scenario: scenario.name };
  const before = sink.count;
  const steps: StepReport[] = [];
  const containers: Account[] = [];
  try {
    const lowered = lower(ir, plugins);
    if (!lowered.compiled || !lowered.session) {
      sink.add("scenario-step-failed", {
        message: `scenario ${scenario.name}: the base state does not lower`,
        expected: "the base state to lower",
        found: lowered.diagnostics.map((d) => d.message).join("; "),
        span: scenario.span,
      });
      return { name: scenario.name, ok: false, steps, containers };
    }
    const run = new ScenarioRun(ir, lowered.compiled, lowered.session, sink);
    const starts = new Map([...run.spapr.mms].map(([owner, mm]) => [owner, mm.locked]));
    scenario.steps.forEach((step, index) => {
      // A failure with no location of its own (a re-proof after the step) points at the step.
      sink.context = { scenario: scenario.name, step: index + 1, span: step.span };
      const stepBefore = sink.count;
      run.touchedTables = new Set();
      run.touchedEndpoints = new Set();
      run.notes = [];
      let cached: Prover | undefined;
      const prover = () => (cached ??= run.prover());
      run.apply(step, prover);
      // Re-prove only what the step changed, on a fresh reading of the bytes.
      const affected = run.affected();
      let pagesChecked = 0;
      if (affected.size > 0) {
        const after = run.prover();
        for (const r of after.proveEndpoints(affected)) pagesChecked += r.pagesChecked;
      }
      steps.push({
        step: index + 1,
        kind: step.kind,
        text: stepText(step),
        ok: sink.count === stepBefore,
        reverified: [...affected].sort(),
        pagesChecked,
        notes: run.notes,
      });
    });
    sink.context = { scenario: scenario.name };
    for (const c of ir.containers) {
      const mm = run.spapr.mmOf(c);
      containers.push({
        container: c.name,
        owner: c.owner,
        lockedStart: starts.get(c.owner) ?? 0n,
        lockedEnd: mm.locked,
        limit: mm.limit,
      });
    }
    for (const [owner, mm] of run.spapr.mms) {
      const start = run.spapr.start.get(owner) ?? 0n;
      if (mm.regions.length === 0 && mm.locked !== start) {
        sink.add("locked-accounting-leak", {
          message: `${owner}: nothing is registered, yet ${hexOf(mm.locked)} bytes stay locked (its TCE tables take ${hexOf(start)})`,
          expected: hexOf(start),
          found: hexOf(mm.locked),
          span: scenario.span,
        });
      }
    }
  } finally {
    sink.context = saved;
  }
  return { name: scenario.name, ok: sink.count === before, steps, containers };
}

/** The route of a device in `domain` (or in none). */
function routeTo(ep: IrEndpoint, mapper: string, domain: IrDomain | undefined): EndpointRoute {
  if (!domain) return { endpoint: ep.name, kind: "unattached", mapper };
  if (domain.type === "identity")
    return {
      endpoint: ep.name,
      kind: "identity",
      mapper,
      domain: domain.name,
      aperture: { base: domain.aperture.base, size: domain.aperture.size },
    };
  if (domain.type === "blocked")
    return { endpoint: ep.name, kind: "blocked", mapper, domain: domain.name };
  return {
    endpoint: ep.name,
    kind: "iommu",
    mapper,
    ...(ep.stream !== undefined ? { stream: ep.stream } : {}),
    domain: domain.name,
    table: domain.name,
  };
}
