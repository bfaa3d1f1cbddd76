/**
 * The FDT reader against the Devicetree Specification's layout (golden bytes written by hand
 * from chapter 5), real blobs (QEMU's, dtc's) and hostile mutations: every one is a problem
 * with a byte offset, never a throw.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FDT_LIMITS } from "../../src/devicetree/fdt-format.js";
import { readFdt } from "../../src/devicetree/fdt-reader.js";
import { writeFdt } from "../../src/devicetree/fdt-writer.js";
import { DtNode, type DeviceTree } from "../../src/devicetree/tree.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/devicetree");
const qemu = () => new Uint8Array(readFileSync(join(FIXTURES, "qemu-virt-smmuv3.dtb")));
/** QEMU's tree without its 1 MiB of padding, for the mutation loops. */
function compactQemu(): Uint8Array {
  const r = readFdt(qemu());
  if (!r.ok) throw new Error(r.problem.message);
  return writeFdt(r.tree);
}

function be32(...words: number[]): number[] {
  return words.flatMap((w) => [(w >>> 24) & 255, (w >>> 16) & 255, (w >>> 8) & 255, w & 255]);
}

/**
 * The smallest tree, by hand from spec 5.2-5.5: header (40 bytes), reservation block with one
 * entry and the terminator (32 bytes) at 0x28, structure at 0x48, strings at the end.
 * Root node with one property `model = "a"` and a child `c@1` with none.
 */
function handMade(): Uint8Array {
  const struct = [
    ...be32(1, 0), // FDT_BEGIN_NODE, "" padded to 4
    ...be32(3, 2, 0), // FDT_PROP len 2 nameoff 0
    0x61,
    0,
    0,
    0, // "a\0" padded
    ...be32(1),
    0x63,
    0x40,
    0x31,
    0, // FDT_BEGIN_NODE "c@1\0"
    ...be32(2, 2, 9), // END_NODE (c@1), END_NODE (root), FDT_END
  ];
  const strings = [0x6d, 0x6f, 0x64, 0x65, 0x6c, 0]; // "model\0"
  const rsv = [...be32(0, 0x8000_0000, 0, 0x1000), ...be32(0, 0, 0, 0)];
  const offStruct = 40 + rsv.length;
  const offStrings = offStruct + struct.length;
  const total = offStrings + strings.length;
  const header = be32(
    0xd00dfeed,
    total,
    offStruct,
    offStrings,
    40,
    17,
    16,
    0,
    strings.length,
    struct.length,
  );
  return Uint8Array.from([...header, ...rsv, ...struct, ...strings]);
}

function expectProblem(blob: Uint8Array, pattern: RegExp) {
  const r = readFdt(blob);
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.problem.message).toMatch(pattern);
}

function setU32(blob: Uint8Array, at: number, v: number) {
  new DataView(blob.buffer, blob.byteOffset).setUint32(at, v >>> 0);
}

