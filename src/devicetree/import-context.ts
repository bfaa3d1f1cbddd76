/**
 * What the steps of `vcm import-dt` share while they read one tree: the names handed out, the
 * nodes already declared or described (and why others were not), the regions found, the IOMMUs
 * declared, the counts for the summary, and the diagnostics.
 */
import { D, makeDiagnostic, text, type Message, type TextArgs } from "../diagnostics/catalogue.js";
import { hex } from "../diagnostics/format.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { fileSpan } from "../diagnostics/span.js";
import { physicalRegs, type AddressRange } from "./addresses.js";
import type { IommuFormat } from "./iommu-formats.js";
import { labelsOf, Namer } from "./names.js";
import { phandleIndex, type DeviceTree, type DtNode } from "./tree.js";

export interface ImportOptions {
  /** The input file, named in the header comment and in diagnostics. */
  file: string;
}

/** A `memory` line of the skeleton. */
export interface Region {
  name: string;
  range: AddressRange;
  kind: "ram" | "reserved" | "mmio";
  comment: string;
}

/** A node whose `status` lets it be used. */
export const isOkay = (n: DtNode) => {
  const s = n.string("status");
  return s === undefined || s === "okay" || s === "ok";
};

/** `dma-coherent`, as the comment of a device line says it. */
export const coherenceText = (n: DtNode) =>
  n.has("dma-coherent") ? "dma-coherent: map cacheable" : "not dma-coherent: map noncacheable";

export class ImportContext {
  readonly diagnostics: Diagnostic[] = [];
  readonly namer: Namer;
  readonly phandles: Map<number, DtNode>;
  /** Nodes the skeleton declares or describes, with nothing left to list. */
  readonly mapped = new Set<DtNode>();
  /** Why a node was not mapped, when there is more to say than "no memory-mapping role". */
  readonly why = new Map<DtNode, string>();
  readonly regions: Region[] = [];
  readonly counts: Record<string, number> = {};
  readonly iommus = new Map<DtNode, { name: string; format: IommuFormat }>();
  /** Mappers declared (cpu MMU, IOMMUs): without one, a pool would be unused. */
  mappers = 0;

  constructor(
    readonly tree: DeviceTree,
    readonly options: ImportOptions,
  ) {
    this.namer = new Namer(labelsOf(tree.root));
    this.phandles = phandleIndex(tree.root);
  }

  count(kind: string): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
  }

  /** A warning of `message`'s entry, about `node` (named by its path and byte offset). */
  warn<M extends string>(
    message: Message<M>,
    node: DtNode | undefined,
    ...args: TextArgs<M>
  ): void {
    const where = node ? `${node.path}: ` : "";
    const at = node ? ` (node at byte ${hex(node.offset)})` : "";
    this.diagnostics.push(
      makeDiagnostic(
        message.entry,
        fileSpan(this.options.file),
        `${where}${text(message, ...args)}${at}`,
      ),
    );
  }

  skip(node: DtNode, reason: string): void {
    this.why.set(node, reason);
  }

  /** `node`'s `reg` as physical ranges; unreadable, a warning and the reason it is skipped. */
  regs(node: DtNode): AddressRange[] | undefined {
    const regs = physicalRegs(node);
    if (regs.ok) return regs.value;
    this.warn(D.dtPropertyMalformed, node, { problem: regs.why });
    this.skip(node, `reg unreadable: ${regs.why}`);
    return undefined;
  }
}
