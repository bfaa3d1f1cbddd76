/**
 * The importer's diagnostics (VCM0030-0036), each with a case that fires and one that does not,
 * and the importer never throwing on blobs that parse but say odd things.
 */
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dtcAvailable } from "../../src/devicetree/dtc.js";
import { readFdt } from "../../src/devicetree/fdt-reader.js";
import { writeFdt } from "../../src/devicetree/fdt-writer.js";
import { importDeviceTree } from "../../src/devicetree/import.js";
import { readDeviceTreeFile } from "../../src/devicetree/read-input.js";
import { DtNode, type DeviceTree } from "../../src/devicetree/tree.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/devicetree");
const dir = mkdtempSync(join(tmpdir(), "vcm-dt-diag-"));

const u32s = (...v: number[]) => {
  const b = new Uint8Array(v.length * 4);
  v.forEach((x, i) => new DataView(b.buffer).setUint32(i * 4, x >>> 0));
  return b;
};
const str = (...s: string[]) => Uint8Array.from(s.join("\0") + "\0", (c) => c.charCodeAt(0));

/** A small tree: memory at 2G, one SMMUv3 (phandle 1), one device behind it. */
function tree(edit?: (root: DtNode) => void): DeviceTree {
  const root = new DtNode("", undefined, 0);
  const node = (parent: DtNode, name: string, props: Record<string, Uint8Array>) => {
    const n = new DtNode(name, parent, 0);
    for (const [k, v] of Object.entries(props)) n.props.set(k, { name: k, value: v, offset: 0 });
    parent.children.push(n);
    return n;
  };
  root.props.set("#address-cells", { name: "#address-cells", value: u32s(2), offset: 0 });
  root.props.set("#size-cells", { name: "#size-cells", value: u32s(2), offset: 0 });
  node(root, "memory@80000000", {
    device_type: str("memory"),
    reg: u32s(0, 0x8000_0000, 0, 0x4000_0000),
  });
  node(root, "iommu@1000", {
    compatible: str("arm,smmu-v3"),
    "#iommu-cells": u32s(1),
    phandle: u32s(1),
  });
  node(root, "dev@2000", {
    compatible: str("acme,dev"),
    iommus: u32s(1, 0x42),
    reg: u32s(0, 0x2000, 0, 0x1000),
  });
  edit?.(root);
  return { root, reservations: [], version: 17, bootCpuidPhys: 0 };
}

const codes = (t: DeviceTree) =>
  importDeviceTree(t, { file: "t.dtb" }).diagnostics.map((d) => d.code);

