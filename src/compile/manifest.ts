/**
 * manifest.json: the JSON form of a CompiledTopology (schema in docs/MANIFEST.md). Every BigInt
 * is a `0x` hex string. Together with the pool images it is enough to walk every table without
 * VCM: each table carries its format geometry (entry width, endianness, levels, granule).
 */
import { Stage2Reach } from "../runtime/stage2.js";
import { createHash } from "node:crypto";
import { hex as formatHex } from "../diagnostics/format.js";
import type { IrParamValue, IrRange } from "../ir/types.js";
import {
  compiledFormat,
  type CompiledDomain,
  type CompiledFormat,
  type CompiledMapping,
  type CompiledTopology,
  type EndpointRoute,
  type LeafCounts,
} from "../lowering/compiled.js";
import { attrsText, protText } from "../lowering/protection.js";
import type { ParamSchema, TableContext, VcmPlugin } from "../plugin-api/types.js";

export const MANIFEST_VERSION = 1;

export type Hex = string;

export type ManifestParam =
  Hex | string | boolean | { base: Hex; size: Hex; space: string } | string[];

export interface ManifestGeometry {
  pageSizes: Hex[];
  inputBits: number;
  outputBits: number;
  levels: number;
  granule: Hex;
  entryBytes: 4 | 8;
  endianness: "little" | "big";
  blocks: boolean;
  outside?: "passthrough" | "blocked";
}

export interface TablePageRun {
  pa: Hex;
  bytes: number;
  level: number;
  count?: number;
}

/** The table pages of one table, sorted by address, adjacent ones of one level and size merged. */
function tablePageRuns(
  plugin: VcmPlugin,
  compiled: CompiledTopology,
  context: TableContext,
  nested?: Stage2Reach,
): TablePageRun[] {
  const pas: number[] = [];
  const meta: number[] = [];
  // A nested table is read through its stage 2; its pages are listed where they sit in host memory.
  const memory = nested ? nested.view(compiled.memory, new Set()) : compiled.memory;
  plugin.tables(memory, context, (pa, bytes, level) => {
    const at = Number(pa);
    const host = nested?.tableFrame(Math.floor(at / 4096));
    if (nested && host === undefined) return;
    pas.push(host === undefined ? at : host * 4096 + (at % 4096));
    meta.push(bytes * 64 + level);
  });
  const order = [...pas.keys()].sort((a, b) => pas[a]! - pas[b]! || meta[a]! - meta[b]!);
  const out: TablePageRun[] = [];
  let last: { pa: number; meta: number; run: TablePageRun } | undefined;
  for (const i of order) {
    const pa = pas[i]!;
    const m = meta[i]!;
    const bytes = Math.floor(m / 64);
    if (last && last.meta === m && pa === last.pa + bytes) {
      last.run.count = (last.run.count ?? 1) + 1;
      last.pa = pa;
      continue;
    }
    const run: TablePageRun = { pa: hex(BigInt(pa)), bytes, level: m % 64 };
    out.push(run);
    last = { pa, meta: m, run };
  }
  return out;
}

export interface ManifestTable {
  name: string;
  kind: "domain" | "cpu" | "window";
  mapper: string;
  format: string;
  domainId: number;
  pool: string;
  root: Hex;
  registers: Record<string, Hex>;
  aperture: { base: Hex; size: Hex };
  window?: { base: Hex; size: Hex; pageSize: Hex; levels: number; hostPageSize?: Hex };
  /** A cpu address space with an upper half: virtual [base, +size) is table input [input, +size). */
  halves?: { half: "lower" | "upper"; base: Hex; size: Hex; input: Hex }[];
  /** The table's own parameters, where they differ from its mapper's (an AArch64 TTBR1 table). */
  params?: Record<string, ManifestParam>;
  /**
   * A nested domain's stage-1 table: the stage-2 table its root, table addresses and leaves
   * (IPAs) go through. `pool` is then its guest pool and `tablePages` are host addresses.
   */
  stage2?: string;
  geometry: ManifestGeometry;
  /**
   * Every table page reachable from the root, by address; `count` (absent when 1) adjacent
   * pages of one level and size make one entry, so the list grows with the tables, not leaves.
   */
  tablePages: TablePageRun[];
  /** Leaves by page size (hex): the TLB footprint. */
  leafCounts: Record<Hex, number>;
  /** The decoded dump, relative to the output directory. */
  dump: string;
}

export interface ManifestMapping {
  id: number;
  target: { kind: string; name: string };
  table?: string;
  iova: Hex;
  size: Hex;
  autoIova: boolean;
  unity?: boolean;
  buffer?: string;
  memory: string;
  /** PROT_* bits (plugin API), and the same as text (`rw-`, `p` = privileged only). */
  prot: number;
  perms: string;
  /** ATTR_* bits (plugin API), and the same as words. */
  attrs: number;
  attributes: string[];
  chunks: {
    iova: Hex;
    pa: Hex;
    size: Hex;
    runs: { iova: Hex; pa: Hex; pageSize: Hex; count: number }[];
  }[];
  leafCounts: Record<Hex, number>;
}

