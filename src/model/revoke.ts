/**
 * P2P revoke rules (drivers/dma-buf/dma-buf.c, drivers/vfio/pci/vfio_pci_dmabuf.c): the
 * exporter revokes its BAR by `dma_buf_move_notify`, which only dynamic (unpinned) importers
 * receive; a pinned attachment must be gone first, and a no-MMU engine cannot be made to fault.
 */
import type { IrScenarioStep, IrTopology } from "../ir/types.js";
import type { EndpointRoute } from "../lowering/compiled.js";
import { hex as hexOf } from "../diagnostics/format.js";
import type { FailureDetail } from "./failure-out.js";
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
): string | undefined {
  const byId = irMappingsById(ir);
  const pinned: string[] = [];
  for (const r of records) {
    const m = byId.get(r.id);
    if (!m?.pin) continue;
    const who = importersOf(routes, r);
    pinned.push(`${mappingLabel(m)}${who.length > 0 ? ` (${who.join(", ")})` : ""}`);
  }
  if (pinned.length === 0) return undefined;
  return (
    `${memory} cannot be revoked while pinned importers map it (EBUSY): ${pinned.join("; ")}. ` +
    `A pinned dma-buf attachment gets no move_notify; unmap it first`
  );
}

/** The failure for a no-MMU engine still mapping a region being revoked. */
export function revokeNoMmuFailure(
  r: PlacedMapping,
  step: Extract<IrScenarioStep, { kind: "revoke" }>,
): FailureDetail {
  const c = r.chunks[0];
  const bus = c?.iova ?? r.iova;
  return {
    endpoint: r.target.name,
    address: bus,
    size: r.size,
    expected: "a fault, or the dummy page",
    found: `bus ${hexOf(bus)} still reaches ${step.memory} (no MMU)`,
    message:
      `${r.target.name} has no MMU: after revoke it still reaches ${step.memory} at bus ${hexOf(bus)}; ` +
      `nothing can make a no-MMU importer fault, so stop it (unmap) before revoking`,
    span: step.span,
  };
}
