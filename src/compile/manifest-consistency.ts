/**
 * What a schema cannot say about a manifest: names are unique and every reference names
 * something, formats are known to this VCM, and pools sit at frame-aligned, non-overlapping,
 * in-range addresses. A manifest passing these (and its schema) can be used without any lookup
 * coming back empty.
 */
import type { JsonPath } from "../diagnostics/json-span.js";
import { hex } from "../diagnostics/format.js";
import type { IrTopology } from "../ir/types.js";
import { FRAME_BYTES } from "../plugin-api/physical-memory.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import type { Manifest } from "./manifest.js";

export interface ManifestProblem {
  path: JsonPath;
  message: string;
}

const LIMIT = 100;

export function manifestProblems(m: Manifest, plugins?: PluginRegistry): ManifestProblem[] {
  const out: ManifestProblem[] = [];
  const report = (path: JsonPath, message: string) => {
    if (out.length < LIMIT) out.push({ path, message });
  };

  const names = (list: { name: string }[], what: string, key: string) => {
    const seen = new Set<string>();
    list.forEach((x, i) => {
      if (seen.has(x.name)) report([key, i, "name"], `a second ${what} is named '${x.name}'`);
      seen.add(x.name);
    });
    return seen;
  };
  const pools = names(m.pools, "pool", "pools");
  const mappers = names(m.mappers, "mapper", "mappers");
  const tables = names(m.tables, "table", "tables");
  const domains = names(m.domains, "domain", "domains");

  const refers = (set: Set<string>, what: string, value: string | undefined, path: JsonPath) => {
    if (value !== undefined && !set.has(value)) report(path, `names no ${what} '${value}'`);
  };
  const format = (value: string, path: JsonPath) => {
    if (plugins && !plugins.get(value)) {
      report(path, `unknown format '${value}' (known: ${plugins.names().join(", ")})`);
    }
  };

  const frame = BigInt(FRAME_BYTES);
  const spans: { base: bigint; end: bigint; i: number }[] = [];
  m.pools.forEach((p, i) => {
    const base = BigInt(p.base);
    const end = base + BigInt(p.size);
    if (base % frame !== 0n) {
      report(
        ["pools", i, "base"],
        `pool '${p.name}' starts at ${p.base}, not on a 4 KiB frame boundary`,
      );
    }
    if (end > 1n << 64n) report(["pools", i, "size"], `pool '${p.name}' ends beyond 2^64`);
    spans.push({ base, end, i });
  });
  spans.sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
  for (let k = 1; k < spans.length; k++) {
    const prev = spans[k - 1]!;
    const cur = spans[k]!;
    if (cur.base < prev.end) {
      report(
        ["pools", cur.i, "base"],
        `pool '${m.pools[cur.i]!.name}' overlaps pool '${m.pools[prev.i]!.name}'`,
      );
    }
  }

  m.mappers.forEach((x, i) => {
    format(x.format, ["mappers", i, "format"]);
    refers(pools, "pool", x.pool, ["mappers", i, "pool"]);
  });
  m.tables.forEach((t, i) => {
    refers(mappers, "mapper", t.mapper, ["tables", i, "mapper"]);
    format(t.format, ["tables", i, "format"]);
    refers(pools, "pool", t.pool, ["tables", i, "pool"]);
    refers(tables, "table", t.stage2, ["tables", i, "stage2"]);
  });
  m.domains.forEach((d, i) => {
    refers(mappers, "mapper", d.mapper, ["domains", i, "mapper"]);
    refers(tables, "table", d.table, ["domains", i, "table"]);
  });
  m.mappings.forEach((x, i) => refers(tables, "table", x.table, ["mappings", i, "table"]));
  m.endpoints.forEach((e, i) => {
    const str = (k: string) => (typeof e[k] === "string" ? (e[k] as string) : undefined);
    refers(mappers, "mapper", str("mapper"), ["endpoints", i, "mapper"]);
    refers(tables, "table", str("table"), ["endpoints", i, "table"]);
    refers(domains, "domain", str("domain"), ["endpoints", i, "domain"]);
    if (Array.isArray(e.tables)) {
      e.tables.forEach((t, k) => refers(tables, "table", t, ["endpoints", i, "tables", k]));
    }
  });
  return out;
}

/**
 * Pools the manifest and the topology disagree on. The topology is the intent the proof is
 * against, and its pools bound what is read: a directory cannot make VCM read a pool image the
 * topology does not declare, or one larger than declared.
 */
export function poolsDisagreeing(m: Manifest, ir: IrTopology): ManifestProblem[] {
  const out: ManifestProblem[] = [];
  const declared = new Map(ir.pools.map((p) => [p.name, p.range]));
  m.pools.forEach((p, i) => {
    const range = declared.get(p.name);
    if (!range) {
      out.push({
        path: ["pools", i, "name"],
        message: `the topology declares no pool '${p.name}'`,
      });
    } else if (BigInt(p.base) !== range.base || BigInt(p.size) !== range.size) {
      out.push({
        path: ["pools", i, "base"],
        message:
          `pool '${p.name}' is ${p.base} .. +${hex(BigInt(p.size))} here, but the topology ` +
          `declares ${hex(range.base)} .. +${hex(range.size)}`,
      });
    }
  });
  return out;
}
