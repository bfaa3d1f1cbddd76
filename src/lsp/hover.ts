/**
 * Hover: what a name resolves to, told from the resolved IR (absolute ranges, sizes in binary
 * units, a mapper's format and geometry); on a `map` line, what it becomes: the IOVA it gets and
 * the leaves per page size, from the lowering's own page-size choice (`map-pages.ts`).
 */
import { realpathSync } from "node:fs";
import { dirname, resolve as resolvePath } from "node:path";
import { MarkupKind, type Hover, type Position } from "vscode-languageserver";
import type { IrTopology } from "../ir/types.js";
import { resolveSpecifier } from "../plugin-host/load.js";
import type { PluginRegistry } from "../plugin-host/registry.js";
import type { MapDecl, UseDecl } from "../syntax/ast.js";
import type { Analysis } from "./analysis.js";
import { mapLinePages } from "./map-pages.js";
import { rangeOfSpan } from "./positions.js";
import { statementAt } from "./statement-at.js";
import type { DocumentContext } from "./server.js";
import type { Declaration } from "./symbol-index.js";
import { hexAddress, humanSize, pageSizeName, rangeText } from "./units.js";

function paramText(v: unknown): string {
  if (typeof v === "bigint") return hexOrDecimal(v);
  if (Array.isArray(v)) return v.map(paramText).join(" ");
  if (v && typeof v === "object" && "base" in v && "size" in v) {
    const r = v as { base: bigint; size: bigint };
    return `${hexAddress(r.base)} .. +${humanSize(r.size)}`;
  }
  return String(v);
}

function hexOrDecimal(v: bigint): string {
  return v >= 4096n ? `${hexAddress(v)} (${humanSize(v)})` : v.toString();
}

function mapperLines(ir: IrTopology, registry: PluginRegistry, name: string): string[] {
  const m = ir.mappers.find((x) => x.name === name);
  if (!m) return [];
  const entry = registry.entry(m.format);
  const lines = [
    `format \`${m.format}\`${entry ? ` (${entry.origin === "built-in" ? "built-in" : entry.origin}, ${entry.plugin.description})` : ""}`,
    `tables in pool \`${m.pool}\``,
  ];
  if (entry) {
    try {
      const caps = entry.plugin.capabilities(m.params);
      lines.push(
        `geometry: ${caps.inputBits}-bit input, ${caps.outputBits}-bit output, ${caps.levels} level${caps.levels === 1 ? "" : "s"}, ` +
          `${humanSize(caps.granule)} table pages, ${caps.entryBytes}-byte ${caps.bigEndian ? "big" : "little"}-endian entries`,
        `page sizes: ${caps.pageSizes.map(pageSizeName).join(", ")}${caps.blocks ? "" : " (no blocks)"}`,
      );
      if (caps.outside) lines.push(`outside the aperture: ${caps.outside}`);
      if (caps.regime !== undefined)
        lines.push(
          `translation regime: ${caps.regime}${caps.privilegedOnly ? " (one privilege level: every mapping is `priv`)" : ""}${caps.writeExecNever ? ", WXN" : ""}`,
        );
    } catch {
      lines.push("geometry: the plugin cannot say with these parameters");
    }
  }
  const params = Object.entries(m.params);
  if (params.length > 0)
    lines.push("parameters: " + params.map(([k, v]) => `\`${k} ${paramText(v)}\``).join(", "));
  return lines;
}

/** A buffer (or buffer array): size, memory, alignment and the chunks of up to 8 elements. */
function bufferLines(ir: IrTopology, name: string): string[] {
  const out: string[] = [];
  const elements = ir.buffers.filter((b) => b.name === name || b.array?.name === name);
  const first = elements[0];
  if (!first) return out;
  if (first.array)
    out.push(`array of ${first.array.count} element${first.array.count === 1 ? "" : "s"}`);
  out.push(
    `${humanSize(first.size)} each in \`${first.memory}\`, aligned to ${humanSize(first.align)}${first.placed ? " (placed by VCM)" : ""}`,
  );
  for (const b of elements.slice(0, 8)) {
    const chunks = b.chunks.map((c) => rangeText(c.pa, c.size)).join(", ");
    out.push(`- \`${b.name}\`: ${chunks}`);
  }
  if (elements.length > 8) out.push(`- … ${elements.length - 8} more`);
  return out;
}

