/**
 * The failures of a proof, worded: each mismatch between a table's intent and its bytes (with the
 * walk of its first address, the mapping and the memory named), table entries that narrow rights
 * or loop, and intended addresses beyond an endpoint's DMA mask.
 */
import { D } from "../diagnostics/catalogue.js";
import { hex as hexOf } from "../diagnostics/format.js";
import type { RunFailure } from "./report.js";
import type { WalkStep } from "../plugin-api/types.js";
import { protText } from "../lowering/protection.js";
import { irMappingsById, mappingSource } from "../model/mapping-index.js";
import { removedRights, rightsText } from "../plugin-api/level-rights.js";
import { expressibleMask } from "../plugin-api/rights.js";
import { expectedAttrsLabel, foundAttrsLabel } from "./attributes.js";
import type { Mismatch } from "./compare-runs.js";
import type { EndpointPath, TablePath } from "./endpoint-paths.js";
import type { Prover, TableLoop } from "./prover.js";
import type { RunList } from "./run-list.js";

/** A mismatch with what every wording of it shares. */
interface MismatchContext {
  path: EndpointPath;
  tp: TablePath;
  m: Mismatch;
  /** Its pages below the endpoint's DMA mask. */
  count: number;
  range: string;
  trace: { steps: WalkStep[]; outcome: string };
  /** ` (mapping of frame[0])`, ` (unity range)`, or nothing. */
  mapping: string;
  expectedText: string;
  foundText: string;
  common: FailureCommon;
}

/** The fields every mismatch failure has. */
type FailureCommon = Omit<RunFailure, "code" | "check" | "message"> & {
  endpoint: string;
  table: string;
  address: bigint;
  size: bigint;
};
const addrOf = (pfn: number): bigint => BigInt(pfn) << 12n;

export class ProofFailures {
  constructor(private readonly prover: Prover) {}

  private get view() {
    return this.prover.view;
  }

  private get sink() {
    return this.prover.sink;
  }

  private get names() {
    return this.prover.names;
  }

  private spanOf(id: number | undefined) {
    if (id === undefined) return undefined;
    return irMappingsById(this.view.ir).get(id)?.span;
  }

  /** The reservation of the table's domain that holds `address`, if any (for messages). */
  private unbackedReservationAt(table: string, address: bigint): string | undefined {
    return this.view.ir.reservations?.find(
      (r) => r.domain === table && address >= r.range.base && address - r.range.base < r.range.size,
    )?.name;
  }

  /** `mapping of frame[0]`: what messages call the mapping with this id. */
  private mappingName(id: number): string {
    const m = irMappingsById(this.view.ir).get(id);
    return m ? `mapping of ${mappingSource(m)}` : `mapping #${id}`;
  }

  mismatch(path: EndpointPath, tp: TablePath, m: Mismatch): void {
    if (m.iovaPfn >= path.maskEndPfn) return; // the endpoint cannot drive these addresses
    const count = Math.min(m.count, path.maskEndPfn - m.iovaPfn);
    const address = addrOf(m.iovaPfn);
    const size = addrOf(count);
    const range = `${hexOf(address)}..${hexOf(address + size)}`;
    const trace = this.prover.walkTrace(tp, address);
    const ep = path.endpoint;
    const span = this.spanOf(m.tag !== undefined && m.tag >= 0 ? m.tag : undefined);
    const mapping =
      m.tag === undefined ? "" : m.tag < 0 ? " (unity range)" : ` (${this.mappingName(m.tag)})`;
    const expectedText =
      m.expectedPa === undefined
        ? "no translation"
        : `pa ${hexOf(addrOf(m.expectedPa))} ${protText(m.expectedProt ?? 0)} in ${this.names.nameOf(m.expectedPa)}`;
    const foundText =
      m.foundPa === undefined
        ? trace.outcome
        : `pa ${hexOf(addrOf(m.foundPa))} ${protText(m.foundProt ?? 0)} in ${this.names.namesOf(m.foundPa, count)}`;
    const common = {
      endpoint: ep,
      table: tp.table.name,
      address,
      size,
      expected: expectedText,
      found: foundText,
      trace: trace.steps,
      ...(span ? { span } : {}),
    };
    this.byKind({ path, tp, m, count, range, trace, mapping, expectedText, foundText, common });
  }

