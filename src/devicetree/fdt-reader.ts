/**
 * Reading a flattened device tree blob (Devicetree Specification v0.4, chapter 5). The blob is
 * untrusted: every offset and size in the header is checked against the blob and the other
 * blocks before anything is read, every structure token and name is bounds-checked, and the
 * first problem is returned with the byte offset where it was found, never thrown.
 */
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_HEADER_SIZE,
  FDT_LAST_COMP_VERSION,
  FDT_LIMITS,
  FDT_MAGIC,
  FDT_NOP,
  FDT_PROP,
  FDT_V16_HEADER_SIZE,
  FDT_VERSION,
  HEADER,
  type FdtLimits,
} from "./fdt-format.js";
import { DtNode, readU32, type DeviceTree, type DtReservation } from "./tree.js";

export interface FdtProblem {
  message: string;
  /** Byte offset in the blob. */
  offset: number;
}

export type FdtResult = { ok: true; tree: DeviceTree } | { ok: false; problem: FdtProblem };

class Malformed extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const hex = (n: number) => "0x" + n.toString(16);
/** Printable ASCII (checked first): short names directly, long ones without spreading arguments. */
const LATIN1 = new TextDecoder("latin1");
export function asciiText(bytes: Uint8Array, start: number, end: number): string {
  if (end - start > 1024) return LATIN1.decode(bytes.subarray(start, end));
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

function u64(bytes: Uint8Array, at: number): bigint {
  return (BigInt(readU32(bytes, at)) << 32n) | BigInt(readU32(bytes, at + 4));
}

/** A block [off, off + size) must lie after the header and inside the blob. */
function checkBlock(name: string, off: number, size: number, headerEnd: number, total: number) {
  if (off < headerEnd || off > total) {
    throw new Malformed(
      `the ${name} block offset ${hex(off)} lies outside the blob (${hex(headerEnd)}..${hex(total)})`,
      0,
    );
  }
  if (size > total - off) {
    throw new Malformed(
      `the ${name} block (${hex(off)} + ${hex(size)} bytes) runs past the end of the blob (${hex(total)})`,
      0,
    );
  }
}

/** `limits` bound depth, nodes, properties and reservations (default FDT_LIMITS). */
export function readFdt(blob: Uint8Array, limits: FdtLimits = FDT_LIMITS): FdtResult {
  try {
    return { ok: true, tree: read(blob, limits) };
  } catch (e) {
    if (e instanceof Malformed)
      return { ok: false, problem: { message: e.message, offset: e.offset } };
    throw e;
  }
}

function read(blob: Uint8Array, limits: FdtLimits): DeviceTree {
  if (blob.length < FDT_V16_HEADER_SIZE) {
    throw new Malformed(`${blob.length} bytes is too short for an FDT header`, 0);
  }
  const field = (at: number) => readU32(blob, at);
  const magic = field(HEADER.magic);
  if (magic !== FDT_MAGIC) {
    throw new Malformed(`bad magic ${hex(magic)} (an FDT starts with 0xd00dfeed)`, 0);
  }
  const version = field(HEADER.version);
  const lastComp = field(HEADER.lastCompVersion);
  if (version < FDT_LAST_COMP_VERSION || lastComp > FDT_VERSION) {
    throw new Malformed(
      `version ${version} (compatible with ${lastComp}) is not readable: versions 16 and 17 are`,
      HEADER.version,
    );
  }
  const headerEnd = version >= 17 ? FDT_HEADER_SIZE : FDT_V16_HEADER_SIZE;
  if (blob.length < headerEnd) {
    throw new Malformed(`${blob.length} bytes is too short for a version ${version} header`, 0);
  }
  const total = field(HEADER.totalsize);
  if (total > blob.length) {
    throw new Malformed(
      `the header's totalsize ${hex(total)} is larger than the file (${hex(blob.length)} bytes)`,
      HEADER.totalsize,
    );
  }
  if (total < headerEnd)
    throw new Malformed(`totalsize ${hex(total)} is smaller than the header`, 4);
  const offStruct = field(HEADER.offDtStruct);
  const offStrings = field(HEADER.offDtStrings);
  const offRsv = field(HEADER.offMemRsvmap);
  const sizeStrings = field(HEADER.sizeDtStrings);
  // Version 16 has no structure size: the block may run to the end of the blob.
  const sizeStruct =
    version >= 17 ? field(HEADER.sizeDtStruct) : total - Math.min(offStruct, total);
  checkBlock("structure", offStruct, sizeStruct, headerEnd, total);
  checkBlock("strings", offStrings, sizeStrings, headerEnd, total);
  checkBlock("memory reservation", offRsv, 0, headerEnd, total);
  if (offStruct % 4 !== 0)
    throw new Malformed(`the structure block offset ${hex(offStruct)} is not 4-byte aligned`, 8);
  if (offRsv % 8 !== 0)
    throw new Malformed(
      `the memory reservation block offset ${hex(offRsv)} is not 8-byte aligned`,
      16,
    );
  if (sizeStruct % 4 !== 0)
    throw new Malformed(`the structure block size ${hex(sizeStruct)} is not a multiple of 4`, 36);
  if (offStruct < offStrings + sizeStrings && offStrings < offStruct + sizeStruct) {
    throw new Malformed("the structure and strings blocks overlap", 8);
  }

  const reservations = readReservations(blob, offRsv, total, limits, [
    [offStruct, offStruct + sizeStruct],
    [offStrings, offStrings + sizeStrings],
  ]);
  const strings = blob.subarray(offStrings, offStrings + sizeStrings);
  const root = readStructure(
    blob.subarray(offStruct, offStruct + sizeStruct),
    offStruct,
    strings,
    limits,
  );
  return { root, reservations, version, bootCpuidPhys: field(HEADER.bootCpuidPhys) };
}

function readReservations(
  blob: Uint8Array,
  off: number,
  total: number,
  limits: FdtLimits,
  others: [number, number][],
): DtReservation[] {
  const out: DtReservation[] = [];
  for (let at = off; ; at += 16) {
    if (at + 16 > total) {
      throw new Malformed("the memory reservation block has no terminating zero entry", at);
    }
    for (const [lo, hi] of others) {
      if (at < hi && at + 16 > lo) {
        throw new Malformed("the memory reservation block runs into another block", at);
      }
    }
    const address = u64(blob, at);
    const size = u64(blob, at + 8);
    if (address === 0n && size === 0n) return out;
    if (address + size > 1n << 64n) {
      throw new Malformed(
        `reservation ${address.toString(16)} + ${size.toString(16)} passes 2^64`,
        at,
      );
    }
    if (out.length >= limits.maxReservations) {
      throw new Malformed(`more than ${limits.maxReservations} memory reservations`, at);
    }
    out.push({ address, size });
  }
}

/** A NUL-terminated string at `at` inside `bytes` (the NUL inside too). */
function cString(bytes: Uint8Array, at: number, what: string, where: number): string {
  const end = bytes.indexOf(0, at);
  if (end < 0) throw new Malformed(`${what} is not NUL-terminated inside its block`, where);
  for (let i = at; i < end; i++) {
    if (bytes[i]! < 0x20 || bytes[i]! > 0x7e) {
      throw new Malformed(`${what} holds the non-printable byte ${hex(bytes[i]!)}`, where);
    }
  }
  return asciiText(bytes, at, end);
}

/**
 * Reads the structure block token by token into a tree, refusing anything malformed or over the
 * limits with the offset of the token at fault.
 */
class StructureReader {
  private pos = 0;
  private root: DtNode | undefined;
  private current: DtNode | undefined;
  // Child names per open node, so a node with a million children is not checked quadratically.
  private readonly childNames = new Map<DtNode, Set<string>>();
  private nodes = 0;
  private props = 0;
  private depth = 0;

  constructor(
    private readonly block: Uint8Array,
    private readonly base: number,
    private readonly strings: Uint8Array,
    private readonly limits: FdtLimits,
  ) {}

  read(): DtNode {
    for (;;) {
      const at = this.pos;
      const t = this.token();
      switch (t) {
        case FDT_NOP:
          continue;
        case FDT_BEGIN_NODE:
          this.beginNode(at);
          continue;
        case FDT_END_NODE:
          this.endNode(at);
          continue;
        case FDT_PROP:
          this.property(at);
          continue;
        case FDT_END:
          return this.end(at);
        default:
          throw new Malformed(`unknown structure token ${hex(t)}`, this.base + at);
      }
    }
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.block.length) {
      throw new Malformed(`${what} runs past the end of the structure block`, this.base + this.pos);
    }
  }

  private token(): number {
    this.need(4, "a token");
    const t = readU32(this.block, this.pos);
    this.pos += 4;
    return t;
  }

  private align(): void {
    this.pos = (this.pos + 3) & ~3;
  }

  private beginNode(at: number): void {
    const { base, limits, current } = this;
    if (this.root && !current)
      throw new Malformed("a second root node after the first one ended", base + at);
    const name = cString(this.block, this.pos, "a node name", base + at);
    this.pos += name.length + 1;
    this.align();
    if (this.pos > this.block.length)
      throw new Malformed("a node name runs past the structure block", base + at);
    if (!this.root && name !== "")
      throw new Malformed(`the root node is named '${name}' (it has no name)`, base + at);
    if (this.depth >= limits.maxDepth) {
      throw new Malformed(`nodes nest deeper than ${limits.maxDepth} levels`, base + at);
    }
    if (current && name === "")
      throw new Malformed(`a node under '${current.path}' has an empty name`, base + at);
    if (++this.nodes > limits.maxNodes) {
      throw new Malformed(`more than ${limits.maxNodes} nodes`, base + at);
    }
    const node = new DtNode(name, current, base + at);
    if (current) {
      const names = this.childNames.get(current)!;
      if (names.has(name)) throw new Malformed(`'${node.path}' appears twice`, base + at);
      names.add(name);
      current.children.push(node);
    } else this.root = node;
    this.childNames.set(node, new Set());
    this.current = node;
    this.depth++;
  }

  private endNode(at: number): void {
    if (!this.current) throw new Malformed("FDT_END_NODE with no node open", this.base + at);
    this.childNames.delete(this.current);
    this.current = this.current.parent;
    this.depth--;
  }

  private property(at: number): void {
    const { base, limits, current, strings } = this;
    if (!current) throw new Malformed("FDT_PROP outside any node", base + at);
    if (++this.props > limits.maxProperties) {
      throw new Malformed(`more than ${limits.maxProperties} properties`, base + at);
    }
    const len = this.token();
    const nameoff = this.token();
    if (nameoff >= strings.length) {
      throw new Malformed(
        `a property name offset ${hex(nameoff)} lies outside the strings block (${hex(strings.length)} bytes)`,
        base + at,
      );
    }
    const name = cString(strings, nameoff, "a property name", base + at);
    if (name === "")
      throw new Malformed(`a property of '${current.path}' has an empty name`, base + at);
    this.need(len, `the value of '${current.path}:${name}' (${len} bytes)`);
    const value = this.block.slice(this.pos, this.pos + len);
    this.pos += len;
    this.align();
    if (current.props.has(name))
      throw new Malformed(`'${current.path}' has two '${name}' properties`, base + at);
    current.props.set(name, { name, value, offset: base + at });
  }

  private end(at: number): DtNode {
    if (!this.root) throw new Malformed("the structure block ends before any node", this.base + at);
    if (this.current)
      throw new Malformed(`FDT_END while '${this.current.path}' is still open`, this.base + at);
    return this.root;
  }
}

function readStructure(
  block: Uint8Array,
  base: number,
  strings: Uint8Array,
  limits: FdtLimits,
): DtNode {
  return new StructureReader(block, base, strings, limits).read();
}