describe("import-dt diagnostics", () => {
  it("a well-formed tree gives none", () => {
    const r = importDeviceTree(tree(), { file: "t.dtb" });
    expect(r.diagnostics).toEqual([]);
    expect(r.text).toMatch(/^device dev_2000 behind iommu_1000 stream 0x42 /m);
  });

  it("VCM0030: a missing input, a directory", () => {
    expect(readDeviceTreeFile(join(dir, "none.dtb")).diagnostics[0]!.code).toBe("VCM0030");
    mkdirSync(join(dir, "d.dtb"));
    expect(readDeviceTreeFile(join(dir, "d.dtb")).diagnostics[0]).toMatchObject({
      code: "VCM0030",
      message: expect.stringContaining("not a regular file"),
    });
  });

  it("VCM0032: dtc refuses a source, at its line (or VCM0031 without dtc)", () => {
    const bad = join(dir, "bad.dts");
    writeFileSync(bad, "/dts-v1/;\n/ {\n\tfoo = <1 2;\n};\n");
    const d = readDeviceTreeFile(bad).diagnostics[0]!;
    if (!dtcAvailable()) {
      expect(d.code).toBe("VCM0031");
      return;
    }
    expect(d.code).toBe("VCM0032");
    expect(d.span?.line).toBe(3);
    expect(d.hint).toBeUndefined();
    const macro = join(dir, "macro.dts");
    writeFileSync(macro, '/dts-v1/;\n#include "x.h"\n/ { i = <GIC_SPI 1>; };\n');
    expect(readDeviceTreeFile(macro).diagnostics[0]).toMatchObject({
      code: "VCM0032",
      hint: expect.stringContaining("cpp -nostdinc"),
    });
    const ok = join(dir, "ok.dts");
    writeFileSync(ok, '/dts-v1/;\n/ { model = "m"; };\n');
    expect(readDeviceTreeFile(ok).diagnostics).toEqual([]);
  });

  it("VCM0033: a .dtb that is not a blob", () => {
    const f = join(dir, "text.dtb");
    writeFileSync(f, "hello");
    expect(readDeviceTreeFile(f).diagnostics[0]).toMatchObject({
      code: "VCM0033",
      message: expect.stringContaining("0xd00dfeed"),
    });
  });

  it("VCM0034: a reg of the wrong length, iommus past their cells; the node is listed as not mapped", () => {
    const t = tree((root) => {
      root
        .child("memory@80000000")!
        .props.set("reg", { name: "reg", value: u32s(0, 0x8000_0000, 0), offset: 0 });
      root.child("dev@2000")!.props.set("iommus", { name: "iommus", value: u32s(1), offset: 0 });
    });
    const r = importDeviceTree(t, { file: "t.dtb" });
    expect(r.diagnostics.map((d) => d.code).sort()).toEqual(["VCM0034", "VCM0034", "VCM0036"]);
    expect(r.diagnostics[0]!.message).toMatch(
      /^\/memory@80000000: reg has 3 cells, not a multiple of 4/,
    );
    expect(r.text).toMatch(/^\/\/ {3}\/dev@2000 {3}\(iommus unreadable\)$/m);
  });

  it("VCM0035: iommus naming a phandle no node has", () => {
    const t = tree((root) =>
      root.child("dev@2000")!.props.set("iommus", { name: "iommus", value: u32s(7, 1), offset: 0 }),
    );
    expect(codes(t)).toEqual(["VCM0035"]);
  });

  it("VCM0036: no memory node", () => {
    const t = tree((root) => root.children.splice(0, 1));
    const r = importDeviceTree(t, { file: "t.dtb" });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["VCM0036"]);
    expect(r.text).not.toMatch(/^pool /m);
  });

  it("stays linear on a hostile tree: 40,000 masters of one name, a 1 MiB node name", () => {
    const t = tree((root) => {
      for (let i = 0; i < 40_000; i++) {
        const p = new DtNode(`p${i}`, root, 0);
        root.children.push(p);
        for (const k of ["#address-cells", "#size-cells"])
          p.props.set(k, { name: k, value: u32s(1), offset: 0 });
        p.props.set("ranges", { name: "ranges", value: new Uint8Array(0), offset: 0 });
        for (let j = 0; j < 1; j++) {
          const x = new DtNode("x", p, 0);
          x.props.set("dma-coherent", {
            name: "dma-coherent",
            value: new Uint8Array(0),
            offset: 0,
          });
          x.props.set("reg", { name: "reg", value: u32s(j * 0x1000, 0x100), offset: 0 });
          p.children.push(x);
        }
      }
      root.children.push(new DtNode("n".repeat(1 << 20), root, 0));
    });
    const blob = writeFdt(t);
    const started = performance.now();
    const parsed = readFdt(blob);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const r = importDeviceTree(parsed.tree, { file: "big.dtb" });
    expect(r.counts.dma).toBe(40_000);
    expect(r.text).toMatch(/^dma x_40000 /m);
    // Quadratic naming or listing took minutes here; linear work is about a second.
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it("never throws on mutated QEMU blobs that still parse", () => {
    const parsed = readFdt(new Uint8Array(readFileSync(join(FIXTURES, "qemu-virt-smmuv3.dtb"))));
    if (!parsed.ok) throw new Error(parsed.problem.message);
    const base = writeFdt(parsed.tree);
    let seed = 99;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    let imported = 0;
    for (let i = 0; i < 400; i++) {
      const b = base.slice();
      for (let k = 0; k < 1; k++)
        b[40 + Math.floor(rand() * (b.length - 40))] = Math.floor(rand() * 256);
      const r = readFdt(b);
      if (!r.ok) continue;
      expect(() => importDeviceTree(r.tree, { file: "m.dtb" })).not.toThrow();
      imported++;
    }
    expect(imported).toBeGreaterThan(50);
  });
});
