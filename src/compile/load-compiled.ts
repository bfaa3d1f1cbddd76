/**
 * Rebuild a CompiledTopology from a compile output directory: the simulated memory from the
 * pool images and every table's context from manifest.json alone. No plugin handles exist in
 * the result (`live` is absent); the runtime walks the tables from bytes, as hardware would.
 */
import { constants as bufferConstants } from "node:buffer";
import { readSync } from "node:fs";
import { join } from "node:path";
import { D, diagnostic } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { fileSpan } from "../diagnostics/span.js";
import {
  jsonPointer,
  parseJsonWithSpans,
  type JsonPath,
  type JsonSpans,
} from "../diagnostics/json-span.js";
import type { IrTopology } from "../ir/types.js";
import type { CompiledTopology, CompiledTable } from "../lowering/compiled.js";
import { FRAME_BYTES, FRAME_WORDS, PhysicalMemory } from "../plugin-api/physical-memory.js";
import type { PluginParams } from "../plugin-api/types.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import { SchemaValidator } from "./json-schema.js";
import {
  MANIFEST_VERSION,
  decodeParam,
  domainFromManifest,
  endpointFromManifest,
  geometryFromManifest,
  leavesFromManifest,
  mappingFromManifest,
  unhex,
  unhexRecord,
  type Manifest,
} from "./manifest.js";
import { MANIFEST_SCHEMA } from "./manifest-schema.js";
import { manifestProblems, poolsDisagreeing } from "./manifest-consistency.js";
import {
  openInside,
  readWhole,
  TablesFileProblem,
  unsafeRelativePath,
  type OpenedFile,
} from "./tables-files.js";

/** A --tables directory that cannot be used: every reason, as diagnostics with locations. */
export class TablesLoadError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => d.message).join("; "));
    this.name = "TablesLoadError";
  }
}

/** manifest.json is read into one string, so it can be at most as long as a string may be. */
const MAX_MANIFEST_BYTES = bufferConstants.MAX_STRING_LENGTH;
/** Pool images are read in pieces of this size, never into one buffer. */
const CHUNK_BYTES = 4 * 1024 * 1024;
const ZERO_CHUNK = new Uint8Array(CHUNK_BYTES);

export interface ReadManifest {
  manifest: Manifest;
  /** Spans of values in manifest.json, for problems found later. */
  spans: JsonSpans;
}

/**
 * Read and validate `dir/manifest.json`: a regular file inside `dir`, valid JSON, the known
 * version, its published schema, and (with `plugins`) known formats, aligned non-overlapping
 * pools and references that name something. Throws TablesLoadError listing every problem.
 */
export function readManifestChecked(dir: string, plugins?: PluginRegistry): ReadManifest {
  const display = join(dir, "manifest.json");
  let file: OpenedFile;
  try {
    file = openInside(dir, "manifest.json");
  } catch (e) {
    if (!(e instanceof TablesFileProblem)) throw e;
    throw new TablesLoadError([
      diagnostic(D.tablesFileRefused.messages.manifest, fileSpan(display), { why: e.message }),
    ]);
  }
  let text: string;
  try {
    if (file.size > BigInt(MAX_MANIFEST_BYTES)) {
      throw new TablesLoadError([
        diagnostic(D.tablesFileSize.messages.manifest, fileSpan(display), {
          size: file.size,
          max: MAX_MANIFEST_BYTES,
        }),
      ]);
    }
    text = readWhole(file)
      .toString("utf8")
      .replace(/^\uFEFF/, "");
  } catch (e) {
    if (e instanceof TablesFileProblem) {
      throw new TablesLoadError([
        diagnostic(D.tablesFileRefused.messages.manifest, fileSpan(display), { why: e.message }),
      ]);
    }
    throw e;
  } finally {
    file.close();
  }
  const parsed = parseJsonWithSpans(display, text);
  if (!parsed.ok) {
    throw new TablesLoadError([
      diagnostic(D.manifestInvalid.messages.notJson, parsed.span, { why: parsed.message }),
    ]);
  }
  const { value, spans } = parsed;
  const invalid = (path: JsonPath, problem: string) =>
    diagnostic(D.manifestInvalid, spans.at(path), { pointer: jsonPointer(path), problem });
  const version =
    typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>).manifestVersion
      : undefined;
  if (version !== undefined && version !== MANIFEST_VERSION) {
    throw new TablesLoadError([
      diagnostic(D.manifestInvalid.messages.version, spans.at(["manifestVersion"]), {
        file: display,
        version: JSON.stringify(version),
        supported: MANIFEST_VERSION,
      }),
    ]);
  }
  const violations = new SchemaValidator(MANIFEST_SCHEMA).validate(value);
  if (violations.length > 0) {
    throw new TablesLoadError(violations.map((v) => invalid(v.path, v.message)));
  }
  const manifest = value as Manifest;
  // Every path stays inside the directory: checked before any file is opened.
  const unsafe: Diagnostic[] = [];
  const checkPath = (path: JsonPath, rel: string) => {
    const why = unsafeRelativePath(rel);
    if (why) {
      unsafe.push(diagnostic(D.tablesFileRefused, spans.at(path), { file: rel, why }));
    }
  };
  manifest.pools.forEach((p, i) => checkPath(["pools", i, "image"], p.image));
  manifest.tables.forEach((t, i) => checkPath(["tables", i, "dump"], t.dump));
  if (unsafe.length > 0) throw new TablesLoadError(unsafe);
  const problems = manifestProblems(manifest, plugins);
  if (problems.length > 0) {
    throw new TablesLoadError(problems.map((p) => invalid(p.path, p.message)));
  }
  return { manifest, spans };
}

