/**
 * P2P revoke rules (drivers/dma-buf/dma-buf.c, drivers/vfio/pci/vfio_pci_dmabuf.c): the
 * exporter revokes its BAR by `dma_buf_move_notify`, which only dynamic (unpinned) importers
 * receive; a pinned attachment must be gone first, and a no-MMU engine cannot be made to fault.
 */
import type { IrScenarioStep, IrTopology } from "../ir/types.js";
import type { EndpointRoute } from "../lowering/compiled.js";
import { hex as hexOf } from "../diagnostics/format.js";
import { D } from "../diagnostics/catalogue.js";
import { refusal, type FailureDetail, type FailureOut, type Refusal } from "./failure-out.js";
import { irMappingsById, mappingLabel } from "./mapping-index.js";
import type { PlacedMapping } from "./system-state.js";

/** The endpoints that reach memory through a mapping's table (or the engine itself). */
export function importersOf(routes: readonly EndpointRoute[], r: PlacedMapping): string[] {
  if (r.target.kind === "direct") return [r.target.name];
  const name = r.target.name;
  return routes
    .filter((x) =>
      x.kind === "iommu" || x.kind === "table"
        ? x.table === name
        : x.kind === "windows"
          ? x.tables.includes(name)
          : false,
    )
    .map((x) => x.endpoint);
}

/** Why `revoke` is refused (pinned importers, EBUSY), or undefined when it may go ahead. */
export function importerBlocksRevoke(
  ir: IrTopology,
  routes: readonly EndpointRoute[],
  records: readonly PlacedMapping[],
  memory: string,
): Refusal | undefined {
  const byId = irMappingsById(ir);
  const pinned: string[] = [];
  for (const r of records) {
    const m = byId.get(r.id);
    if (!m?.pin) continue;
    const who = importersOf(routes, r);
    pinned.push(`${mappingLabel(m)}${who.length > 0 ? ` (${who.join(", ")})` : ""}`);
  }
  if (pinned.length === 0) return undefined;
  return refusal(D.revokePinned, { memory, importers: pinned.join("; ") });
}

/** Report a no-MMU engine still mapping a region being revoked. */
export function reportNoMmuImporter(
  out: FailureOut,
  r: PlacedMapping,
  step: Extract<IrScenarioStep, { kind: "revoke" }>,
): void {
  const c = r.chunks[0];
  const bus = c?.iova ?? r.iova;
  const detail: FailureDetail = {
    endpoint: r.target.name,
    address: bus,
    size: r.size,
    expected: "a fault, or the dummy page",
    found: `bus ${hexOf(bus)} still reaches ${step.memory} (no MMU)`,
    span: step.span,
  };
  const args = { endpoint: r.target.name, memory: step.memory, bus: hexOf(bus) };
  out.report(D.revokeNoMmuImporter, args, detail);
}
