/**
 * VCM names for device-tree nodes: the node's label when the tree has `__symbols__` (a .dts
 * compiled with `dtc -@`), else its name and unit address (`smmuv3@9050000` ->
 * `smmuv3_9050000`), made a valid VCM name and unique.
 */
import type { DtNode } from "./tree.js";

const MAX_NAME = 200;

export function sanitizeName(text: string): string {
  let s = text.replace(/[^A-Za-z0-9_]+/g, "_").replace(/^_+|_+$/g, "");
  if (s === "") s = "node";
  if (!/^[A-Za-z_]/.test(s)) s = `n_${s}`;
  return s.slice(0, MAX_NAME);
}

export class Namer {
  private readonly used = new Set<string>();
  private readonly byNode = new Map<DtNode, string>();

  constructor(
    /** path -> label, from `/__symbols__`. */
    private readonly labels: ReadonlyMap<string, string>,
  ) {}

  /** A fresh name for a thing that is no node (pools, derived regions). */
  /** Next suffix to try per base name, so many nodes of one name cost linear time. */
  private readonly nextSuffix = new Map<string, number>();

  fresh(want: string): string {
    const base = sanitizeName(want);
    let name = base;
    if (this.used.has(name)) {
      let i = this.nextSuffix.get(base) ?? 2;
      while (this.used.has(`${base}_${i}`)) i++;
      name = `${base}_${i}`;
      this.nextSuffix.set(base, i + 1);
    }
    this.used.add(name);
    return name;
  }

  /** The node's name (the same each time it is asked), with an optional suffix for its parts. */
  of(node: DtNode): string {
    let name = this.byNode.get(node);
    if (name === undefined) {
      const label = this.labels.get(node.path);
      name = this.fresh(label ?? nodeText(node));
      this.byNode.set(node, name);
    }
    return name;
  }
}

function nodeText(node: DtNode): string {
  const unit = node.unitAddress;
  const base = node.baseName;
  // A PCI function `virtio_iommu@2,0` keeps its device and function: `virtio_iommu_2_0`.
  return unit === undefined ? base : `${base}_${unit}`;
}

/** path -> label from `/__symbols__` (present when the source was compiled with `dtc -@`). */
export function labelsOf(root: DtNode): Map<string, string> {
  const out = new Map<string, string>();
  const symbols = root.child("__symbols__");
  if (!symbols) return out;
  for (const p of symbols.props.values()) {
    const path = symbols.string(p.name);
    if (path && !out.has(path)) out.set(path, p.name);
  }
  return out;
}