/** The manifest of a compile output directory, validated (see readManifestChecked). */
export function readManifest(dir: string): Manifest {
  return readManifestChecked(dir).manifest;
}

/**
 * Copy the non-zero frames of a pool image into memory, reading the file in chunks (an image
 * may be larger than one buffer can be; zero chunks, the holes of a sparse image, are skipped
 * with one native comparison). The base is frame-aligned (checked with the manifest).
 */
function loadImage(memory: PhysicalMemory, base: bigint, file: OpenedFile): void {
  const basePfn = Number(base / BigInt(FRAME_BYTES));
  const size = Number(file.size);
  const chunk = new Uint8Array(CHUNK_BYTES);
  const words = new Uint32Array(chunk.buffer);
  for (let at = 0; at < size; at += CHUNK_BYTES) {
    const want = Math.min(CHUNK_BYTES, size - at);
    let got = 0;
    while (got < want) {
      const n = readSync(file.fd, chunk, got, want - got, at + got);
      if (n === 0) throw new TablesFileProblem("the pool image shrank while it was read");
      got += n;
    }
    // A short last chunk: zero the rest, so a partial last frame reads as zeros beyond the end.
    if (want < CHUNK_BYTES) chunk.fill(0, want);
    if (Buffer.compare(chunk, ZERO_CHUNK) === 0) continue;
    for (let off = 0; off < want; off += FRAME_BYTES) {
      const w = off >>> 2;
      let nonZero = false;
      for (let i = w; i < w + FRAME_WORDS; i++) {
        if (words[i] !== 0) {
          nonZero = true;
          break;
        }
      }
      if (nonZero)
        memory.frame(basePfn + (at + off) / FRAME_BYTES).set(words.subarray(w, w + FRAME_WORDS));
    }
  }
}

/** The pools of the manifest must be those of the topology being proved. */
function checkPoolsAgree(manifest: Manifest, ir: IrTopology, spans: JsonSpans): void {
  const disagreeing = poolsDisagreeing(manifest, ir);
  if (disagreeing.length === 0) return;
  throw new TablesLoadError(
    disagreeing.map((p) =>
      diagnostic(D.manifestInvalid, spans.at(p.path), {
        pointer: jsonPointer(p.path),
        problem: p.message,
      }),
    ),
  );
}

/**
 * Load pool `i`'s image into memory: opened inside `dir`, its size checked against the manifest's
 * claim before a byte is read. Returns the problem instead of loading, if there is one.
 */
function loadPool(
  memory: PhysicalMemory,
  dir: string,
  manifest: Manifest,
  i: number,
  spans: JsonSpans,
): Diagnostic | undefined {
  const p = manifest.pools[i]!;
  const base = unhex(p.base);
  const size = unhex(p.size);
  let file: OpenedFile;
  try {
    file = openInside(dir, p.image);
  } catch (e) {
    if (!(e instanceof TablesFileProblem)) throw e;
    return diagnostic(D.tablesFileRefused.messages.pool, spans.at(["pools", i, "image"]), {
      pool: p.name,
      why: e.message,
    });
  }
  try {
    // The claim is checked against the open file before a byte of it is read.
    if (file.size !== size) {
      return diagnostic(D.tablesFileSize, spans.at(["pools", i, "size"]), {
        file: p.image,
        size: file.size,
        expected: size,
      });
    }
    memory.allowWrites(base, size);
    loadImage(memory, base, file);
    return undefined;
  } catch (e) {
    if (!(e instanceof TablesFileProblem)) throw e;
    return diagnostic(D.tablesFileRefused.messages.poolImage, spans.at(["pools", i, "image"]), {
      file: p.image,
      why: e.message,
    });
  } finally {
    file.close();
  }
}

