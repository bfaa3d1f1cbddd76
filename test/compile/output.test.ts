import { createHash } from "node:crypto";
import {
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { compileToDirectory } from "../../src/compile/compile.js";
import { loadCompiled } from "../../src/compile/load-compiled.js";
import { writeCompileOutput } from "../../src/compile/write-output.js";
import type { IrTopology } from "../../src/ir/types.js";
import { lower } from "../../src/lowering/lower.js";
import type { CompiledTopology } from "../../src/lowering/compiled.js";
import type { VcmPlugin } from "../../src/plugin-api/types.js";
import { PluginRegistry } from "../../src/plugin-host/registry.js";
import { createFakeRadix } from "../fixtures/lowering/fake-radix.js";
import { baseTopology, domain, mapping } from "../fixtures/lowering/ir-builder.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), "vcm-compile-"));
  dirs.push(d);
  return d;
}

function registry(plugin: VcmPlugin = createFakeRadix()): PluginRegistry {
  const r = new PluginRegistry();
  r.register(plugin, "test");
  return r;
}

function topology(): IrTopology {
  const ir = baseTopology("fake-radix");
  ir.domains.push({ ...domain("e", []), aperture: { base: 0n, size: 1n << 32n, space: "iova" } });
  ir.mappings.push(mapping("d", [{ pa: 0x8000_0000n, size: 0x40_3000n }], 0x20_0000n));
  ir.mappings.push(mapping("d", [{ pa: 0x9000_0000n, size: 0x20_0000n }], "auto"));
  ir.mappings.push(
    mapping(
      "e",
      [
        { pa: 0x8800_0000n, size: 0x2000n },
        { pa: 0x8820_0000n, size: 0x20_0000n },
      ],
      "auto",
      { perms: { r: true, w: false, x: false, priv: true } },
    ),
  );
  return ir;
}

function siblingsOf(dir: string): string[] {
  return readdirSync(join(dir, "..")).sort();
}

/** Every file under `dir` with a SHA-256 of its bytes, for exact comparisons. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p, `${rel}${name}/`);
      else out.set(rel + name, createHash("sha256").update(readFileSync(p)).digest("hex"));
    }
  };
  walk(dir, "");
  return out;
}

/** Every valid 4K page of every table, walked from bytes. */
function translations(compiled: CompiledTopology): string[] {
  const out: string[] = [];
  for (const t of compiled.tables) {
    const plugin = compiled.plugins.get(t.format)!;
    plugin.leaves(compiled.memory, t.context, (iovaPfn, paPfn, count4k, prot, attrs, shift) => {
      out.push(`${t.name} ${iovaPfn} ${paPfn} ${count4k} ${prot} ${attrs} ${shift}`);
    });
    for (const m of compiled.mappings.filter((x) => x.table === t.name)) {
      for (const c of m.chunks) {
        for (let off = 0n; off < c.size; off += 0x1000n) {
          const w = plugin.walk(compiled.memory, t.context, c.iova + off);
          out.push(w.ok ? `${t.name} ${c.iova + off} -> ${w.pa} ${w.prot}` : `fault ${w.reason}`);
        }
      }
    }
  }
  return out;
}

