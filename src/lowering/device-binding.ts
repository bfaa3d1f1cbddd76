/**
 * The IOMMUs' own structures (VT-d root and context tables, AMD device table): each device's
 * stream is bound, through its mapper's `bindDevices`, to the table of the domain it is in.
 */
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { sharedTableMismatch } from "../ir/table-sharing.js";
import type { IrEndpoint } from "../ir/types.js";
import type { DeviceBinding, UntranslatedBinding } from "../plugin-api/types.js";
import { pluginFailure } from "./diagnostics.js";
import type { LiveTables } from "./live-tables.js";

/** Bind every IOMMU's devices; problems go to `diagnostics`. */
export function bindDevices(live: LiveTables, diagnostics: Diagnostic[]): void {
  // The devices of each mapper, found once (every mapper scanning every endpoint was n^2).
  const devicesOf = new Map<string, IrEndpoint[]>();
  for (const ep of live.ir.endpoints) {
    if (ep.mapper === undefined || ep.kind === "cpu" || ep.stream === undefined) continue;
    const list = devicesOf.get(ep.mapper);
    if (list) list.push(ep);
    else devicesOf.set(ep.mapper, [ep]);
  }
  for (const [name, mapper] of live.mappers) {
    if (mapper.ir.role !== "iommu" || !mapper.plugin.bindDevices) continue;
    if (mapper.plugin.bindsDevices?.(mapper.ir.params) === false) continue;
    const bindings: DeviceBinding[] = [];
    const untranslated: UntranslatedBinding[] = [];
    const wantsUntranslated = mapper.plugin.bindsUntranslated?.(mapper.ir.params) === true;
    for (const ep of devicesOf.get(name) ?? []) {
      if (ep.stream === undefined) continue;
      const domain = live.attachments.domainOf(ep);
      const mode = untranslatedMode(domain?.type);
      if (mode) {
        if (wantsUntranslated) untranslated.push({ device: ep.name, stream: ep.stream, mode });
        continue;
      }
      const state = domain ? live.tables.get(domain.name) : undefined;
      if (!state) continue;
      // Resolution refuses such attaches; an IR built elsewhere must not hand one
      // instance's plugin a table it cannot walk.
      const owner = live.mappers.get(domain!.mapper)?.ir;
      const why = owner && owner !== mapper.ir ? sharedTableMismatch(owner, mapper.ir) : undefined;
      if (why) {
        diagnostics.push(
          diagnostic(D.sharedTableMismatch, ep.span, {
            endpoint: ep.name,
            mapper: name,
            domain: domain!.name,
            why,
          }),
        );
        continue;
      }
      // A nested domain's stream also names its VM's stage 2 (an STE with Config = nested).
      // A device in a stage-2 domain itself is stage-2 only: its table is the stage 2.
      const stage2 = domain!.nested
        ? live.tables.get(domain!.nested.parent)
        : domain!.stage2
          ? state
          : undefined;
      // Nested: what the IOMMU fetches by IPA (an SMMUv3 CD) goes where the stage-1 table went,
      // the guest's tables pool, written through the guest's IPA view.
      const guestPool = domain!.nested && live.allocators.get(domain!.nested.pool);
      const inGuest =
        state.guest && guestPool ? { memory: state.guest.view(live.memory), pool: guestPool } : {};
      bindings.push({
        device: ep.name,
        stream: ep.stream,
        table: state.handle,
        domainId: state.table.domainId,
        ...(stage2
          ? { stage2: { table: stage2.handle, vmid: stage2.table.domainId, ...inGuest } }
          : {}),
      });
    }
    const pool = live.allocators.get(mapper.ir.pool);
    if (!pool) continue;
    const what = `binding the devices of '${name}'`;
    live.watch?.subject?.(what, mapper.ir.span);
    try {
      const bound = wantsUntranslated
        ? mapper.plugin.bindDevices(live.memory, pool, mapper.ir.params, bindings, untranslated)
        : mapper.plugin.bindDevices(live.memory, pool, mapper.ir.params, bindings);
      live.instances.set(name, bound.handle);
      const compiled = live.compiledMappers.find((m) => m.name === name)!;
      compiled.instance = { root: bound.handle.root, registers: { ...bound.registers } };
    } catch (e) {
      diagnostics.push(pluginFailure(e, what, mapper.ir.span));
    }
  }
}

/**
 * How a device in a domain of `type` (undefined: in no domain) is bound without a table:
 * identity passes through (bypass), blocked and detached abort; undefined for table domains.
 */
export function untranslatedMode(
  type: string | undefined,
): UntranslatedBinding["mode"] | undefined {
  if (type === undefined || type === "blocked") return "abort";
  if (type === "identity") return "bypass";
  return undefined;
}