/** The simulated memory holding every pool image; throws with every pool that cannot be loaded. */
function loadPools(dir: string, manifest: Manifest, spans: JsonSpans): PhysicalMemory {
  const memory = new PhysicalMemory();
  const problems: Diagnostic[] = [];
  for (const i of manifest.pools.keys()) {
    const problem = loadPool(memory, dir, manifest, i, spans);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) throw new TablesLoadError(problems);
  return memory;
}

/** Parameters as the manifest writes them, decoded by the format's parameter schema. */
function decodeParams(
  encoded: Record<string, Parameters<typeof decodeParam>[0]>,
  format: string,
  plugins: PluginRegistry,
): PluginParams {
  const schema = plugins.get(format)?.params;
  const decoded: Record<string, ReturnType<typeof decodeParam>> = {};
  for (const [k, v] of Object.entries(encoded)) decoded[k] = decodeParam(v, schema?.[k]);
  return decoded;
}

type ManifestTable = Manifest["tables"][number];

/** A table's context: its own parameters if the manifest gives them, else its mapper's. */
function tableFromManifest(
  t: ManifestTable,
  mapperParams: Map<string, PluginParams>,
  plugins: PluginRegistry,
): CompiledTable {
  return {
    name: t.name,
    kind: t.kind,
    mapper: t.mapper,
    format: t.format,
    domainId: t.domainId,
    ...(t.stage2 !== undefined ? { stage2: t.stage2 } : {}),
    ...(t.halves
      ? {
          halves: t.halves.map((h) => ({
            half: h.half,
            base: unhex(h.base),
            size: unhex(h.size),
            input: unhex(h.input),
          })),
        }
      : {}),
    context: {
      params: t.params
        ? decodeParams(t.params, t.format, plugins)
        : (mapperParams.get(t.mapper) ?? {}),
      root: unhex(t.root),
      registers: unhexRecord(t.registers),
      aperture: { base: unhex(t.aperture.base), size: unhex(t.aperture.size) },
      ...(t.window
        ? {
            window: {
              base: unhex(t.window.base),
              size: unhex(t.window.size),
              pageSize: unhex(t.window.pageSize),
              levels: t.window.levels,
              ...(t.window.hostPageSize ? { hostPageSize: unhex(t.window.hostPageSize) } : {}),
            },
          }
        : {}),
    },
    leafCounts: leavesFromManifest(t.leafCounts),
  };
}

function mapperFromManifest(m: Manifest["mappers"][number]): CompiledTopology["mappers"][number] {
  return {
    name: m.name,
    role: m.role,
    format: m.format,
    pluginVersion: m.pluginVersion,
    pool: m.pool,
    geometry: geometryFromManifest(m.geometry),
    ...(m.instance
      ? {
          instance: {
            root: unhex(m.instance.root),
            registers: unhexRecord(m.instance.registers),
          },
        }
      : {}),
  };
}

function poolFromManifest(p: Manifest["pools"][number]): CompiledTopology["pools"][number] {
  return {
    name: p.name,
    memory: p.memory,
    base: unhex(p.base),
    size: unhex(p.size),
    usedBytes: p.usedBytes,
  };
}

export function loadCompiled(
  dir: string,
  ir: IrTopology,
  plugins: PluginRegistry,
): CompiledTopology {
  const { manifest, spans } = readManifestChecked(dir, plugins);
  checkPoolsAgree(manifest, ir, spans);
  const memory = loadPools(dir, manifest, spans);
  const mapperParams = new Map<string, PluginParams>();
  for (const m of manifest.mappers) {
    mapperParams.set(m.name, decodeParams(m.params, m.format, plugins));
  }
  return {
    ir,
    plugins,
    memory,
    pools: manifest.pools.map(poolFromManifest),
    mappers: manifest.mappers.map(mapperFromManifest),
    domains: manifest.domains.map(domainFromManifest),
    tables: manifest.tables.map((t) => tableFromManifest(t, mapperParams, plugins)),
    mappings: manifest.mappings.map(mappingFromManifest),
    endpoints: manifest.endpoints.map(endpointFromManifest),
  };
}