export type ManifestEndpoint = Record<
  string,
  string | number | string[] | { base: Hex; size: Hex }
>;

export interface Manifest {
  manifestVersion: number;
  generator: string;
  topology: string;
  pools: { name: string; memory: string; base: Hex; size: Hex; usedBytes: number; image: string }[];
  mappers: {
    name: string;
    role: "mmu" | "iommu";
    format: string;
    pluginVersion: string;
    pool: string;
    params: Record<string, ManifestParam>;
    geometry: ManifestGeometry;
    instance?: { root: Hex; registers: Record<string, Hex> };
  }[];
  domains: {
    name: string;
    mapper: string;
    type: string;
    implicit: boolean;
    aperture: { base: Hex; size: Hex };
    upper?: { base: Hex; size: Hex };
    table?: string;
    attached: string[];
  }[];
  tables: ManifestTable[];
  mappings: ManifestMapping[];
  endpoints: ManifestEndpoint[];
}

export function hex(v: bigint): Hex {
  return formatHex(v);
}

export function unhex(s: Hex): bigint {
  if (!/^0x[0-9a-f]+$/i.test(s)) throw new Error(`manifest: '${s}' is not a hex number`);
  return BigInt(s);
}

/** Longest file-name stem written; longer names are cut and made unique with a hash. */
export const MAX_STEM_BYTES = 120;

/**
 * Safe file-name stem for a table or pool name (`c0.ddw`, `frame[2]`). Names too long for a file
 * system (NAME_MAX is 255 bytes) keep their first 100 characters and gain a hash of the whole.
 */
export function fileStem(name: string): string {
  const stem = name.replace(/[^A-Za-z0-9._-]/g, "_");
  if (stem.length <= MAX_STEM_BYTES) return stem;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 12);
  return `${stem.slice(0, 100)}~${hash}`;
}

function hexRecord(r: Readonly<Record<string, bigint>>): Record<string, Hex> {
  const out: Record<string, Hex> = {};
  for (const [k, v] of Object.entries(r)) out[k] = hex(v);
  return out;
}

function unhexRecord(r: Record<string, Hex>): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const [k, v] of Object.entries(r)) out[k] = unhex(v);
  return out;
}

function leavesToManifest(counts: LeafCounts): Record<Hex, number> {
  const out: Record<Hex, number> = {};
  const keys = Object.keys(counts).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  for (const k of keys) out[hex(BigInt(k))] = counts[k]!;
  return out;
}

function leavesFromManifest(counts: Record<Hex, number>): LeafCounts {
  const out: LeafCounts = {};
  for (const [k, n] of Object.entries(counts)) out[unhex(k).toString()] = n;
  return out;
}

function isRange(v: IrParamValue): v is IrRange {
  return typeof v === "object" && !Array.isArray(v);
}

export function encodeParam(v: IrParamValue): ManifestParam {
  if (typeof v === "bigint") return hex(v);
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (Array.isArray(v)) return v.map((x) => (typeof x === "bigint" ? hex(x) : x));
  if (isRange(v)) return { base: hex(v.base), size: hex(v.size), space: v.space };
  throw new Error("unreachable parameter value");
}

/** Decode a parameter, guided by the plugin's schema when there is one (words stay words). */
export function decodeParam(v: ManifestParam, schema?: ParamSchema[string]): IrParamValue {
  const numeric = (s: string) =>
    schema ? schema.type !== "word" && /^0x[0-9a-f]+$/i.test(s) : /^0x[0-9a-f]+$/i.test(s);
  if (typeof v === "boolean") return v;
  if (typeof v === "string") return numeric(v) ? unhex(v) : v;
  if (Array.isArray(v)) return v.map((x) => (numeric(x) ? unhex(x) : x));
  return {
    base: unhex(v.base),
    size: unhex(v.size),
    space: v.space as IrRange["space"],
  };
}

function geometryToManifest(g: CompiledFormat): ManifestGeometry {
  return {
    pageSizes: g.pageSizes.map(hex),
    inputBits: g.inputBits,
    outputBits: g.outputBits,
    levels: g.levels,
    granule: hex(g.granule),
    entryBytes: g.entryBytes,
    endianness: g.bigEndian ? "big" : "little",
    blocks: g.blocks,
    ...(g.outside ? { outside: g.outside } : {}),
  };
}