/** An endpoint: what it sits behind, its stream, group, DMA mask, offset and domains. */
function endpointLines(ir: IrTopology, name: string): string[] {
  const out: string[] = [];
  const e = ir.endpoints.find((x) => x.name === name);
  if (!e) return out;
  out.push(
    e.mapper
      ? `${e.kind === "cpu" ? "via" : "behind"} \`${e.mapper}\``
      : "no MMU: bus address = physical - offset",
  );
  const facts: string[] = [];
  if (e.stream !== undefined) facts.push(`stream ${hexAddress(e.stream)}`);
  if (e.group !== undefined) facts.push(`group ${e.group}`);
  facts.push(`dma mask ${e.dmaMaskBits} bits`);
  if (e.busOffset !== 0n) facts.push(`offset ${hexAddress(e.busOffset)}`);
  out.push(facts.join(", "));
  const domains = ir.domains
    .filter((x) => x.attached.includes(e.name) && x.name !== e.domain)
    .map((x) => `\`${x.name}\``);
  if (e.domain) domains.push(`\`${e.domain}\` (its address space)`);
  if (domains.length > 0) out.push(`domain: ${domains.join(", ")}`);
  return out;
}

/** A domain: type, mapper, aperture, what is attached, reserved ranges, mapping count. */
function domainLines(ir: IrTopology, name: string): string[] {
  const out: string[] = [];
  const dom = ir.domains.find((x) => x.name === name);
  if (!dom) return out;
  out.push(
    `${dom.type} domain on \`${dom.mapper}\`, aperture ${rangeText(dom.aperture.base, dom.aperture.size)}`,
  );
  if (dom.attached.length > 0)
    out.push(`attached: ${dom.attached.map((a) => `\`${a}\``).join(", ")}`);
  for (const r of dom.reserved) out.push(`- ${r.kind} ${rangeText(r.range.base, r.range.size)}`);
  const count = ir.mappings.filter(
    (m) => m.target.kind === "domain" && m.target.name === dom.name && m.scenario === undefined,
  ).length;
  out.push(`${count} mapping${count === 1 ? "" : "s"}`);
  return out;
}

/** An sPAPR container: model, mapper, owner, groups and its windows. */
function containerLines(ir: IrTopology, name: string): string[] {
  const out: string[] = [];
  const c = ir.containers.find((x) => x.name === name);
  if (!c) return out;
  out.push(`${c.model} on \`${c.mapper}\`, owner \`${c.owner}\`, groups ${c.groups.join(" ")}`);
  for (const w of c.windows)
    out.push(
      `- window \`${w.name}\`: ${rangeText(w.range.base, w.range.size)}, ${pageSizeName(w.pageSize)} pages, ${w.levels} level${w.levels === 1 ? "" : "s"}${w.implicit ? " (the platform's)" : ""}`,
    );
  return out;
}

/** Markdown lines describing a declaration, from the IR. */
function describe(analysis: Analysis, d: Declaration): string[] {
  const { ir, registry } = analysis.checked;
  const head = `**${d.kind}** \`${d.container ? `${d.container}.${d.name}` : d.name}\``;
  if (!ir) return [head];
  const out = [head];
  switch (d.kind) {
    case "const": {
      const v = ir.consts[d.name];
      if (v !== undefined)
        out.push(`= ${v} (${hexAddress(v)}${v >= 1024n ? `, ${humanSize(v)}` : ""})`);
      break;
    }
    case "memory": {
      const m = ir.memories.find((x) => x.name === d.name);
      if (m) {
        out.push(`${m.kind} at ${rangeText(m.range.base, m.range.size)}`);
        if (m.owner) out.push(`exported by \`${m.owner}\`${m.pinnable ? ", pinnable" : ""}`);
      }
      break;
    }
    case "pool": {
      const p = ir.pools.find((x) => x.name === d.name);
      if (p) out.push(`in \`${p.memory}\` at ${rangeText(p.range.base, p.range.size)}`);
      break;
    }
    case "buffer":
      out.push(...bufferLines(ir, d.name));
      break;
    case "mmu":
    case "iommu":
      out.push(...mapperLines(ir, registry, d.name));
      break;
    case "cpu":
    case "device":
    case "dma":
      out.push(...endpointLines(ir, d.name));
      break;
    case "domain":
      out.push(...domainLines(ir, d.name));
      break;
    case "reservation": {
      const r = ir.reservations.find((x) => x.name === d.name);
      if (r) out.push(`in \`${r.domain}\` at ${rangeText(r.range.base, r.range.size)}`);
      break;
    }
    case "container":
      out.push(...containerLines(ir, d.name));
      break;
    case "window": {
      const w = ir.containers
        .flatMap((c) => c.windows)
        .find((x) => x.qualifiedName === `${d.container}.${d.name}`);
      if (w)
        out.push(
          `${rangeText(w.range.base, w.range.size)}, ${pageSizeName(w.pageSize)} pages, ${w.levels} level${w.levels === 1 ? "" : "s"}, table slot ${w.slot}`,
        );
      break;
    }
    case "scenario": {
      const s = ir.scenarios.find((x) => x.name === d.name);
      if (s) out.push(`${s.steps.length} step${s.steps.length === 1 ? "" : "s"}`);
      break;
    }
    case "topology":
      out.push(`${ir.files.length} file${ir.files.length === 1 ? "" : "s"}`);
      break;
  }
  return out;
}

