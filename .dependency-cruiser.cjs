/**
 * The layer rules of docs/ARCHITECTURE.md ("Layers"), checked by `npm test`
 * (test/architecture/layers.test.ts runs dependency-cruiser with this file).
 *
 * LAYERS lists the folders from the bottom up: a folder may import its own files and the
 * folders below it, never one above, so no two folders import each other (no folder cycle).
 */
const LAYERS = [
  ["diagnostics", "version.ts"],
  ["syntax"],
  ["workspace"],
  ["ir"],
  ["plugin-api"],
  ["plugins"],
  ["plugin-host"],
  ["semantics"],
  ["lowering"],
  ["model"],
  ["checks"],
  ["runtime"],
  ["compile"],
  ["pictures"],
  ["pipeline"],
  ["cli"],
  ["index.ts"],
  ["bench"],
];

/** The path pattern of a layer's folder (or top-level file). */
const pathOf = (name) =>
  name === "plugins" ? "^plugins/" : name === "bench" ? "^bench/" : `^src/${name}(/|$)`;

/**
 * Known violations, each removed by the branch named beside it: the folder of `layer` may still
 * import the one file `to`, as `{ layer: "plugin-api", to: "^src/ir/types\\.ts$" }` with a
 * comment naming the branch. Delete the entry when that import is gone. None today.
 */
const KNOWN = [];
/** `pathNot` for a layer's known violations; none at all when it has none. */
const knownFor = (name) => {
  const to = KNOWN.filter((k) => k.layer === name).map((k) => k.to);
  return to.length > 0 ? { pathNot: to } : {};
};

const layerRules = LAYERS.flatMap((names, i) => {
  const above = LAYERS.slice(i + 1).flat();
  if (above.length === 0) return [];
  return names.map((name) => ({
    name: `layer-${name.replace(/\.ts$/, "")}`,
    comment: `${name} may import only folders below it (docs/ARCHITECTURE.md, "Layers")`,
    severity: "error",
    from: { path: pathOf(name) },
    to: { path: above.map(pathOf), ...knownFor(name) },
  }));
});

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: "plugins-use-public-api",
      comment: "a plugin imports only the public plugin API (src/plugin-api), like a third party",
      severity: "error",
      from: { path: "^plugins/" },
      to: { path: "^src/", pathNot: "^src/plugin-api/" },
    },
    {
      name: "plugins-stay-apart",
      comment: "a plugin does not import another plugin's files",
      severity: "error",
      from: { path: "^plugins/([^/]+)/" },
      to: { path: "^plugins/", pathNot: "^plugins/$1/" },
    },
    {
      name: "plugin-api-without-ir",
      comment: "the plugin API does not import the IR: plugins never see it",
      severity: "error",
      from: { path: "^src/plugin-api/" },
      to: { path: "^src/ir/", ...knownFor("plugin-api") },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["\\.test\\.ts$", "^dist/", "^test/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    moduleSystems: ["es6"],
  },
};