export function geometryFromManifest(g: ManifestGeometry): CompiledFormat {
  return {
    pageSizes: g.pageSizes.map(unhex),
    inputBits: g.inputBits,
    outputBits: g.outputBits,
    levels: g.levels,
    granule: unhex(g.granule),
    entryBytes: g.entryBytes,
    bigEndian: g.endianness === "big",
    blocks: g.blocks,
    ...(g.outside ? { outside: g.outside } : {}),
  };
}

function mappingToManifest(m: CompiledMapping): ManifestMapping {
  return {
    id: m.id,
    target: { ...m.target },
    ...(m.table !== undefined ? { table: m.table } : {}),
    iova: hex(m.iova),
    size: hex(m.size),
    autoIova: m.autoIova,
    ...(m.unity ? { unity: true } : {}),
    ...(m.buffer !== undefined ? { buffer: m.buffer } : {}),
    memory: m.memory,
    prot: m.prot,
    perms: protText(m.prot),
    attrs: m.attrs,
    attributes: attrsText(m.attrs),
    chunks: m.chunks.map((c) => ({
      iova: hex(c.iova),
      pa: hex(c.pa),
      size: hex(c.size),
      runs: c.runs.map((r) => ({
        iova: hex(r.iova),
        pa: hex(r.pa),
        pageSize: hex(r.pageSize),
        count: r.count,
      })),
    })),
    leafCounts: leavesToManifest(m.leafCounts),
  };
}

export function mappingFromManifest(m: ManifestMapping): CompiledMapping {
  const out: CompiledMapping = {
    id: m.id,
    target: { kind: m.target.kind as CompiledMapping["target"]["kind"], name: m.target.name },
    iova: unhex(m.iova),
    size: unhex(m.size),
    autoIova: m.autoIova,
    chunks: m.chunks.map((c) => ({
      iova: unhex(c.iova),
      pa: unhex(c.pa),
      size: unhex(c.size),
      runs: c.runs.map((r) => ({
        iova: unhex(r.iova),
        pa: unhex(r.pa),
        pageSize: unhex(r.pageSize),
        count: r.count,
      })),
    })),
    prot: m.prot,
    attrs: m.attrs,
    leafCounts: leavesFromManifest(m.leafCounts),
    memory: m.memory,
  };
  if (m.table !== undefined) out.table = m.table;
  if (m.unity) out.unity = true;
  if (m.buffer !== undefined) out.buffer = m.buffer;
  return out;
}

function endpointToManifest(r: EndpointRoute): ManifestEndpoint {
  const out: ManifestEndpoint = {};
  for (const [k, v] of Object.entries(r) as [string, unknown][]) {
    if (typeof v === "bigint") out[k] = hex(v);
    else if (Array.isArray(v)) out[k] = v as string[];
    else if (typeof v === "object" && v !== null) {
      const a = v as { base: bigint; size: bigint };
      out[k] = { base: hex(a.base), size: hex(a.size) };
    } else out[k] = v as string | number;
  }
  return out;
}

export function endpointFromManifest(e: ManifestEndpoint): EndpointRoute {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === "stream" || k === "busOffset") out[k] = unhex(v as string);
    else if (k === "aperture") {
      const a = v as { base: Hex; size: Hex };
      out[k] = { base: unhex(a.base), size: unhex(a.size) };
    } else out[k] = v;
  }
  return out as unknown as EndpointRoute;
}

export function domainFromManifest(d: Manifest["domains"][number]): CompiledDomain {
  const out: CompiledDomain = {
    name: d.name,
    mapper: d.mapper,
    type: d.type as CompiledDomain["type"],
    implicit: d.implicit,
    aperture: { base: unhex(d.aperture.base), size: unhex(d.aperture.size) },
    ...(d.upper ? { upper: { base: unhex(d.upper.base), size: unhex(d.upper.size) } } : {}),
    attached: [...d.attached],
  };
  if (d.table !== undefined) out.table = d.table;
  return out;
}

/** The stage 2 a nested table is read through. */
export function nestedReader(compiled: CompiledTopology, stage2: string): Stage2Reach | undefined {
  const t = compiled.tables.find((x) => x.name === stage2);
  const plugin = t && compiled.plugins.get(t.format);
  if (!t || !plugin) return undefined;
  const caps = plugin.capabilities(t.context.params);
  return new Stage2Reach(compiled.memory, { table: t, context: t.context, plugin, caps });
}

type CompiledMapper = CompiledTopology["mappers"][number];
type IrMapperParams = Map<string, { params: CompiledTopology["ir"]["mappers"][number]["params"] }>;

/**
 * One table's entry: its pages read from the bytes through its plugin; its own parameters and
 * geometry only where they differ from its mapper's (a table made with parameters of its own).
 */