function mapLines(analysis: Analysis, s: MapDecl): string[] {
  const pages = mapLinePages(analysis, s);
  if (pages.mappings.length === 0) return ["**map**: not resolved (see the diagnostics)"];
  const out = [
    `**map** → \`${s.target.name.name}${s.target.member ? "." + s.target.member.name : ""}\``,
  ];
  for (const p of pages.mappings.slice(0, 16)) {
    const m = p.mapping;
    const what = m.source.buffer ?? m.source.memory;
    const at =
      p.iova !== undefined
        ? `${m.iova === "auto" ? "IOVA " : "at "}${rangeText(p.iova, m.source.size)}`
        : `${humanSize(m.source.size)}, IOVA chosen at lowering`;
    const leaves = p.leaves
      ? p.leaves
          .map(([size, n]) => `${n.toLocaleString("en-US")} × ${pageSizeName(size)}`)
          .join(" + ")
      : undefined;
    out.push(
      `- \`${what}\`: ${at}${leaves ? `; leaves ${leaves}` : ""}${p.table ? ` in table \`${p.table}\`` : ""}`,
    );
  }
  if (pages.mappings.length > 16) out.push(`- … ${pages.mappings.length - 16} more`);
  const sizes = pages.mappings[0]?.pageSizes;
  if (sizes)
    out.push(
      `page sizes offered: ${sizes.map(pageSizeName).join(", ")}${pages.lowered ? "" : " (not lowered: figures for fixed addresses only)"}`,
    );
  return out;
}

/** A `use` line: the plugin it names and whether it was loaded, as the pipeline judged it. */
function useLines(analysis: Analysis, s: UseDecl, file: string): string[] {
  const refused = analysis.checked.diagnostics.find(
    (d) => d.span?.file === file && d.span.offset === s.specifierSpan.offset,
  );
  if (refused)
    return [`**use** \`${s.specifier}\`: not loaded (${refused.code}, see the diagnostic)`];
  let path: string | undefined;
  try {
    path = realpathSync(resolveSpecifier(s.specifier, dirname(resolvePath(analysis.cwd, file))));
  } catch {
    path = undefined;
  }
  const entry = analysis.checked.registry.all().find((e) => {
    try {
      return e.origin !== "built-in" && realpathSync(e.origin) === path;
    } catch {
      return false;
    }
  });
  return entry
    ? [
        `**use** \`${s.specifier}\`: plugin \`${entry.plugin.name}\` ${entry.plugin.version}, loaded (allowed by the configuration or a --plugin)`,
        entry.plugin.description,
      ]
    : [`**use** \`${s.specifier}\``];
}

export function hoverAt(c: DocumentContext, position: Position): Hover | null {
  const offset = c.document.offsetAt(position);
  const index = c.analysis.index;
  const occurrence = index.at(c.file, offset);
  const parts: string[] = [];
  let range = undefined;
  if (occurrence) {
    const d = index.declarations.get(occurrence.key);
    parts.push(d ? describe(c.analysis, d).join("  \n") : `\`${occurrence.name}\`: not declared`);
    range = rangeOfSpan(occurrence.span);
  }
  const at = statementAt(c.analysis, c.file, offset);
  const map: MapDecl | undefined =
    at?.step?.kind === "map" ? at.step : at?.statement.kind === "map" ? at.statement : undefined;
  if (map) parts.push(mapLines(c.analysis, map).join("  \n"));
  if (at?.statement.kind === "use")
    parts.push(useLines(c.analysis, at.statement, c.file).join("  \n"));
  if (parts.length === 0) return null;
  return {
    contents: { kind: MarkupKind.Markdown, value: parts.join("\n\n---\n\n") },
    ...(range ? { range } : {}),
  };
}
