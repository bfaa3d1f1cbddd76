/**
 * Rebuild a CompiledTopology from a compile output directory: the simulated memory from the
 * pool images and every table's context from manifest.json alone. No plugin handles exist in
 * the result (`live` is absent); the runtime walks the tables from bytes, as hardware would.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { IrTopology } from "../ir/types.js";
import type { CompiledTopology, CompiledTable } from "../lowering/compiled.js";
import { FRAME_BYTES, FRAME_WORDS, PhysicalMemory } from "../plugin-api/physical-memory.js";
import type { PluginParams } from "../plugin-api/types.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
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

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ManifestError";
  }
}

/** Copy the non-zero frames of a pool image into memory (zero frames stay unallocated). */
function loadImage(memory: PhysicalMemory, base: bigint, image: Uint8Array): void {
  if (base % BigInt(FRAME_BYTES) !== 0n || image.byteOffset % 4 !== 0) {
    memory.writeBytes(base, image);
    return;
  }
  const words = new Uint32Array(image.buffer, image.byteOffset, image.byteLength >>> 2);
  const basePfn = Number(base / BigInt(FRAME_BYTES));
  for (let w = 0; w < words.length; w += FRAME_WORDS) {
    const n = Math.min(FRAME_WORDS, words.length - w);
    let nonZero = false;
    for (let i = w; i < w + n; i++) {
      if (words[i] !== 0) {
        nonZero = true;
        break;
      }
    }
    if (nonZero) memory.frame(basePfn + w / FRAME_WORDS).set(words.subarray(w, w + n));
  }
  const tail = image.byteLength & 3;
  if (tail)
    memory.writeBytes(
      base + BigInt(image.byteLength - tail),
      image.subarray(image.byteLength - tail),
    );
}

export function readManifest(dir: string): Manifest {
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest;
  if (manifest.manifestVersion !== MANIFEST_VERSION) {
    throw new ManifestError(
      `${join(dir, "manifest.json")} has manifestVersion ${manifest.manifestVersion}; ` +
        `this VCM reads version ${MANIFEST_VERSION}`,
    );
  }
  return manifest;
}

export function loadCompiled(
  dir: string,
  ir: IrTopology,
  plugins: PluginRegistry,
): CompiledTopology {
  const manifest = readManifest(dir);
  const memory = new PhysicalMemory();
  for (const p of manifest.pools) {
    const base = unhex(p.base);
    const size = unhex(p.size);
    memory.allowWrites(base, size);
    const image = readFileSync(join(dir, p.image));
    if (BigInt(image.length) !== size) {
      throw new ManifestError(`pool image ${p.image} is ${image.length} bytes, expected ${size}`);
    }
    loadImage(memory, base, image);
  }
  const params = new Map<string, PluginParams>();
  for (const m of manifest.mappers) {
    const schema = plugins.get(m.format)?.params;
    const decoded: Record<string, ReturnType<typeof decodeParam>> = {};
    for (const [k, v] of Object.entries(m.params)) decoded[k] = decodeParam(v, schema?.[k]);
    params.set(m.name, decoded);
  }
  const tableParams = (t: Manifest["tables"][number]): PluginParams => {
    if (!t.params) return params.get(t.mapper) ?? {};
    const schema = plugins.get(t.format)?.params;
    const decoded: Record<string, ReturnType<typeof decodeParam>> = {};
    for (const [k, v] of Object.entries(t.params)) decoded[k] = decodeParam(v, schema?.[k]);
    return decoded;
  };
  const tables: CompiledTable[] = manifest.tables.map((t) => ({
    name: t.name,
    kind: t.kind,
    mapper: t.mapper,
    format: t.format,
    domainId: t.domainId,
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
      params: tableParams(t),
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
  }));
  return {
    ir,
    plugins,
    memory,
    pools: manifest.pools.map((p) => ({
      name: p.name,
      memory: p.memory,
      base: unhex(p.base),
      size: unhex(p.size),
      usedBytes: p.usedBytes,
    })),
    mappers: manifest.mappers.map((m) => ({
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
    })),
    domains: manifest.domains.map(domainFromManifest),
    tables,
    mappings: manifest.mappings.map(mappingFromManifest),
    endpoints: manifest.endpoints.map(endpointFromManifest),
  };
}