function tableToManifest(
  compiled: CompiledTopology,
  t: CompiledTopology["tables"][number],
  mapperOf: Map<string, CompiledMapper>,
  irMapperOf: IrMapperParams,
): ManifestTable {
  const plugin = pluginFor(compiled, t.format);
  const nested = t.stage2 !== undefined ? nestedReader(compiled, t.stage2) : undefined;
  const pages = tablePageRuns(plugin, compiled, t.context, nested);
  const guestPool = compiled.ir.domains.find((d) => d.name === t.name)?.nested?.pool;
  const c = t.context;
  const ownParams = c.params !== irMapperOf.get(t.mapper)?.params;
  const params: Record<string, ManifestParam> = {};
  if (ownParams) for (const [k, v] of Object.entries(c.params)) params[k] = encodeParam(v);
  return {
    name: t.name,
    kind: t.kind,
    mapper: t.mapper,
    format: t.format,
    domainId: t.domainId,
    pool: guestPool ?? mapperOf.get(t.mapper)!.pool,
    root: hex(c.root),
    registers: hexRecord(c.registers),
    aperture: { base: hex(c.aperture.base), size: hex(c.aperture.size) },
    ...(c.window
      ? {
          window: {
            base: hex(c.window.base),
            size: hex(c.window.size),
            pageSize: hex(c.window.pageSize),
            levels: c.window.levels,
            ...(c.window.hostPageSize ? { hostPageSize: hex(c.window.hostPageSize) } : {}),
          },
        }
      : {}),
    ...(t.halves
      ? {
          halves: t.halves.map((h) => ({
            half: h.half,
            base: hex(h.base),
            size: hex(h.size),
            input: hex(h.input),
          })),
        }
      : {}),
    ...(ownParams ? { params } : {}),
    ...(t.stage2 !== undefined ? { stage2: t.stage2 } : {}),
    geometry: geometryToManifest(
      ownParams ? compiledFormat(plugin.capabilities(c.params)) : mapperOf.get(t.mapper)!.geometry,
    ),
    tablePages: pages,
    leafCounts: leavesToManifest(t.leafCounts),
    dump: `domains/${fileStem(t.name)}.txt`,
  };
}

function mapperToManifest(
  m: CompiledMapper,
  irMapperOf: IrMapperParams,
): Manifest["mappers"][number] {
  const params: Record<string, ManifestParam> = {};
  for (const [k, v] of Object.entries(irMapperOf.get(m.name)?.params ?? {})) {
    params[k] = encodeParam(v);
  }
  return {
    name: m.name,
    role: m.role,
    format: m.format,
    pluginVersion: m.pluginVersion,
    pool: m.pool,
    params,
    geometry: geometryToManifest(m.geometry),
    ...(m.instance
      ? { instance: { root: hex(m.instance.root), registers: hexRecord(m.instance.registers) } }
      : {}),
  };
}

function poolToManifest(p: CompiledTopology["pools"][number]): Manifest["pools"][number] {
  return {
    name: p.name,
    memory: p.memory,
    base: hex(p.base),
    size: hex(p.size),
    usedBytes: p.usedBytes,
    image: `pools/${fileStem(p.name)}.bin`,
  };
}

function domainToManifest(d: CompiledDomain): Manifest["domains"][number] {
  return {
    name: d.name,
    mapper: d.mapper,
    type: d.type,
    implicit: d.implicit,
    aperture: { base: hex(d.aperture.base), size: hex(d.aperture.size) },
    ...(d.upper ? { upper: { base: hex(d.upper.base), size: hex(d.upper.size) } } : {}),
    ...(d.table !== undefined ? { table: d.table } : {}),
    attached: [...d.attached],
  };
}

/** The manifest of `compiled`; table pages are read from the bytes through each plugin. */
export function buildManifest(compiled: CompiledTopology): Manifest {
  const mapperOf = new Map(compiled.mappers.map((m) => [m.name, m]));
  const irMapperOf: IrMapperParams = new Map(compiled.ir.mappers.map((m) => [m.name, m]));
  const tables = compiled.tables.map((t) => tableToManifest(compiled, t, mapperOf, irMapperOf));
  return {
    manifestVersion: MANIFEST_VERSION,
    generator: "vcm compile",
    topology: compiled.ir.name,
    pools: compiled.pools.map(poolToManifest),
    mappers: compiled.mappers.map((m) => mapperToManifest(m, irMapperOf)),
    domains: compiled.domains.map(domainToManifest),
    tables,
    mappings: compiled.mappings.map(mappingToManifest),
    endpoints: compiled.endpoints.map(endpointToManifest),
  };
}

export function pluginFor(compiled: Pick<CompiledTopology, "plugins">, format: string): VcmPlugin {
  const plugin = compiled.plugins.get(format);
  if (!plugin) throw new Error(`no plugin for format '${format}'`);
  return plugin;
}

export { unhexRecord, leavesFromManifest };
