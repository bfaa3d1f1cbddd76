/**
 * Writing a device tree as an FDT blob (Devicetree Specification v0.4, chapter 5), version 17:
 * header, memory reservation block, structure block, strings block (names shared). Used to
 * build test trees and to round-trip what the reader read.
 */
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_HEADER_SIZE,
  FDT_LAST_COMP_VERSION,
  FDT_MAGIC,
  FDT_PROP,
  FDT_VERSION,
} from "./fdt-format.js";
import type { DeviceTree, DtNode } from "./tree.js";

class ByteSink {
  bytes = new Uint8Array(256);
  length = 0;
  private room(n: number) {
    if (this.length + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.bytes.subarray(0, this.length));
    this.bytes = b;
  }
  u32(v: number) {
    this.room(4);
    new DataView(this.bytes.buffer).setUint32(this.length, v >>> 0);
    this.length += 4;
  }
  u64(v: bigint) {
    this.u32(Number(v >> 32n));
    this.u32(Number(v & 0xffffffffn));
  }
  raw(b: Uint8Array) {
    this.room(b.length);
    this.bytes.set(b, this.length);
    this.length += b.length;
  }
  pad(to: number) {
    while (this.length % to !== 0) this.raw(new Uint8Array([0]));
  }
  done(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

export function writeFdt(tree: DeviceTree): Uint8Array {
  const strings = new ByteSink();
  const nameOffsets = new Map<string, number>();
  const nameOffset = (name: string) => {
    let off = nameOffsets.get(name);
    if (off === undefined) {
      off = strings.length;
      strings.raw(ascii(name));
      strings.raw(new Uint8Array([0]));
      nameOffsets.set(name, off);
    }
    return off;
  };

  const struct = new ByteSink();
  const emit = (node: DtNode) => {
    struct.u32(FDT_BEGIN_NODE);
    struct.raw(ascii(node.name));
    struct.raw(new Uint8Array([0]));
    struct.pad(4);
    for (const p of node.props.values()) {
      struct.u32(FDT_PROP);
      struct.u32(p.value.length);
      struct.u32(nameOffset(p.name));
      struct.raw(p.value);
      struct.pad(4);
    }
    for (const c of node.children) emit(c);
    struct.u32(FDT_END_NODE);
  };
  emit(tree.root);
  struct.u32(FDT_END);

  const rsv = new ByteSink();
  for (const r of tree.reservations) {
    rsv.u64(r.address);
    rsv.u64(r.size);
  }
  rsv.u64(0n);
  rsv.u64(0n);

  const offRsv = FDT_HEADER_SIZE; // 40: already 8-aligned
  const offStruct = offRsv + rsv.length;
  const offStrings = offStruct + struct.length;
  const total = offStrings + strings.length;
  const out = new ByteSink();
  for (const v of [
    FDT_MAGIC,
    total,
    offStruct,
    offStrings,
    offRsv,
    FDT_VERSION,
    FDT_LAST_COMP_VERSION,
    tree.bootCpuidPhys,
    strings.length,
    struct.length,
  ]) {
    out.u32(v);
  }
  out.raw(rsv.done());
  out.raw(struct.done());
  out.raw(strings.done());
  return out.done();
}