  /** One mismatch, worded after its kind. */
  private byKind(c: MismatchContext): void {
    const { path, tp, m, count, range, trace, mapping, expectedText, foundText, common } = c;
    const { address } = common;
    const ep = path.endpoint;
    switch (m.kind) {
      case "missing":
        this.sink.report(
          D.translationMissing,
          { endpoint: ep, range, mapping, expected: expectedText, outcome: trace.outcome },
          common,
        );
        break;
      case "wrong-frame":
        this.sink.report(
          D.translationWrongFrame,
          { endpoint: ep, range, mapping, found: foundText, expected: expectedText },
          common,
        );
        break;
      case "wrong-prot":
        this.wrongRights(c);
        break;
      case "wrong-attrs":
        this.wrongAttributes(c);
        break;
      case "forbidden-attrs": {
        const got = foundAttrsLabel(m.foundAttrs ?? 0, tp.caps);
        const memory = this.names.nameOf(m.expectedPa!);
        this.sink.report(
          D.mmioMappedCacheable,
          { endpoint: ep, range, mapping, memory, found: got },
          {
            ...common,
            expected: `device or noncacheable (${expectedText})`,
            found: `${got}: ${trace.outcome}`,
          },
        );
        break;
      }
      case "undeclared": {
        const reservation = this.unbackedReservationAt(tp.table.name, address);
        const fields = { ...common, memory: this.names.namesOf(m.foundPa!, count) };
        const args = { endpoint: ep, range, found: foundText };
        if (reservation)
          this.sink.report(
            D.undeclaredReach.messages.inReservation,
            { ...args, reservation },
            fields,
          );
        else this.sink.report(D.undeclaredReach, args, fields);
        break;
      }
    }
  }

  /** Rights narrowed by table entries above the leaves: each such entry is named for its range. */
  private wrongRights(c: MismatchContext): void {
    const { path, tp, m, count, mapping, common } = c;
    const { address, size } = common;
    const ep = path.endpoint;
    const rest = this.tableRights(path, tp, m, count, common);
    if (rest === null) return;
    const restRange = `${hexOf(rest.address)}..${hexOf(address + size)}`;
    const granted = protText(m.foundProt ?? 0);
    const declared = protText(m.expectedProt ?? 0);
    this.sink.report(
      D.permissionMismatch,
      { endpoint: ep, range: restRange, mapping, granted, declared },
      {
        ...common,
        address: rest.address,
        size: address + size - rest.address,
        trace: rest.trace.steps,
      },
    );
  }

  /** Attributes other than the map line's (or, when it names none, its region's default). */
  private wrongAttributes(c: MismatchContext): void {
    const { path, tp, m, range, trace, mapping, expectedText, common } = c;
    const ep = path.endpoint;
    const want = expectedAttrsLabel(m.expectedAttrs ?? 0, tp.caps);
    const got = foundAttrsLabel(m.foundAttrs ?? 0, tp.caps);
    const fields = {
      ...common,
      expected: `${want} (${expectedText})`,
      found: `${got}: ${trace.outcome}`,
    };
    const args = { endpoint: ep, range, mapping, found: got, declared: want };
    const region = this.regionKind(m.tag);
    if (region)
      this.sink.report(D.attributeMismatch.messages.regionDefault, { ...args, region }, fields);
    else this.sink.report(D.attributeMismatch, args, fields);
  }

  /** The mapped region's type, which gives the attributes when the `map` line names none. */
  private regionKind(tag: number | undefined): string | undefined {
    if (tag === undefined || tag < 0) return undefined;
    const m = this.view.ir.mappings.find((x) => x.id === tag);
    const kind = m ? this.view.ir.memories.find((r) => r.name === m.source.memory)?.kind : "";
    return kind || undefined;
  }