describe("compile output", () => {
  it("round-trips through manifest + pool images: the loaded tables translate the same", () => {
    const plugins = registry();
    const dir = join(scratch(), "out");
    const result = compileToDirectory(topology(), plugins, dir);
    expect(result.diagnostics).toEqual([]);
    const live = result.compiled!;
    const loaded = loadCompiled(dir, topology(), plugins);
    expect(loaded.live).toBeUndefined();
    expect(translations(loaded)).toEqual(translations(live));
    expect(translations(live).some((s) => s.startsWith("fault"))).toBe(false);
    const { live: _live, ir: _ir, plugins: _p, memory: _m, ...liveData } = live;
    const { ir: _ir2, plugins: _p2, memory: _m2, ...loadedData } = loaded;
    expect(loadedData).toEqual(liveData);
    // The loaded memory holds exactly the live table bytes.
    for (const p of live.pools) {
      const a = Buffer.from(loaded.memory.readBytes(p.base, Number(p.size)));
      const b = Buffer.from(live.memory.readBytes(p.base, Number(p.size)));
      expect(a.equals(b)).toBe(true);
    }
  });

  it("writes the pool images, dumps and a manifest describing the tables", () => {
    const plugins = registry();
    const dir = join(scratch(), "out");
    const { compiled } = compileToDirectory(topology(), plugins, dir);
    const files = [...snapshot(dir).keys()];
    expect(files).toEqual(["domains/d.txt", "domains/e.txt", "manifest.json", "pools/pt.bin"]);
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    expect(manifest.manifestVersion).toBe(1);
    expect(manifest.pools[0]).toMatchObject({ name: "pt", base: "0x40000000", size: "0x400000" });
    expect(statSync(join(dir, "pools/pt.bin")).size).toBe(0x40_0000);
    const d = manifest.tables.find((t: { name: string }) => t.name === "d");
    expect(d.root).toBe("0x" + compiled!.tables[0]!.context.root.toString(16));
    expect(d.geometry).toMatchObject({ entryBytes: 8, endianness: "little", levels: 3 });
    expect(d.leafCounts).toEqual({ "0x1000": 3, "0x200000": 3 });
    expect(d.tablePages[0]).toEqual({ pa: d.root, bytes: 4096, level: 0 });
    const auto = manifest.mappings.find((m: { id: number; autoIova: boolean }) => m.autoIova);
    expect(BigInt(auto.iova) % 0x20_0000n).toBe(0n);
    expect(readFileSync(join(dir, "domains/d.txt"), "utf8")).toContain("level 2");
  });

  it("emits a C header whose arrays hold the pool bytes", () => {
    const plugins = registry();
    const dir = join(scratch(), "out");
    const { compiled } = compileToDirectory(topology(), plugins, dir, { format: "c" });
    const header = readFileSync(join(dir, "tables.h"), "utf8");
    const root = compiled!.tables[0]!.context.root;
    expect(header).toContain(`#define VCM_D_ROOT_PA 0x${root.toString(16)}ULL`);
    expect(header).toContain("static const uint64_t vcm_d_page0[512]");
    // The first root entry is a table descriptor: check it against the image bytes.
    const image = readFileSync(join(dir, "pools/pt.bin"));
    const first = image.readBigUInt64LE(Number(root - 0x4000_0000n));
    const arr = header.split("vcm_d_page0[512]")[1]!;
    expect(arr).toContain(`0x${first.toString(16)}ULL`);
  });

  it("leaves an earlier output directory byte for byte when a later compile fails", () => {
    const plugins = registry();
    const dir = join(scratch(), "out");
    compileToDirectory(topology(), plugins, dir);
    const before = snapshot(dir);
    // A lowering error: nothing is written.
    const bad = topology();
    bad.mappings.push(mapping("d", [{ pa: 0x8000_0000n, size: 0x1000n }], 0x20_0000n));
    const failed = compileToDirectory(bad, plugins, dir);
    expect(failed.written).toBe(false);
    expect(failed.diagnostics.map((d) => d.check)).toEqual(["mapping-refused"]);
    expect(snapshot(dir)).toEqual(before);
    // A failure while writing (a plugin's dump throws): the old directory stays too.
    const broken = createFakeRadix();
    broken.describe = () => {
      throw new Error("dump failed");
    };
    const other = topology();
    other.mappings.pop();
    const compiled = lower(other, registry(broken)).compiled!;
    expect(() => writeCompileOutput(compiled, dir, { format: "default" })).toThrow("dump failed");
    expect(snapshot(dir)).toEqual(before);
    expect(siblingsOf(dir)).toEqual(["out", readlinkSync(dir)].sort());
  });

  it("replaces an earlier output with a new one", () => {
    const plugins = registry();
    const dir = join(scratch(), "out");
    compileToDirectory(topology(), plugins, dir, { format: "c" });
    const smaller = topology();
    smaller.mappings.pop();
    compileToDirectory(smaller, plugins, dir);
    const files = [...snapshot(dir).keys()];
    expect(files).not.toContain("tables.h");
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    expect(manifest.mappings).toHaveLength(2);
    // DIR is a link to the one output directory left beside it.
    expect(readlinkSync(dir)).toMatch(/^\.out\.vcm-out\.\d+\.[0-9a-f]+$/);
    expect(siblingsOf(dir)).toEqual(["out", readlinkSync(dir)].sort());
  });
});

describe("loadCompiled", () => {
  it("refuses a manifest of another version", () => {
    const plugins = registry();
    const dir = join(scratch(), "out");
    compileToDirectory(topology(), plugins, dir);
    const path = join(dir, "manifest.json");
    const manifest = JSON.parse(readFileSync(path, "utf8"));
    manifest.manifestVersion = 99;
    writeFileSync(path, JSON.stringify(manifest));
    expect(() => loadCompiled(dir, topology(), plugins)).toThrow(/manifestVersion 99/);
  });

  it("refuses a pool image of the wrong size", () => {
    const plugins = registry();
    const dir = join(scratch(), "out");
    compileToDirectory(topology(), plugins, dir);
    truncateSync(join(dir, "pools/pt.bin"), 4096);
    expect(() => loadCompiled(dir, topology(), plugins)).toThrow(/4096 bytes, expected/);
  });
});
