/**
 * What `npm pack` ships: an allow-list of paths (built code, its sources for the source maps,
 * grammar, docs, plugin READMEs, LICENSE, README), nothing of tests or bench, every exported
 * entry present, and runtime dependencies exactly what the shipped code imports.
 */
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, posix } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packTarball, ROOT, type PackedTarball } from "./tarball.js";

const ALLOWED: readonly RegExp[] = [
  /^(package\.json|README\.md|LICENSE|bin\/vcm\.js)$/,
  /^dist\/(src|plugins)\/[a-z0-9/-]+\.(js|d\.ts|js\.map)$/,
  /^dist\/cli\/[A-Za-z0-9-]+\.js$/,
  /^src\/[a-z0-9/-]+\.ts$/,
  /^plugins\/[a-z0-9-]+\/[a-z0-9-]+\.ts$/,
  /^plugins\/([a-z0-9-]+\/)?README\.md$/,
  /^grammar\/(REFERENCE\.md|diagrams\.html|vcm\.tmLanguage\.json)$/,
  /^docs\/[A-Z0-9-]+\.md$/,
  /^docs\/images\/[a-z0-9-]+\.svg$/,
  /^docs\/[a-z0-9-]+\.schema\.json$/,
];

const FORBIDDEN = /(\.test\.|(^|\/)(test|bench|fixtures|node_modules)\/|\.tsbuildinfo$)/;

let packed: PackedTarball;
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  keywords?: string[];
  engines?: Record<string, string>;
  license?: string;
  bin: Record<string, string>;
};

beforeAll(() => {
  packed = packTarball();
});
afterAll(() => {
  if (packed) rmSync(packed.dir, { recursive: true, force: true });
});

describe("the npm tarball", () => {
  it("holds only allow-listed files, and none of tests or bench", () => {
    const stray = packed.files.filter(
      (f) => !ALLOWED.some((re) => re.test(f)) || FORBIDDEN.test(f),
    );
    expect(stray).toEqual([]);
  });

  it("holds what a user needs", () => {
    const plugins = readdirSync(join(ROOT, "plugins")).filter((n) =>
      statSync(join(ROOT, "plugins", n)).isDirectory(),
    );
    const docs = readdirSync(join(ROOT, "docs")).filter((n) => n.endsWith(".md"));
    const needed = [
      "package.json",
      "README.md",
      "LICENSE",
      "bin/vcm.js",
      "dist/cli/vcm.js",
      "dist/cli/verify-worker.js",
      "dist/cli/job-worker.js",
      "dist/src/format/prettier-plugin.js",
      "dist/src/format/prettier-plugin.d.ts",
      "grammar/REFERENCE.md",
      "plugins/README.md",
      ...plugins.map((p) => `plugins/${p}/README.md`),
      ...plugins.map((p) => `dist/plugins/${p}/index.js`),
      ...docs.map((d) => `docs/${d}`),
    ];
    expect(needed.filter((f) => !packed.files.includes(f))).toEqual([]);
    expect(docs).toContain("API.md");
  });

  it("holds every file package.json exports and the bin", () => {
    const targets = Object.values(pkg.exports).flatMap((t) =>
      typeof t === "string" ? [t] : [t.types, t.default],
    );
    targets.push(...Object.values(pkg.bin));
    const missing = targets.map((t) => posix.normalize(t)).filter((t) => !packed.files.includes(t));
    expect(missing).toEqual([]);
  });

  it("ships the sources every shipped source map points at", () => {
    const maps = packed.files.filter((f) => f.endsWith(".js.map"));
    expect(maps.length).toBeGreaterThan(50);
    const unshipped: string[] = [];
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(join(ROOT, map), "utf8")) as {
        sources: string[];
      };
      for (const s of sources) {
        const target = posix.normalize(posix.join(posix.dirname(map), s));
        if (!packed.files.includes(target)) unshipped.push(`${map} -> ${target}`);
      }
    }
    expect(unshipped).toEqual([]);
  });

  it("declares exactly the packages the shipped code imports as dependencies", () => {
    const imported = new Set<string>();
    const code = packed.files.filter((f) => f.endsWith(".js") && f.startsWith("dist/"));
    for (const file of code) {
      const text = readFileSync(join(ROOT, file), "utf8");
      // Static imports and re-exports at the start of a line (as tsc emits them), and
      // dynamic imports of a literal specifier.
      const specifiers = [
        ...text.matchAll(/^(?:import|export)\b[^;]*?[\s}*]from\s*"([^"\s]+)"/gm),
        ...text.matchAll(/^import\s*"([^"\s]+)"/gm),
        ...text.matchAll(/\bimport\(\s*"([^"\s]+)"\s*\)/g),
      ];
      for (const m of specifiers) {
        const spec = m[1]!;
        if (spec.startsWith("node:") || spec.startsWith(".")) continue;
        const name = spec.startsWith("@")
          ? spec.split("/").slice(0, 2).join("/")
          : spec.split("/")[0]!;
        imported.add(name);
      }
    }
    imported.delete("vcm"); // self-reference through package exports
    // Optional peers are imported lazily and listed under peerDependencies, not dependencies.
    const optionalPeers = Object.keys(pkg.peerDependencies).filter(
      (p) => pkg.peerDependenciesMeta[p]?.optional,
    );
    for (const p of optionalPeers) {
      expect(imported.has(p)).toBe(true);
      imported.delete(p);
    }
    expect(Object.keys(pkg.dependencies).sort()).toEqual([...imported].sort());
  });

  it("has the metadata of a published package and builds on pack, not on install", () => {
    expect(pkg.license).toBe("MIT");
    expect(readFileSync(join(ROOT, "LICENSE"), "utf8")).toMatch(/^MIT License/);
    expect(pkg.engines?.["node"]).toMatch(/^>=\d+/);
    expect(pkg.keywords?.length).toBeGreaterThan(3);
    expect(pkg.scripts["prepare"]).toBeUndefined();
    expect(pkg.scripts["postinstall"]).toBeUndefined();
    expect(pkg.scripts["prepack"]).toMatch(/build/);
    expect(pkg.scripts["test"]).toMatch(/^npm run build\b/);
  });
});
