/**
 * A device tree read from an FDT: nodes with their raw property values. Accessors read values
 * the way the Devicetree Specification (chapter 2) types them and return undefined for a value
 * of the wrong shape, so the importer decides what a malformed property means.
 */

const LATIN1 = new TextDecoder("latin1");

export interface DtProperty {
  name: string;
  value: Uint8Array;
  /** Byte offset of the property's FDT_PROP token in the blob (for diagnostics). */
  offset: number;
}

export class DtNode {
  readonly children: DtNode[] = [];
  readonly props = new Map<string, DtProperty>();

  constructor(
    /** The full node name, `name@unit-address` ("" for the root). */
    readonly name: string,
    readonly parent: DtNode | undefined,
    /** Byte offset of the node's FDT_BEGIN_NODE token. */
    readonly offset: number,
  ) {}

  /** `/cpus/cpu@0`; the root is `/`. */
  get path(): string {
    if (!this.parent) return "/";
    const up = this.parent.path;
    return up === "/" ? `/${this.name}` : `${up}/${this.name}`;
  }

  /** The node name without its unit address. */
  get baseName(): string {
    const at = this.name.indexOf("@");
    return at < 0 ? this.name : this.name.slice(0, at);
  }

  /** The unit address text after `@`, if any. */
  get unitAddress(): string | undefined {
    const at = this.name.indexOf("@");
    return at < 0 ? undefined : this.name.slice(at + 1);
  }

  has(name: string): boolean {
    return this.props.has(name);
  }

  raw(name: string): Uint8Array | undefined {
    return this.props.get(name)?.value;
  }

  /** A property of exactly one 32-bit cell. */
  u32(name: string): number | undefined {
    const v = this.raw(name);
    return v && v.length === 4 ? readU32(v, 0) : undefined;
  }

  /** A property as 32-bit cells (undefined when its length is not a multiple of 4). */
  cells(name: string): number[] | undefined {
    const v = this.raw(name);
    if (!v || v.length % 4 !== 0) return undefined;
    const out: number[] = [];
    for (let i = 0; i < v.length; i += 4) out.push(readU32(v, i));
    return out;
  }

  /** A `<stringlist>`: NUL-terminated printable strings (undefined when not one). */
  strings(name: string): string[] | undefined {
    const v = this.raw(name);
    if (!v || v.length === 0 || v[v.length - 1] !== 0) return undefined;
    const out: string[] = [];
    let start = 0;
    for (let i = 0; i < v.length; i++) {
      if (v[i] !== 0) {
        if (v[i]! < 0x20 || v[i]! > 0x7e) return undefined;
        continue;
      }
      out.push(LATIN1.decode(v.subarray(start, i)));
      start = i + 1;
    }
    return out;
  }

  string(name: string): string | undefined {
    const s = this.strings(name);
    return s && s.length === 1 ? s[0] : undefined;
  }

  /** `#address-cells` this node gives its children (spec 2.3.5: default 2). */
  get addressCells(): number {
    return this.u32("#address-cells") ?? 2;
  }

  /** `#size-cells` this node gives its children (spec 2.3.5: default 1). */
  get sizeCells(): number {
    return this.u32("#size-cells") ?? 1;
  }

  /** Depth-first, this node first. */
  *walk(): Generator<DtNode> {
    const stack: DtNode[] = [this];
    while (stack.length > 0) {
      const n = stack.pop()!;
      yield n;
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
    }
  }

  child(name: string): DtNode | undefined {
    return this.children.find((c) => c.name === name);
  }
}

export interface DtReservation {
  address: bigint;
  size: bigint;
}

export interface DeviceTree {
  root: DtNode;
  /** The memory reservation block (`/memreserve/`), zero terminator excluded. */
  reservations: DtReservation[];
  version: number;
  bootCpuidPhys: number;
}

export function readU32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0
  );
}

/** `count` big-endian cells from `cells[at]` as one unsigned number (count <= 2 for 64 bits). */
export function cellsValue(cells: readonly number[], at: number, count: number): bigint {
  let v = 0n;
  for (let i = 0; i < count; i++) v = (v << 32n) | BigInt(cells[at + i]!);
  return v;
}

/** Every node by its `phandle` (or legacy `linux,phandle`). */
export function phandleIndex(root: DtNode): Map<number, DtNode> {
  const out = new Map<number, DtNode>();
  for (const n of root.walk()) {
    const p = n.u32("phandle") ?? n.u32("linux,phandle");
    if (p !== undefined && p !== 0 && p !== 0xffffffff && !out.has(p)) out.set(p, n);
  }
  return out;
}
