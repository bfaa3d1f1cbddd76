/**
 * Bundles the built CLI (dist/src/cli/main.js, from `tsc`) into dist/cli/: one entry file, a
 * chunk per lazily loaded command group, and the two worker entries. Node then reads a few
 * files instead of ~300 modules (chevrotain alone is ~150), which is most of a small command's
 * time (issue 14). Part of `npm run build`.
 *
 * src/plugin-api stays outside the bundle, imported from dist/src/plugin-api: third-party plugins
 * import it as `vcm/plugin-api`, and the core must see the same classes (`instanceof
 * MappingError`) and the same module state as they do.
 */
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = resolve(root, "dist");
const outdir = resolve(dist, "cli");
const pluginApi = resolve(dist, "src", "plugin-api") + sep;

/** Imports of dist/src/plugin-api/** become imports of the same file, relative to dist/cli/. */
const pluginApiOutside = {
  name: "plugin-api-outside",
  setup(b) {
    b.onResolve({ filter: /plugin-api/ }, (args) => {
      if (args.kind === "entry-point") return undefined;
      const target = resolve(args.resolveDir, args.path);
      if (!target.startsWith(pluginApi)) return undefined;
      return { path: "./" + relative(outdir, target).split(sep).join("/"), external: true };
    });
  },
};

// Chunk names change with their contents: start empty so no stale chunk is shipped.
rmSync(outdir, { recursive: true, force: true });

await build({
  entryPoints: {
    vcm: resolve(dist, "src/cli/main.js"),
    // Started by path next to the code that starts them (parallel.ts, isolated-compile.ts).
    "verify-worker": resolve(dist, "src/runtime/verify-worker.js"),
    "job-worker": resolve(dist, "src/cli/job-worker.js"),
  },
  outdir,
  // Chunks sit beside the entries: `new URL("./verify-worker.js", import.meta.url)` in any of
  // them names the worker entry, and `../../package.json` the package's (src/version.ts).
  chunkNames: "chunk-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  plugins: [pluginApiOutside],
  // CommonJS dependencies (commander, elkjs) call require() for Node's modules.
  banner: {
    js: "import { createRequire as __vcmCreateRequire } from 'node:module'; const require = __vcmCreateRequire(import.meta.url);",
  },
  legalComments: "none",
  logLevel: "warning",
});