describe("readFdt", () => {
  it("reads the hand-made blob of spec chapter 5", () => {
    const r = readFdt(handMade());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.tree.reservations).toEqual([{ address: 0x8000_0000n, size: 0x1000n }]);
    expect(r.tree.root.string("model")).toBe("a");
    expect(r.tree.root.children.map((c) => c.path)).toEqual(["/c@1"]);
    expect(r.tree.root.children[0]!.unitAddress).toBe("1");
  });

  it("reads QEMU's virt blob and writes it back to the same tree", () => {
    const r = readFdt(qemu());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const smmu = r.tree.root.child("smmuv3@9050000")!;
    expect(smmu.strings("compatible")).toEqual(["arm,smmu-v3"]);
    expect(smmu.u32("#iommu-cells")).toBe(1);
    expect(r.tree.root.child("memory@40000000")!.cells("reg")).toEqual([
      0, 0x4000_0000, 0, 0x800_0000,
    ]);
    const again = readFdt(writeFdt(r.tree));
    expect(again.ok).toBe(true);
    if (!again.ok) return;
    const paths = (t: DeviceTree) =>
      [...t.root.walk()].map((n) => `${n.path}:${[...n.props.keys()].join(",")}`);
    expect(paths(again.tree)).toEqual(paths(r.tree));
  });

  it.each([
    ["too short", (b: Uint8Array) => b.slice(0, 20), /too short/],
    ["bad magic", (b: Uint8Array) => (setU32(b, 0, 0xdeadbeef), b), /bad magic/],
    [
      "totalsize past the file",
      (b: Uint8Array) => (setU32(b, 4, b.length + 4), b),
      /larger than the file/,
    ],
    ["version 15", (b: Uint8Array) => (setU32(b, 20, 15), b), /version 15/],
    [
      "structure offset outside",
      (b: Uint8Array) => (setU32(b, 8, 0xffff_fff0), b),
      /outside the blob/,
    ],
    ["structure offset in the header", (b: Uint8Array) => (setU32(b, 8, 8), b), /outside the blob/],
    [
      "structure size past the end",
      (b: Uint8Array) => (setU32(b, 36, 0x7fff_fff0), b),
      /runs past the end/,
    ],
    [
      "strings size past the end",
      (b: Uint8Array) => (setU32(b, 32, 0xffff_ffff), b),
      /runs past the end/,
    ],
    ["misaligned structure", (b: Uint8Array) => (setU32(b, 8, 0x49), b), /aligned|overlap|token/],
    ["misaligned reservations", (b: Uint8Array) => (setU32(b, 16, 0x2c), b), /8-byte aligned/],
    ["unknown token", (b: Uint8Array) => (setU32(b, 0x48, 7), b), /unknown structure token 0x7/],
    [
      "property name offset outside the strings",
      (b: Uint8Array) => (setU32(b, 0x48 + 16, 0x1000), b),
      /outside the strings block/,
    ],
    [
      "property length past the block",
      (b: Uint8Array) => (setU32(b, 0x48 + 12, 0x1_0000), b),
      /runs past the end of the structure block/,
    ],
    [
      "no FDT_END",
      (b: Uint8Array) => (setU32(b, 0x48 + 40, 2), b),
      /FDT_END_NODE with no node open|past the end/,
    ],
    ["root not closed", (b: Uint8Array) => (setU32(b, 0x48 + 36, 9), b), /still open/],
    [
      "unterminated reservation block",
      (b: Uint8Array) => (setU32(b, 0x28 + 28, 1), b),
      /reservation block/,
    ],
  ])("refuses %s with a message and offset", (_what, mutate, pattern) => {
    expectProblem(mutate(handMade()), pattern);
  });

  it("refuses nodes nested deeper than 64 levels", () => {
    const root = new DtNode("", undefined, 0);
    let n = root;
    for (let i = 0; i < 70; i++) {
      const c = new DtNode(`n${i}`, n, 0);
      n.children.push(c);
      n = c;
    }
    expectProblem(
      writeFdt({ root, reservations: [], version: 17, bootCpuidPhys: 0 }),
      /deeper than 64/,
    );
  });

  it("bounds nodes and properties (a blob of empty nodes costs no more than a real tree)", () => {
    const blob = compactQemu();
    const small = { ...FDT_LIMITS, maxNodes: 10, maxProperties: 1000 };
    expect(readFdt(blob, small)).toMatchObject({
      ok: false,
      problem: { message: "more than 10 nodes" },
    });
    const fewProps = { ...small, maxNodes: 1000, maxProperties: 20 };
    expect(readFdt(blob, fewProps)).toMatchObject({
      ok: false,
      problem: { message: "more than 20 properties" },
    });
    expect(readFdt(blob, { ...small, maxNodes: 1000 }).ok).toBe(true);
  });

  it("never throws on any single-byte corruption of a real blob's header and first tokens", () => {
    const base = compactQemu();
    for (let at = 0; at < 0x200; at++) {
      for (const v of [0x00, 0xff, 0x80]) {
        const b = base.slice();
        b[at] = v;
        expect(() => readFdt(b)).not.toThrow();
      }
    }
  });

  it("never throws on random truncations and 32-bit overwrites", () => {
    const base = compactQemu();
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 300; i++) {
      const b = base.slice(0, 40 + Math.floor(rand() * (base.length - 40)));
      setU32(b, 4, b.length);
      const at = Math.floor(rand() * (b.length - 4)) & ~3;
      setU32(b, at, Math.floor(rand() * 2 ** 32));
      const r = readFdt(b);
      if (!r.ok) expect(r.problem.offset).toBeGreaterThanOrEqual(0);
    }
  });
});
