/**
 * A plugin package with its own copy of `vcm` (issue 12): its MappingError is another class,
 * so VCM recognises it by its brand; the conformance kit and a proof give the same verdicts as
 * for a plugin loaded from this tree. One file reached twice is one plugin. Capabilities the
 * geometry states are derived. Conformance failures speak in rights and units.
 */
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/index.js";
import { runConformance } from "../../src/plugin-api/conformance/index.js";
import {
  capabilitiesFromGeometry,
  defineRadixPlugin,
} from "../../src/plugin-api/radix/define-plugin.js";
import {
  isMappingError,
  MappingError,
  PROT_READ,
  PROT_WRITE,
  type VcmPlugin,
} from "../../src/plugin-api/types.js";
import { builtinRegistry } from "../../src/plugin-host/builtins.js";
import { loadPlugins } from "../../src/plugin-host/load.js";
import { ROOT } from "../cli/helpers.js";

const TOY = join(ROOT, "test/fixtures/plugins/toy-flat");
let dir: string;
let pluginFile: string;

beforeAll(() => {
  // project/node_modules/vcm: a second copy of the package (its own module instances);
  // project/plugin/index.js: the toy-flat plugin, importing `vcm/plugin-api` from that copy.
  dir = mkdtempSync(join(tmpdir(), "vcm-copies-"));
  const copy = join(dir, "node_modules", "vcm");
  cpSync(join(ROOT, "dist/src"), join(copy, "dist/src"), { recursive: true });
  writeFileSync(
    join(copy, "package.json"),
    JSON.stringify({
      name: "vcm",
      type: "module",
      exports: { "./plugin-api": "./dist/src/plugin-api/index.js" },
    }),
  );
  mkdirSync(join(dir, "plugin"));
  pluginFile = join(dir, "plugin", "index.js");
  writeFileSync(pluginFile, readFileSync(join(TOY, "index.js"), "utf8"));
  writeFileSync(join(dir, "plugin", "package.json"), '{ "type": "module" }');
  writeFileSync(
    join(dir, "t.vcm"),
    readFileSync(join(TOY, "topology.vcm"), "utf8").replace(
      'use "./index.js"',
      'use "./plugin/index.js"',
    ),
  );
  symlinkSync(pluginFile, join(dir, "link.js"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function loadCopy(): Promise<VcmPlugin> {
  const registry = builtinRegistry();
  expect(await loadPlugins([{ specifier: pluginFile, baseDir: dir }], registry)).toEqual([]);
  return registry.get("toy-flat")!;
}

describe("a plugin with its own copy of vcm", () => {
  it("throws a MappingError of another class, recognised by its brand", async () => {
    const plugin = await loadCopy();
    const { PhysicalMemory, PoolAllocator } = await import("../../src/plugin-api/index.js");
    const memory = new PhysicalMemory();
    memory.allowWrites(0x4000_0000n, 4n << 20n);
    const pool = new PoolAllocator("p", 0x4000_0000n, 4n << 20n);
    const handle = plugin.create(memory, pool, {
      params: { colour: "red" },
      aperture: { base: 0n, size: 1n << 30n },
      name: "t",
    } as never);
    plugin.map(handle, 0n, 0x4040_0000n, 0x1000n, 1, PROT_READ, 0);
    let thrown: unknown;
    try {
      plugin.map(handle, 0n, 0x4040_0000n, 0x1000n, 1, PROT_READ, 0);
    } catch (e) {
      thrown = e;
    }
    expect(thrown instanceof MappingError).toBe(false);
    expect(isMappingError(thrown)).toBe(true);
    expect((thrown as MappingError).code).toBe("exists");
    expect(isMappingError(new Error("x"))).toBe(false);
  });

  it("passes the conformance kit and is proved by `run`, as from this tree", async () => {
    const plugin = await loadCopy();
    expect(await runConformance(plugin, { params: { colour: "red" }, runs: 5 })).toEqual([]);
    const result = await run(join(dir, "t.vcm"), { plugins: [pluginFile], cwd: dir });
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(result.report?.status).toBe("proved");
  });

  it("one file reached twice (a path and a symbolic link to it) is one plugin", async () => {
    const registry = builtinRegistry();
    const problems = await loadPlugins(
      [
        { specifier: pluginFile, baseDir: dir },
        { specifier: "./link.js", baseDir: dir },
      ],
      registry,
    );
    expect(problems).toEqual([]);
    expect(registry.names().filter((n) => n === "toy-flat")).toEqual(["toy-flat"]);
    // Registering the very same plugin again is no conflict; another of that name is.
    const plugin = registry.get("toy-flat")!;
    registry.register(plugin, "elsewhere");
    expect(() => registry.register({ ...plugin }, "elsewhere")).toThrow(/two plugins are named/);
  });
});

describe("radix plugins state only what the geometry does not", () => {
  const toyFormat = async () => {
    const plugin = await loadCopy();
    // The toy's format, through its capabilities' source: its geometry.
    return plugin;
  };

  it("page sizes, bits, levels, granule, entry size and byte order come from the geometry", async () => {
    const full = (await toyFormat()).capabilities({ colour: "red" });
    const geometry = {
      levels: [
        {
          number: 1,
          shift: 21,
          bits: 9,
          tableBytes: 4096,
          tableAlign: 4096,
          pageShifts: [21],
          tables: true,
        },
        {
          number: 2,
          shift: 12,
          bits: 9,
          tableBytes: 4096,
          tableAlign: 4096,
          pageShifts: [12],
          tables: false,
        },
      ],
      entryBytes: 8 as const,
      bigEndian: false,
      inputBits: 30,
      outputBits: 40,
    };
    const derived = capabilitiesFromGeometry(geometry);
    // The toy plugin writes every field by hand: the derivation must agree with it.
    expect({ ...derived, perms: full.perms }).toEqual(full);
    const lean = defineRadixPlugin({
      name: "lean",
      version: "1",
      description: "perms only",
      params: {},
      capabilities: () => ({ perms: { read: true, write: true, exec: false, priv: false } }),
      format: () => ({ geometry }) as never,
      registers: () => ({}),
    });
    expect(lean.capabilities({})).toEqual({ ...derived, perms: full.perms });
  });
});

describe("plugins/README.md", () => {
  it("its smallest complete plugin loads and passes the conformance kit", async () => {
    const readme = readFileSync(join(ROOT, "plugins/README.md"), "utf8");
    const at = readme.indexOf("The smallest complete plugin");
    const start = readme.indexOf("```js", at) + 5;
    const file = join(dir, "plugin", "smallest.js");
    writeFileSync(file, readme.slice(start, readme.indexOf("```", start)));
    const registry = builtinRegistry();
    expect(await loadPlugins([{ specifier: file, baseDir: dir }], registry)).toEqual([]);
    const plugin = registry.get("my-iommu")!;
    expect(await runConformance(plugin, { params: {}, runs: 3 })).toEqual([]);
  });
});

describe("conformance failures in words and units", () => {
  it("prints rights as rw- and sizes as 4K / 2M", async () => {
    const plugin = await loadCopy();
    // A plugin that loses the write right on every walk.
    const lossy: VcmPlugin = {
      ...plugin,
      walk(memory, context, iova) {
        const w = plugin.walk(memory, context, iova);
        return w.ok ? { ...w, prot: w.prot & ~PROT_WRITE } : w;
      },
    };
    const failures = await runConformance(lossy, { params: { colour: "red" }, runs: 2 });
    const text = failures.join("\n");
    expect(text).toMatch(/page 4K: .*gave rights r--, expected rw-/);
    expect(text).toMatch(/page 2M: /);
    expect(text).not.toMatch(/prot \d/);
  });
});