  /**
   * A stretch whose rights differ from the declared ones: from its start, while the walk shows a
   * table entry removing a declared right, one `table-rights-narrowed` failure per such entry over
   * the part of the stretch it covers. Returns where the rest (narrowed by the leaf itself, or
   * wider) begins, with its walk, or null when table entries explain the whole stretch.
   */
  private tableRights(
    path: EndpointPath,
    tp: TablePath,
    m: Mismatch,
    count: number,
    common: {
      endpoint: string;
      table: string;
      expected: string;
      found: string;
      span?: RunFailure["span"];
    },
  ): { address: bigint; trace: { steps: WalkStep[]; outcome: string } } | null {
    const declared = (m.expectedProt ?? 0) & expressibleMask(tp.caps);
    const end = addrOf(m.iovaPfn + count);
    let at = addrOf(m.iovaPfn);
    const mapping =
      m.tag === undefined ? "" : m.tag < 0 ? " (unity range)" : ` (mapping #${m.tag})`;
    for (let pieces = 0; at < end; pieces++) {
      const trace = this.prover.walkTrace(tp, at);
      const steps = trace.steps;
      // The highest table entry on the walk that takes a declared right away.
      const culprit =
        pieces < this.prover.options.limit
          ? steps
              .slice(0, -1)
              .find((s) => s.allows !== undefined && removedRights(declared, s.allows) !== 0)
          : undefined;
      if (culprit === undefined || culprit.covers === undefined) return { address: at, trace };
      const from = culprit.coversFrom ?? at;
      const stop = from + culprit.covers < end ? from + culprit.covers : end;
      const removed = removedRights(declared, culprit.allows!);
      this.sink.report(
        D.tableRightsNarrowed,
        {
          entry: hexOf(culprit.descriptorAddress),
          level: culprit.level,
          rights: rightsText(removed),
          endpoint: path.endpoint,
          range: `${hexOf(at)}..${hexOf(stop)}`,
          mapping,
          granted: protText(m.foundProt ?? 0),
          declared: protText(m.expectedProt ?? 0),
        },
        { ...common, address: at, size: stop - at, trace: steps },
      );
      at = stop;
    }
    return null;
  }

  /** A table entry `leaves` did not follow: what it covers is not proved. */
  loop(path: EndpointPath, tp: TablePath, loop: TableLoop): void {
    if (loop.iovaPfn >= path.maskEndPfn) return;
    const count = Math.min(loop.count, path.maskEndPfn - loop.iovaPfn);
    const address = addrOf(loop.iovaPfn);
    const size = addrOf(count);
    const args = {
      endpoint: path.endpoint,
      entry: hexOf(loop.entryPa),
      level: loop.level,
      table: hexOf(loop.tablePa),
      range: `${hexOf(address)}..${hexOf(address + size)}`,
    };
    this.sink.report(D.tableLoop, args, {
      endpoint: path.endpoint,
      table: tp.table.name,
      address,
      size,
      expected: "each table page entered once per walk",
      found: `entry at pa ${hexOf(loop.entryPa)} (level ${loop.level}) -> table ${hexOf(loop.tablePa)}, already read`,
      trace: this.prover.walkTrace(tp, address).steps,
    });
  }

  /** Intended runs the endpoint's DMA mask cannot address. */
  mask(path: EndpointPath, tp: TablePath, intent: RunList): void {
    if (path.maskEndPfn >= 2 ** 52) return;
    for (let i = 0; i < intent.length; i++) {
      const start = intent.iova[i]!;
      const end = start + intent.count[i]!;
      if (end <= path.maskEndPfn) continue;
      const first = Math.max(start, path.maskEndPfn);
      const tag = intent.tag[i]!;
      const span = this.spanOf(tag >= 0 ? tag : undefined);
      const args = {
        endpoint: path.endpoint,
        mapping: this.mappingName(tag),
        address: hexOf(addrOf(first)),
        bits: Math.log2(path.maskEndPfn) + 12,
      };
      this.sink.report(D.beyondDmaMask, args, {
        endpoint: path.endpoint,
        table: tp.table.name,
        address: addrOf(first),
        size: addrOf(end - first),
        expected: `addresses below ${hexOf(addrOf(path.maskEndPfn))}`,
        found: `${this.mappingName(tag)} up to ${hexOf(addrOf(end))}`,
        ...(span ? { span } : {}),
      });
    }
  }

  /** A no-MMU endpoint's mappings must lie inside its bus window. */
  directMappings(path: EndpointPath): void {
    if (path.route.kind !== "direct") return;
    for (const m of this.view.mappings) {
      if (m.target.kind !== "direct" || m.target.name !== path.endpoint) continue;
      for (const c of m.chunks) {
        const end = Number((c.iova + c.size + 4095n) >> 12n);
        if (end <= path.maskEndPfn) continue;
        const args = {
          endpoint: path.endpoint,
          mapping: this.mappingName(m.id),
          end: hexOf(c.iova + c.size),
        };
        this.sink.report(D.beyondDmaMask.messages.busWindow, args, {
          endpoint: path.endpoint,
          address: c.iova,
          size: c.size,
          expected: `bus addresses below ${hexOf(addrOf(path.maskEndPfn))}`,
          found: `bus ${hexOf(c.iova)}..${hexOf(c.iova + c.size)}`,
          ...(this.spanOf(m.id) ? { span: this.spanOf(m.id)! } : {}),
        });
      }
    }
  }
}
